#!/bin/bash
# -i any: a VLAN tag the kernel stripped is put back into the cooked frame
# (SLL2 protocol 0x8100, then TCI and the inner protocol, as libpcap does for
# SLL), with every backend (pcap: libpcap's own, in its SLL v1 header); PCAPNG on any carries one IDB per interface seen,
# named as the kernel names it, and every EPB points at its own interface.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool python3
need_tool tshark
ns_setup

for be in recvmsg tpacket_v3 pcap; do
	cap_start "$T/v.$be.log" -i any -w "$T/v.$be.pcap" -c 3 --backend "$be" udp port 9999 || fail "$be any start"
	inA python3 "$PCAPTOOL" vlan "$IF_A" 3 42 5 >/dev/null
	cap_wait
	expect_eq "$be any+VLAN: exit status" "$CAP_RC" 0
	tshark_reads "$T/v.$be.pcap"
	f=$(tshark -n -r "$T/v.$be.pcap" -T fields -e sll.etype -e vlan.id -e vlan.priority -e udp.dstport 2>/dev/null | sort -u)
	expect_eq "$be any+VLAN: SLL2 0x8100, VLAN 42 prio 5, UDP inside" "$f" "$(printf '0x8100\t42\t5\t9999')"
	hdr=20 # SLL2; libpcap's default for any is SLL (v1), 16 bytes (see src/capture/pcap_backend.c)
	[ "$be" = pcap ] && hdr=16
	expect_eq "$be any+VLAN: wire length includes the tag" \
		"$(tshark -n -r "$T/v.$be.pcap" -T fields -e frame.len 2>/dev/null | head -1)" "$((hdr + 4 + 20 + 8 + 11))" # SLL2, tag, IPv4, UDP, "vlan test N"
done

# pcapng on any: frames on the veth and on lo, one IDB each
cap_start "$T/ng.log" -i any -w "$T/ng.pcapng" --format pcapng -c 6 udp port 9999 || fail "pcapng any start"
inA python3 "$PCAPTOOL" stream "$IF_A" 0 3
inB python3 "$PCAPTOOL" stream lo 0 3
cap_wait
expect_eq "pcapng any: exit status" "$CAP_RC" 0
tshark_reads "$T/ng.pcapng"
python3 "$PCAPTOOL" info "$T/ng.pcapng" >"$T/ng.info"
expect_eq "pcapng any: two IDBs" "$(grep -c '^IDB link=276 ' "$T/ng.info")" 2
expect_eq "pcapng any: interface names per packet" \
	"$(tshark -n -r "$T/ng.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c | awk '{print $1 $2}' | xargs)" \
	"$(printf '%s\n' "3$IF_B" "3lo" | sort | xargs)"

# pcap backend on any (issue 19 item 3): libpcap's SLL (v1), one IDB, the
# direction from the SLL packet type (every packet kept is a received one)
cap_start "$T/ngp.log" -i any -w "$T/ngp.pcapng" --format pcapng -c 6 --backend pcap udp port 9999 ||
	fail "pcap pcapng any start"
inA python3 "$PCAPTOOL" stream "$IF_A" 0 3
inB python3 "$PCAPTOOL" stream lo 0 3
cap_wait
expect_eq "pcap pcapng any: exit status" "$CAP_RC" 0
tshark_reads "$T/ngp.pcapng"
python3 "$PCAPTOOL" info "$T/ngp.pcapng" >"$T/ngp.info"
expect_eq "pcap pcapng any: one IDB of link type SLL" "$(grep -c '^IDB link=113 ' "$T/ngp.info")" 1
expect_eq "pcap pcapng any: six packets, all inbound" \
	"$(tshark -n -r "$T/ngp.pcapng" -T fields -e frame.packet_flags_direction 2>/dev/null | sort | uniq -c | xargs)" "6 0x00000001"
finish
