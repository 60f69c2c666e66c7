#!/bin/bash
# Pass-through constrict of every upstream fixture with TLS and QUIC analysis
# disabled: PCAP output byte-identical to the input, PCAPNG identical as well
# (the fixtures have zero EPB padding, so SPEC 2.4 re-encoding changes
# nothing); every output read back by tshark.  The truncated-tail fixture
# gives exit 1 and exactly the complete records before the tail.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool tshark

KEEP="$T/keep_all.ini"
printf '[tls]\nenabled = false\n[quic]\nenabled = false\n' >"$KEEP"

n=0
while IFS= read -r -d '' in; do
	rel=${in#"$FIX"/}
	out="$T/$(echo "$rel" | tr / _)"
	"$CST_BIN" constrict "$in" -o "$out" --config "$KEEP" >"$out.stdout" 2>"$out.stderr"
	rc=$?
	case "$rel" in
	*truncated_tail*)
		expect_eq "$rel exit code" "$rc" 1
		size=$(stat -c %s "$out")
		expect_eq "$rel output size" "$size" 2750
		if cmp -s -n 2750 "$in" "$out"; then pass "$rel prefix identical"; else fail "$rel prefix differs"; fi
		;;
	*)
		expect_eq "$rel exit code" "$rc" 0
		same_bytes "$rel byte-identical" "$in" "$out"
		# nothing but constrict's summary line (issue 18), bytes in = bytes out
		expect_eq "$rel quiet" "$(grep -v '^constrictor: [0-9]* packets, \([0-9]*\) bytes -> \1 bytes, saved 0.0%$' "$out.stderr")" ""
		grep -q '^constrictor: ' "$out.stderr" && pass "$rel summary line" || fail "$rel: no summary line"
		;;
	esac
	tshark_reads "$out"
	n=$((n + 1))
done < <(find "$FIX" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -print0 | sort -z)

[ "$n" -ge 5 ] || fail "only $n fixtures found under $FIX"
finish
