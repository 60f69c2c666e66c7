# Shared helpers for script tests (sourced).  Each test is one CTest case;
# exit 0 = pass, 1 = fail, 77 = skipped (with a reason on stdout).
set -u
: "${CST_BIN:?CST_BIN not set (run through ctest)}"
: "${CST_TMP:?}"
FIX="${CST_FIXTURES:-}"
rm -rf "$CST_TMP" && mkdir -p "$CST_TMP"
T="$CST_TMP"
FAILS=0
CHECKS=0

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); CHECKS=$((CHECKS + 1)); }
pass() { echo "ok: $*"; CHECKS=$((CHECKS + 1)); }
# counted N: N checks were made and reported elsewhere (e.g. by a helper
# process that prints its own FAIL lines and adds its failures to FAILS).
counted() { CHECKS=$((CHECKS + $1)); }
# skip_part REASON: one part of a test cannot run here (missing tool, no
# root); the rest still runs and must still make checks.
skip_part() { echo "SKIP (part): $*"; }
need_tool() { command -v "$1" >/dev/null 2>&1 || skip "$1 not installed"; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root (network namespaces / AF_PACKET)"; }
need_fixtures() { [ -n "$FIX" ] && [ -d "$FIX" ] || skip "golden fixtures not found (configure with -DCST_FIXTURES=DIR)"; }

# same_bytes NAME A B: byte-for-byte comparison
same_bytes() {
	if cmp -s "$2" "$3"; then pass "$1"; else fail "$1: $2 and $3 differ ($(cmp "$2" "$3" 2>&1 | head -1))"; fi
}
# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got [$2] want [$3]"; fi
}
# one_line_error NAME PATTERN CMD...: CMD fails with exit status 1 and one
# line on stderr matching PATTERN (its stdout and stderr go to $T/out, $T/err)
one_line_error() {
	local name="$1" pat="$2" rc
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	expect_eq "$name: exit status" "$rc" 1
	expect_eq "$name: one line on stderr" "$(wc -l <"$T/err")" 1
	grep -q -- "$pat" "$T/err" && pass "$name: message" || fail "$name: message was: $(cat "$T/err")"
}
# tshark_reads FILE: an independent reader opens the file without error
tshark_reads() {
	local out
	if out=$(tshark -n -r "$1" 2>&1 >/dev/null) && [ -z "$(printf '%s' "$out" | grep -v 'Running as user')" ]; then
		pass "tshark reads $(basename "$1")"
	else
		fail "tshark on $1: $out"
	fi
}
# finish: exit 1 when a check failed, and also when none was made: a test
# that checked nothing has proved nothing (a wrong path, an empty table, a
# loop that never ran).
finish() {
	if [ "$FAILS" -ne 0 ]; then echo "$FAILS of $CHECKS check(s) failed"; exit 1; fi
	if [ "$CHECKS" -eq 0 ]; then echo "FAIL: no check was made"; exit 1; fi
	echo "all $CHECKS checks passed"; exit 0
}
