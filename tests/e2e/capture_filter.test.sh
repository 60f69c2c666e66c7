#!/bin/bash
# Kernel filter and VLAN tags.
#  - `capture -i IF 'tcp port 443'` writes only TCP/443 out of a mix of
#    TCP/443, TCP/80, UDP/53 and ARP frames, and PACKET_STATISTICS ("received
#    by filter") counts exactly the matching frames: the filter runs in the
#    kernel, attached before the socket was bound.
#  - 802.1Q frames written to a packet socket on one veth end arrive with the
#    tag stripped into the packet metadata; both backends put it back, so the
#    file shows VLAN id and priority (this kernel has no 8021q module, so the
#    tagged frames are built by hand).
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool python3
need_tool tshark
ns_setup

for be in recvmsg tpacket_v3; do
	cap_start "$T/f.$be.log" -i "$IF_B" -w "$T/f.$be.pcap" --backend "$be" --duration 3 tcp port 443 || fail "$be: filter capture did not start: $(cat "$T/f.$be.log")"
	inA python3 "$PCAPTOOL" mix "$IF_A" 25 >/dev/null
	cap_wait
	expect_eq "$be filter: exit status" "$CAP_RC" 0
	expect_eq "$be filter: packets captured" "$(stat_of "$T/f.$be.log" "packets captured")" 25
	expect_eq "$be filter: received by filter (PACKET_STATISTICS)" "$(stat_of "$T/f.$be.log" "packets received by filter")" 25
	expect_eq "$be filter: only TCP/443 in the file" "$(tshark -n -r "$T/f.$be.pcap" -Y 'tcp.port == 443' 2>/dev/null | wc -l) $(tshark -n -r "$T/f.$be.pcap" 2>/dev/null | wc -l)" "25 25"

	cap_start "$T/v.$be.log" -i "$IF_B" -w "$T/v.$be.pcap" --backend "$be" -c 6 || fail "$be: vlan capture did not start"
	inA python3 "$PCAPTOOL" vlan "$IF_A" 6 100 5 >/dev/null
	cap_wait
	expect_eq "$be vlan: exit status" "$CAP_RC" 0
	expect_eq "$be vlan: tag id/priority in the file" \
		"$(tshark -n -r "$T/v.$be.pcap" -T fields -e vlan.id -e vlan.priority 2>/dev/null | sort | uniq -c | xargs)" "6 100 5"
	expect_eq "$be vlan: inner UDP decoded" "$(tshark -n -r "$T/v.$be.pcap" -Y 'udp.dstport == 9999' 2>/dev/null | wc -l)" 6
	expect_eq "$be vlan: frame length with the tag" "$(tshark -n -r "$T/v.$be.pcap" -T fields -e frame.len 2>/dev/null | head -1)" \
		"$((14 + 4 + 20 + 8 + 11))"
done
finish
