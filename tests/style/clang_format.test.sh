# Every C source is formatted with the repository's .clang-format (STYLE.md 15).
source "$CST_SRC/tests/lib.sh"
need_tool clang-format
need_tool git
cd "$CST_SRC" || exit 1
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || skip "not a git checkout"
files=$(git ls-files '*.c' '*.h')
[ -n "$files" ] || skip "no tracked C files"
bad=$(for f in $files; do clang-format --dry-run "$f" 2>&1 | grep -q warning && echo "$f"; done)
if [ -z "$bad" ]; then pass "all $(echo "$files" | wc -l) C files formatted"; else fail "not formatted: $bad"; fi
finish
