#!/bin/bash
# Text output (issue 20 item 2): `constrict --text` and `capture` without -w
# print one line per packet in tcpdump's manner.  Lines are checked against
# the expected files in tests/analyst/expected/ (written for this test from
# the golden inputs and the repository's IPv6 capture; the inputs are never
# copied), and independently: addresses and ports against tshark -T fields,
# the -X / -A dumps against tcpdump -X / -A reading the constricted file,
# one write(2) per batch and not per line (strace), -o - on a terminal.
# UPDATE_EXPECTED=1 rewrites the expected files (review the diff).
source "$CST_SRC/tests/lib.sh"
need_fixtures
export TZ=UTC
EXP="$CST_SRC/tests/analyst/expected"
V6="$CST_SRC/tests/real/corpus/https-ipv6.pcap"

# expect_file NAME EXPECTED GOT
expect_file() {
	if [ "${UPDATE_EXPECTED:-0}" = 1 ]; then cp "$3" "$2"; fi
	if [ ! -s "$3" ]; then
		fail "$1: no output"
	elif cmp -s "$2" "$3"; then pass "$1"; else fail "$1: $(diff "$2" "$3" | head -5)"; fi
}

# name | input | options
while IFS='|' read -r name input opts; do
	[ -z "$name" ] && continue
	in="$FIX/$input"
	[ "${input#/}" != "$input" ] && in="$input"
	# shellcheck disable=SC2086
	if "$CST_BIN" constrict "$in" --text $opts >"$T/$name.txt" 2>"$T/$name.err"; then
		pass "$name: exit 0"
	else
		fail "$name: $(cat "$T/$name.err")"
	fi
	expect_file "$name: lines" "$EXP/$name.txt" "$T/$name.txt"
done <<LIST
text_tls_test_1|single/tls_test_1.pcap|
text_quic_test_1|single/quic_test_1.pcap|
text_tls_test_2|tls_test_2/input.pcap|--config $FIX/tls_test_2/constrict.ini
text_tls_quic_test_1_v|single/tls_quic_test_1.pcapng|-v
text_ipv6_track_v|$V6|--policy track -v
text_tls_test_1_X|single/tls_test_1.pcap|-X
text_tls_test_2_A|tls_test_2/input.pcap|--config $FIX/tls_test_2/constrict.ini -A
LIST

# one line per packet, in order, with each packet's length and keep decision
n_in=$(tshark -n -r "$FIX/single/tls_quic_test_1.pcapng" 2>/dev/null | wc -l)
expect_eq "one line per packet" "$(wc -l <"$T/text_tls_quic_test_1_v.txt")" "$n_in"
"$CST_BIN" constrict "$FIX/single/tls_quic_test_1.pcapng" -o "$T/c.pcapng"
expect_eq "kept/cut lengths are the written caplens" \
	"$(sed -E 's/.*: (kept ([0-9]+)|cut [0-9]+→([0-9]+)) .*/\2\3/' "$T/text_tls_quic_test_1_v.txt" | md5sum)" \
	"$(tshark -n -r "$T/c.pcapng" -T fields -e frame.cap_len 2>/dev/null | md5sum)"

# addresses and ports against tshark
if command -v tshark >/dev/null; then
	for f in single/tls_quic_test_1.pcapng:text_tls_quic_test_1_v single/quic_test_1.pcap:text_quic_test_1 "$V6:text_ipv6_track_v"; do
		in="$FIX/${f%%:*}"
		[ "${f#/}" != "$f" ] && in="${f%%:*}"
		[ -s "$T/${f##*:}.txt" ] || fail "${f##*:}: no lines to compare"
		ours=$(awk '{ print $3, $5 }' "$T/${f##*:}.txt" | sed 's/:$//')
		theirs=$(tshark -n -r "$in" -T fields -E separator='|' -e ip.src -e ipv6.src -e tcp.srcport -e udp.srcport \
			-e ip.dst -e ipv6.dst -e tcp.dstport -e udp.dstport 2>/dev/null |
			awk -F'|' '{ s = $1 $2; if ($3 $4 != "") s = s "." $3 $4
				d = $5 $6; if ($7 $8 != "") d = d "." $7 $8; print s, d }')
		expect_eq "${f##*:}: addresses and ports as tshark" "$(echo "$ours" | md5sum)" "$(echo "$theirs" | md5sum)"
	done
