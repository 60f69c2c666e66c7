#!/bin/bash
# The constrict cases of the golden table (tests/golden/TESTLIST) through the
# program: exit code, output bytes (cmp) where a golden output exists, stats
# lines, per-packet captured lengths and reasons; then an independent check
# with tshark: the handshake messages (TLS handshake, QUIC long headers) of
# the input all survive in the output, and the output has no malformed frame
# the input did not have.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/golden/testlist.sh"
need_fixtures
need_tool python3
HAVE_TSHARK=1
command -v tshark >/dev/null 2>&1 || HAVE_TSHARK=0

# Handshake-bearing frames and what tshark sees in them.
handshakes() {
	tshark -n -r "$1" -Y 'tls.handshake or quic.long.packet_type' \
		-T fields -e frame.number -e tls.handshake.type -e quic.long.packet_type 2>/dev/null
}
malformed() { tshark -n -r "$1" -Y '_ws.malformed' -T fields -e frame.number 2>/dev/null; }

cases=0
while IFS="$SEP" read -r name cmd input config options output want_rc kept stats; do
	[ -n "$name" ] || { fail "TESTLIST: malformed line (see stderr)"; continue; }
	cases=$((cases + 1))
	run_case constrict "$name" "$input" "$config" "$options" "$output" "$want_rc" "$kept" "$stats"
	out="$T/$name.constrict.out"
	if [ "$HAVE_TSHARK" = 1 ]; then
		tshark_reads "$out"
		[ -n "$(handshakes "$FIX/$input")" ] || fail "$name: tshark sees no handshake in the input"
		expect_eq "$name: handshakes survive" "$(handshakes "$out" | md5sum)" \
			"$(handshakes "$FIX/$input" | md5sum)"
		new_bad=$(comm -13 <(malformed "$FIX/$input" | sort) <(malformed "$out" | sort))
		expect_eq "$name: no new malformed frames" "$new_bad" ""
	fi
done < <(testlist_rows constrict)
[ "$cases" -gt 0 ] || fail "TESTLIST has no constrict case"
[ "$HAVE_TSHARK" = 1 ] || skip_part "tshark not installed: independent checks not made"
finish
