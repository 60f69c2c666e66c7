#!/bin/bash
# Incomplete input tails (SPEC 2.3/2.4): records before the tail are
# written, the warnings are exact, stats still printed, exit code 1.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool tshark

in="$FIX/single/truncated_tail_test_1.pcap"
"$CST_BIN" constrict "$in" -o "$T/t.pcap" --stats >"$T/t.out" 2>"$T/t.err"
expect_eq "classic tail exit" "$?" 1
expect_eq "classic tail warnings" "$(cat "$T/t.err")" "Warning: packet 4 at file offset 2750: unexpected EOF while reading packet payload; expected 4438 byte(s), available 1774 byte(s), missing 2664 byte(s)
Warning: output contains only packets successfully processed before the incomplete tail.
constrictor: 3 packets, 2678 bytes -> 2678 bytes, saved 0.0%"
expect_eq "classic tail stats" "$(grep -E '^(total packets|input incomplete|input trailing|input missing)' "$T/t.out")" "total packets: 3
input incomplete tail: 1
input incomplete packet records: 1
input trailing unprocessed bytes: 1774
input missing packet payload bytes: 2664"
expect_eq "classic tail output size" "$(stat -c %s "$T/t.pcap")" 2750
tshark_reads "$T/t.pcap"

# A classic record header cut after 5 bytes.
head -c $((2750 + 5)) "$in" >"$T/h.pcap"
"$CST_BIN" constrict "$T/h.pcap" -o "$T/h_out.pcap" --stats >"$T/h.out" 2>"$T/h.err"
expect_eq "header tail exit" "$?" 1
expect_eq "header tail warning" "$(head -1 "$T/h.err")" "Warning: file offset 2750: unexpected EOF while reading packet header; 5 trailing byte(s) could not be processed"
expect_eq "header tail trailing bytes" "$(grep '^input trailing' "$T/h.out")" "input trailing unprocessed bytes: 5"

# PCAPNG: a block cut short, and a block header cut short.
ng="$FIX/single/tls_quic_test_1.pcapng"
size=$(stat -c %s "$ng")
head -c $((size - 10)) "$ng" >"$T/ng.pcapng"
"$CST_BIN" constrict "$T/ng.pcapng" -o "$T/ng_out.pcapng" --stats >"$T/ng.out" 2>"$T/ng.err"
expect_eq "pcapng tail exit" "$?" 1
first=$(head -1 "$T/ng.err")
case "$first" in
"Warning: file offset "*": unexpected EOF while reading PCAPNG block; expected block length "*" byte(s), available "*" byte(s), missing 10 byte(s)")
	pass "pcapng block tail warning" ;;
*) fail "pcapng block tail warning: $first" ;;
esac
expect_eq "pcapng tail records untouched" "$(grep '^input incomplete packet records' "$T/ng.out")" "input incomplete packet records: 0"
expect_eq "pcapng tail packets" "$(grep '^pcapng enhanced packets' "$T/ng.out")" "pcapng enhanced packets: 64"
tshark_reads "$T/ng_out.pcapng"
{ cat "$ng"; head -c 7 "$ng"; } >"$T/ng2.pcapng"
"$CST_BIN" constrict "$T/ng2.pcapng" -o "$T/ng2_out.pcapng" >"$T/ng2.out" 2>"$T/ng2.err"
expect_eq "pcapng header tail exit" "$?" 1
expect_eq "pcapng header tail warning" "$(head -1 "$T/ng2.err")" "Warning: file offset $size: unexpected EOF while reading PCAPNG block header; 7 trailing byte(s) could not be processed"
finish