else
	skip_part "tshark not installed: addresses not cross-checked"
fi

# -X / -A: the kept bytes as tcpdump prints them from the constricted file
if command -v tcpdump >/dev/null; then
	"$CST_BIN" constrict "$FIX/single/tls_test_1.pcap" -o "$T/c1.pcap"
	tcpdump -n -r "$T/c1.pcap" -X 2>/dev/null | grep -P '^\t0x' >"$T/td.X"
	grep -P '^\t0x' "$T/text_tls_test_1_X.txt" >"$T/ours.X"
	[ -s "$T/td.X" ] && same_bytes "-X: hex and ASCII as tcpdump -X" "$T/td.X" "$T/ours.X" || fail "-X: no tcpdump lines"
	"$CST_BIN" constrict "$FIX/tls_test_2/input.pcap" --config "$FIX/tls_test_2/constrict.ini" -o "$T/c2.pcap"
	tcpdump -n -r "$T/c2.pcap" -A 2>/dev/null | grep -vE '^[0-9]{2}:[0-9]{2}:' >"$T/td.A"
	grep -vE '^[0-9]{2}:[0-9]{2}:' "$T/text_tls_test_2_A.txt" >"$T/ours.A"
	same_bytes "-A: ASCII as tcpdump -A" "$T/td.A" "$T/ours.A"
else
	skip_part "tcpdump not installed: -X/-A not cross-checked"
fi

# buffered: one write(2) for all the lines of a small file, not one per line
if command -v strace >/dev/null; then
	strace -f -e trace=write -o "$T/strace" "$CST_BIN" constrict "$FIX/single/tls_quic_test_1.pcapng" --text >/dev/null
	w=$(grep -c '^[0-9]* *write(1,' "$T/strace")
	[ "$w" -ge 1 ] && [ "$w" -le 2 ] && pass "text: $w write(2) for $n_in lines" || fail "text: $w writes for $n_in lines"
else
	skip_part "strace not installed: buffering not checked"
fi

# -o - on a terminal prints text; into a pipe it stays a capture file
if command -v script >/dev/null; then
	script -qec "$CST_BIN constrict $FIX/single/quic_test_1.pcap -o - 2>/dev/null" /dev/null | tr -d '\r' >"$T/tty.txt"
	same_bytes "-o - on a terminal: text lines" "$EXP/text_quic_test_1.txt" "$T/tty.txt"
else
	skip_part "script(1) not installed: terminal output not checked"
fi
expect_eq "-o - into a pipe: PCAP" "$("$CST_BIN" constrict "$FIX/single/quic_test_1.pcap" -o - 2>/dev/null | od -An -tx1 -N4 | xargs)" "d4 c3 b2 a1"

# --text -o FILE writes the lines there
"$CST_BIN" constrict "$FIX/single/quic_test_1.pcap" --text -o "$T/lines.txt"
same_bytes "--text -o FILE" "$EXP/text_quic_test_1.txt" "$T/lines.txt"

# capture -r without -w prints the same lines (policy and keep rule aside)
"$CST_BIN" capture -r "$FIX/single/tls_test_1.pcap" --policy final_only >"$T/cap.txt" 2>"$T/cap.err"
expect_eq "capture -r: exit 0" "$?" 0
same_bytes "capture -r without -w: lines of constrict --text" "$EXP/text_tls_test_1.txt" "$T/cap.txt"

# errors
out=$("$CST_BIN" constrict "$FIX/single/quic_test_1.pcap" -o "$T/x.pcap" -v 2>&1)
expect_eq "-v without --text: exit 1" "$?" 1
case "$out" in *"need text output"*) pass "-v without --text: message" ;; *) fail "-v message: $out" ;; esac
out=$("$CST_BIN" reinflate "$FIX/single/quic_test_1.pcap" --text 2>&1)
case "$out" in *"only with constrict"*) pass "reinflate --text refused" ;; *) fail "reinflate --text: $out" ;; esac
finish
