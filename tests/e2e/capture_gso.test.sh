#!/bin/bash
# UDP GSO super-frames (one frame, several datagrams of gso_size bytes, sent
# with UDP_SEGMENT over a veth) captured with both backends: PACKET_VNET_HDR
# gives the segment size, and the QUIC analyser cuts only inside the last
# datagram, so a trailing datagram's long header is never cut; a train of
# matched short headers is cut inside its last datagram.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool python3
need_tool tshark
ns_setup
ns_addr
GSO="$CST_SRC/tests/e2e/gso_quic.py"
CID_C=c1c1c1c1c1c1c1c1 CID_S=5e5e5e5e5e5e5e5e

for be in recvmsg tpacket_v3; do
	for pol in track final_only; do
		name="$be.$pol"
		cap_start "$T/$name.log" -i "$IF_B" -w "$T/$name.pcap" -c 4 --backend "$be" --policy "$pol" udp port 4433 || fail "$name: start"
		inA python3 "$GSO" initial 5000 10.77.0.2 4433 "$CID_C" "$CID_S"
		inB python3 "$GSO" initial 4433 10.77.0.1 5000 "$CID_S" "$CID_C"
		inA python3 "$GSO" train 5000 10.77.0.2 4433 "$CID_S" 1000 3 long
		inA python3 "$GSO" train 5000 10.77.0.2 4433 "$CID_S" 1000 3 short
		cap_wait
		expect_eq "$name: exit status" "$CAP_RC" 0
		tshark -n -r "$T/$name.pcap" -T fields -e frame.len -e frame.cap_len 2>/dev/null >"$T/$name.lens"
		got=$(sed -n '3p;4p' "$T/$name.lens" | xargs)
		# 14 Ethernet + 20 IPv4 + 8 UDP + 3 x 1000
		expect_eq "$name: trailing long header kept whole" "$(sed -n 3p "$T/$name.lens" | xargs)" "3042 3042"
		wire=$(sed -n 4p "$T/$name.lens" | cut -f1)
		cap=$(sed -n 4p "$T/$name.lens" | cut -f2)
		[ "$wire" = 3042 ] && [ "$cap" -gt $((42 + 2000)) ] && [ "$cap" -lt 3042 ] &&
			pass "$name: short-header train cut inside its last datagram ($cap of $wire)" ||
			fail "$name: short-header train: [$got]"
	done
done
finish
