#!/bin/bash
# --annotate (issue 20 item 1): every cut packet of a PCAPNG output carries
# an opt_comment saying what was kept and why, with the TLS records the
# analyser saw; kept packets carry none, and the packet bytes are those of a
# run without --annotate.  Checked with tshark (frame.comment) against the
# expected comments in tests/analyst/expected/ (written for this test from
# the golden inputs, made PCAPNG with editcap; the inputs are never copied),
# for constrict (input options kept, little- and big-endian sections) and
# capture -r (the live dumper's EPBs, with epb_flags).  Classic PCAP output
# is refused with a message.  UPDATE_EXPECTED=1 rewrites the expected files.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool tshark
need_tool editcap
need_tool python3
EXP="$CST_SRC/tests/analyst/expected"
V6="$CST_SRC/tests/real/corpus/https-ipv6.pcap"
SWAP="$CST_SRC/tests/format/byteswap.py"

expect_file() { # NAME EXPECTED GOT
	if [ "${UPDATE_EXPECTED:-0}" = 1 ]; then cp "$3" "$2"; fi
	if [ ! -s "$3" ]; then
		fail "$1: no output"
	elif cmp -s "$2" "$3"; then pass "$1"; else fail "$1: $(diff "$2" "$3" | head -5)"; fi
}
comments() { tshark -n -r "$1" -Y 'frame.comment contains "cut"' -T fields -e frame.number -e frame.comment 2>/dev/null; }
# frame number of every packet written shorter than it was read
cut_frames() { tshark -n -r "$1" -Y 'frame.cap_len < frame.len' -T fields -e frame.number 2>/dev/null; }
frames() { tshark -n -r "$1" -x 2>/dev/null | grep -v '^$' | md5sum; }

editcap -F pcapng "$FIX/single/tls_test_1.pcap" "$T/tls1.pcapng" || fail "editcap tls_test_1"
editcap -F pcapng "$V6" "$T/v6.pcapng" || fail "editcap ipv6"
editcap -F pcapng "$FIX/single/quic_test_1.pcap" "$T/quic1.pcapng" || fail "editcap quic_test_1"
python3 "$SWAP" "$T/tls1.pcapng" "$T/tls1_be.pcapng" || fail "byteswap"

# name | input | options
while IFS='|' read -r name in opts; do
	[ -z "$name" ] && continue
	[ "${in#/}" = "$in" ] && in="$FIX/$in"
	# shellcheck disable=SC2086
	"$CST_BIN" constrict "$in" -o "$T/$name.pcapng" --annotate $opts 2>"$T/$name.err" ||
		fail "$name: $(cat "$T/$name.err")"
	# shellcheck disable=SC2086
	"$CST_BIN" constrict "$in" -o "$T/$name.plain.pcapng" $opts 2>/dev/null
	tshark_reads "$T/$name.pcapng"
	comments "$T/$name.pcapng" >"$T/$name.txt"
	expect_file "$name: comments" "$EXP/annotate_$name.txt" "$T/$name.txt"
	expect_eq "$name: a comment on every cut packet and on no other" \
		"$(cut -f1 "$T/$name.txt" | xargs)" "$(cut_frames "$T/$name.plain.pcapng" | xargs)"
	expect_eq "$name: packet bytes as without --annotate" "$(frames "$T/$name.pcapng")" "$(frames "$T/$name.plain.pcapng")"
done <<LIST
tls_quic_test_1|single/tls_quic_test_1.pcapng|
tls_test_1|$T/tls1.pcapng|
tls_test_1_track|$T/tls1.pcapng|--policy track
ipv6_track|$T/v6.pcapng|--policy track
quic_test_1|$T/quic1.pcapng|
LIST

# the input's own EPB options stay (tls_quic_test_1 has epb_flags on every packet)
expect_eq "input options kept" \
	"$(tshark -n -r "$T/tls_quic_test_1.pcapng" -T fields -e frame.packet_flags 2>/dev/null | md5sum)" \
	"$(tshark -n -r "$T/tls_quic_test_1.plain.pcapng" -T fields -e frame.packet_flags 2>/dev/null | md5sum)"

