#!/usr/bin/env bash
# Deterministic mutation sweep (the robustness rule of DESIGN/SPEC 6 item 16):
# every golden fixture and a generated capture (PCAP and PCAPNG) are cut,
# bit-flipped, given zero/huge length fields and spliced by tools/mutate.py;
# each mutant goes through constrict (one policy per mutant, all four in
# rotation) and reinflate.  Every run must end with exit 0 or 1 (no signal,
# no sanitizer report, no timeout), print only "error: ..."/"Warning: ..."
# lines, keep constrict output no larger than its input and reinflate output
# within 262144 bytes per record, and leave output that reads back (also
# the prefix written before an error); a sample of clean outputs is opened
# by tshark.  CST_MUTANTS overrides the number of mutants per input.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool python3
need_tool tshark

per_input=${CST_MUTANTS:-24}
[ -n "${CST_SANITIZED:-}" ] && per_input=${CST_MUTANTS:-14} # the sanitizer build runs 3x slower
M="$T/mutants"
export WORK="$T/work" CST_BIN TSHARK_EVERY=12
mkdir -p "$M" "$WORK"
export RECOMPUTE_INI="$T/recompute.ini"
printf '[reinflate]\nfill_byte = random\nseed = 5\nchecksum_policy = recompute\n' >"$RECOMPUTE_INI"

python3 "$CST_SRC/tools/gencap.py" "$T/gen.pcap" --packets 300 --seed 3 >/dev/null 2>&1 ||
	fail "gencap (pcap) failed"
python3 "$CST_SRC/tools/gencap.py" "$T/gen.pcapng" --format pcapng --packets 120 --seed 4 \
	>/dev/null 2>&1 || fail "gencap (pcapng) failed"

inputs=()
while IFS= read -r f; do inputs+=("$f"); done < <(find "$FIX" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
inputs+=("$T/gen.pcap" "$T/gen.pcapng")
[ "${#inputs[@]}" -ge 10 ] || fail "only ${#inputs[@]} inputs found under $FIX"

total=0
for f in "${inputs[@]}"; do
	case "$f" in
	"$FIX"/*) prefix=$(printf '%s' "${f#"$FIX"/}" | tr '/' '_') ;;
	*) prefix=$(basename "$f") ;;
	esac
	n=$(python3 "$CST_SRC/tools/mutate.py" "$f" "$M" --seed 11 --count "$per_input" \
		--prefix "$prefix") || { fail "mutate.py on $f"; continue; }
	total=$((total + n))
done
echo "$total mutants of ${#inputs[@]} inputs"

find "$M" -type f -print0 | sort -z |
	xargs -0 -P "$(nproc)" -n 16 bash "$CST_SRC/tests/robust/mutant_check.sh" >"$T/results.txt" 2>&1

oks=$(grep -c '^ok ' "$T/results.txt")
nfail=$(grep -c '^FAIL ' "$T/results.txt")
if [ "$nfail" -ne 0 ]; then
	grep '^FAIL ' "$T/results.txt" | head -25
	fail "$nfail of $total mutants broke the robustness rule (details above; all in $T/results.txt)"
else
	pass "$oks mutants: exit 0/1, message-only stderr, bounded and readable output"
fi
other=$(grep -cvE '^(ok|FAIL|tshark) ' "$T/results.txt")
[ "$other" -eq 0 ] || fail "unexpected worker output: $(grep -vE '^(ok|FAIL|tshark) ' "$T/results.txt" | head -5)"
expect_eq "every mutant checked" "$((oks + nfail))" "$total"
[ "$(grep -c '^tshark ' "$T/results.txt")" -ge 5 ] || fail "fewer than 5 outputs sampled by tshark"
# The sweep must exercise both outcomes, else it tests nothing.
[ "$(grep -c '^ok .* 0 [01]$' "$T/results.txt")" -ge 10 ] || fail "fewer than 10 mutants were accepted"
[ "$(grep -c '^ok .* 1 [01]$' "$T/results.txt")" -ge 10 ] || fail "fewer than 10 mutants were rejected"
finish
