#!/bin/bash
# How a live capture ends and what it writes: -c, --duration, SIGINT and
# SIGTERM each leave a complete file that tshark reads, with as many packets
# as reported; PCAPNG output carries SHB/IDB options, EPB direction flags and
# an ISB with the kernel counters; -w - feeds a pipe; -s cuts like tcpdump;
# -i any writes Linux cooked v2 with the interface index.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool python3
need_tool tshark
ns_setup

count_in() { tshark -n -r "$1" 2>/dev/null | wc -l; }

# check_file NAME FILE LOG: tshark reads it and finds as many packets as reported
check_file() {
	tshark_reads "$2"
	expect_eq "$1: file holds the packets reported" "$(count_in "$2")" "$(stat_of "$3" "packets captured")"
}

for be in recvmsg tpacket_v3; do
	stream 3000
	cap_start "$T/c.$be.log" -i "$IF_B" -w "$T/c.$be.pcap" -c 20 --backend "$be" || fail "-c start"
	cap_wait
	expect_eq "$be -c 20: exit status" "$CAP_RC" 0
	expect_eq "$be -c 20: packets captured" "$(stat_of "$T/c.$be.log" "packets captured")" 20
	check_file "$be -c" "$T/c.$be.pcap" "$T/c.$be.log"

	cap_start "$T/d.$be.log" -i "$IF_B" -w "$T/d.$be.pcap" --duration 1 --backend "$be" || fail "--duration start"
	cap_wait
	expect_eq "$be --duration: exit status" "$CAP_RC" 0
	n=$(stat_of "$T/d.$be.log" "packets captured")
	[ "${n:-0}" -gt 0 ] && pass "$be --duration: captured $n" || fail "$be --duration: nothing captured"
	check_file "$be --duration" "$T/d.$be.pcap" "$T/d.$be.log"

	for sig in INT TERM; do
		cap_start "$T/$sig.$be.log" -i "$IF_B" -w "$T/$sig.$be.pcap" --backend "$be" || fail "$sig start"
		sleep 0.5
		kill -"$sig" "$CAP_PID"
		cap_wait
		expect_eq "$be SIG$sig: exit status" "$CAP_RC" 0
		check_file "$be SIG$sig" "$T/$sig.$be.pcap" "$T/$sig.$be.log"
		recv=$(stat_of "$T/$sig.$be.log" "packets received by filter")
		got=$(stat_of "$T/$sig.$be.log" "packets captured")
		[ "${recv:-0}" -ge "${got:-1}" ] && [ "${got:-0}" -gt 0 ] && pass "$be SIG$sig: $got captured, $recv received by filter" ||
			fail "$be SIG$sig: captured $got, received by filter $recv"
	done
	stream_stop
done

# PCAPNG: 5 frames in, 5 frames out of B
cap_start "$T/ng.log" -i "$IF_B" -w "$T/ng.pcapng" --format pcapng -c 10 udp || fail "pcapng start"
inA python3 "$PCAPTOOL" vlan "$IF_A" 0 0 0 >/dev/null
inA python3 "$PCAPTOOL" stream "$IF_A" 0 5
inB python3 "$PCAPTOOL" stream "$IF_B" 0 5
cap_wait
python3 "$PCAPTOOL" info "$T/ng.pcapng" >"$T/ng.info"
tshark_reads "$T/ng.pcapng"
grep -q "^SHB os=Linux .* userappl=constrictor [0-9.]*$" "$T/ng.info" && pass "SHB shb_os and shb_userappl" || fail "SHB: $(head -1 "$T/ng.info")"
grep -q "^IDB link=1 snaplen=262144 name=$IF_B tsresol=9$" "$T/ng.info" && pass "IDB options" || fail "IDB: $(grep IDB "$T/ng.info")"
expect_eq "EPB inbound flags" "$(grep -c '^EPB flags=1$' "$T/ng.info")" 5
expect_eq "EPB outbound flags" "$(grep -c '^EPB flags=2$' "$T/ng.info")" 5
grep -q "^ISB ifrecv=1[0-9]* ifdrop=0$" "$T/ng.info" && pass "ISB counters" || fail "ISB: $(grep ISB "$T/ng.info")"
expect_eq "tshark sees the directions" "$(tshark -n -r "$T/ng.pcapng" -T fields -e frame.packet_flags_direction 2>/dev/null | sort | uniq -c | awk '{print $1}' | xargs)" "5 5"