# a big-endian section: the comment is written in its byte order
"$CST_BIN" constrict "$T/tls1_be.pcapng" -o "$T/be.pcapng" --annotate 2>"$T/be.err" || fail "big-endian: $(cat "$T/be.err")"
expect_eq "big-endian section: section magic kept" "$(od -An -tx1 -j8 -N4 "$T/be.pcapng" | xargs)" "1a 2b 3c 4d"
comments "$T/be.pcapng" >"$T/be.txt"
same_bytes "big-endian section: the same comments" "$T/tls_test_1.txt" "$T/be.txt"

# default: no comment at all, output as before (the goldens check the bytes)
expect_eq "without --annotate: no comment" "$(tshark -n -r "$T/tls_test_1.plain.pcapng" -Y frame.comment 2>/dev/null | wc -l)" 0

# the configuration key does what the option does
printf '[general]\nannotate = true\n' >"$T/ann.ini"
"$CST_BIN" constrict "$T/tls1.pcapng" -o "$T/cfg.pcapng" --config "$T/ann.ini"
same_bytes "general.annotate = true: as --annotate" "$T/tls_test_1.pcapng" "$T/cfg.pcapng"

# a classic PCAP input written as PCAPNG (-F pcapng): the comments of the editcap copy
"$CST_BIN" constrict "$FIX/single/tls_test_1.pcap" -F pcapng -o "$T/f.pcapng" --annotate 2>"$T/f.err" ||
	fail "-F pcapng --annotate: $(cat "$T/f.err")"
comments "$T/f.pcapng" >"$T/f.txt"
same_bytes "PCAP input, -F pcapng: the comments of the PCAPNG input" "$T/tls_test_1.txt" "$T/f.txt"

# classic PCAP output is refused, nothing is written
out=$("$CST_BIN" constrict "$FIX/single/tls_test_1.pcap" -o "$T/no.pcap" --annotate 2>&1)
expect_eq "PCAP input: exit 1" "$?" 1
case "$out" in *"--annotate needs PCAPNG output"*"classic PCAP"*"-F pcapng"*) pass "PCAP input: message" ;; *) fail "PCAP message: $out" ;; esac
[ -e "$T/no.pcap" ] && fail "PCAP input: an output was written" || pass "PCAP input: no output"
out=$("$CST_BIN" constrict "$FIX/single/tls_test_1.pcap" -o "$T/no.pcap" --config "$T/ann.ini" 2>&1)
expect_eq "general.annotate on PCAP: exit 1" "$?" 1

# capture -r: the live dumper's EPBs (epb_flags, comment, end of options)
"$CST_BIN" capture -r "$T/tls1.pcapng" --policy final_only -w "$T/cap.pcapng" --format pcapng --annotate 2>"$T/cap.err" ||
	fail "capture --annotate: $(cat "$T/cap.err")"
tshark_reads "$T/cap.pcapng"
comments "$T/cap.pcapng" >"$T/cap.txt"
same_bytes "capture -r --annotate: the comments of constrict" "$T/tls_test_1.txt" "$T/cap.txt"
"$CST_BIN" capture -r "$T/tls1.pcapng" --policy final_only -w "$T/cap_plain.pcapng" --format pcapng 2>/dev/null
expect_eq "capture -r --annotate: packet bytes as without" "$(frames "$T/cap.pcapng")" "$(frames "$T/cap_plain.pcapng")"
out=$("$CST_BIN" capture -r "$T/tls1.pcapng" -w "$T/cap.pcap" --annotate 2>&1)
expect_eq "capture --annotate to PCAP: exit 1" "$?" 1
case "$out" in *"-F pcapng"*) pass "capture PCAP: message names -F pcapng" ;; *) fail "capture PCAP: $out" ;; esac
finish
