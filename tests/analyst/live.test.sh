#!/bin/bash
# Live capture (issue 20): `capture -i` without -w prints one text line per
# packet with the interface name and direction; with --annotate and
# --format pcapng every packet cut (here by -s) carries a comment that
# tshark finds, beside the EPB direction flag.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool python3
need_tool tshark
ns_setup

stream 3000
inB "$CST_BIN" capture -i "$IF_B" -c 4 -s 100 -p --format pcapng -w "$T/ann.pcapng" --annotate 2>"$T/ann.log"
expect_eq "--annotate live: exit status" "$?" 0
tshark_reads "$T/ann.pcapng"
n_cut=$(tshark -n -r "$T/ann.pcapng" -Y 'frame.comment contains "cut 106→100: snaplen"' 2>/dev/null | wc -l)
expect_eq "--annotate live: every packet cut by -s has its comment" "$n_cut" 4
expect_eq "--annotate live: direction flag kept" \
	"$(tshark -n -r "$T/ann.pcapng" -T fields -e frame.packet_flags_direction 2>/dev/null | sort -u | sed "s/^0x0*//" | xargs)" "1"

inB "$CST_BIN" capture -i "$IF_B" -c 3 -p -v >"$T/text.out" 2>"$T/text.log"
expect_eq "text live: exit status" "$?" 0
expect_eq "text live: interface, direction, addresses, decision" \
	"$(grep -cE "^[0-9:.]+ $IF_B +In  IP [0-9.]+\.[0-9]+ > [0-9.]+\.[0-9]+: UDP, length [0-9]+: kept 106 \(keep\.[a-z_]+" "$T/text.out")" 3
finish