# Output is flushed at least once a second: a reader sees packets while the
# capture is still running.
for be in recvmsg tpacket_v3; do
	cap_start "$T/flush.$be.log" -i "$IF_B" -w "$T/flush.$be.pcap" --backend "$be" || fail "flush start"
	inA python3 "$PCAPTOOL" stream "$IF_A" 0 5
	expect_eq "$be: promiscuous while capturing" "$(ip -d -n "$NS_B" link show "$IF_B" | grep -o 'promiscuity [0-9]*')" "promiscuity 1"
	sleep 2
	# written under NAME.part until complete (issue 18)
	expect_eq "$be: packets readable while capturing" "$(count_in "$T/flush.$be.pcap.part")" 5
	kill -TERM "$CAP_PID"
	cap_wait
	expect_eq "$be: after SIGTERM" "$(count_in "$T/flush.$be.pcap") $CAP_RC" "5 0"
	expect_eq "$be: promiscuous mode dropped on close" "$(ip -d -n "$NS_B" link show "$IF_B" | grep -o 'promiscuity [0-9]*')" "promiscuity 0"
done

# -w - into tshark, -s 100, microsecond timestamps
stream 3000
inB "$CST_BIN" capture -i "$IF_B" -w - -c 7 -s 100 -p --time-precision micro 2>"$T/pipe.log" >"$T/pipe.pcap"
expect_eq "-w -: exit status" "$?" 0
expect_eq "-w - | tshark -r -" "$(tshark -n -r - <"$T/pipe.pcap" 2>/dev/null | wc -l)" 7
expect_eq "micro: pcap magic" "$(od -An -tx1 -N4 "$T/pipe.pcap" | xargs)" "d4 c3 b2 a1"
expect_eq "-s 100: captured lengths" "$(tshark -n -r "$T/pipe.pcap" -T fields -e frame.cap_len 2>/dev/null | sort -u | xargs)" "100"
expect_eq "-s 100: wire lengths kept" "$(tshark -n -r "$T/pipe.pcap" -T fields -e frame.len 2>/dev/null | sort -u | xargs)" "106"

# Without -w: one text line per packet on stdout, stats on stderr.
inB "$CST_BIN" capture -i "$IF_B" -c 3 >"$T/text.out" 2>"$T/text.log"
expect_eq "text mode: exit status" "$?" 0
expect_eq "text mode: lines" "$(grep -cE " $IF_B +In  IP [0-9.]+ > [0-9.]+: UDP, length [0-9]+: kept 106$" "$T/text.out")" 3
expect_eq "text mode: packets captured" "$(stat_of "$T/text.log" "packets captured")" 3

# -i any: Linux cooked v2 with the interface index, kernel filter on a cooked socket
idx=$(inB cat "/sys/class/net/$IF_B/ifindex")
cap_start "$T/any.log" -i any -w "$T/any.pcap" -c 5 udp port 9999 || fail "any start"
cap_wait
expect_eq "any: exit status" "$CAP_RC" 0
expect_eq "any: link type" "$(tshark -n -r "$T/any.pcap" -T fields -e frame.encap_type 2>/dev/null | sort -u | xargs)" \
	"$(tshark -n -r "$T/any.pcap" -T fields -e frame.encap_type 2>/dev/null | head -1)"
expect_eq "any: SLL2 interface index" "$(tshark -n -r "$T/any.pcap" -T fields -e sll.ifindex 2>/dev/null | sort -u | xargs)" "$idx"
expect_eq "any: filtered UDP/9999 only" "$(tshark -n -r "$T/any.pcap" -Y 'udp.dstport == 9999' 2>/dev/null | wc -l)" 5
grep -q "link-type LINUX_SLL2" "$T/any.log" && pass "any: announced as LINUX_SLL2" || fail "any: $(head -1 "$T/any.log")"
stream_stop
finish
