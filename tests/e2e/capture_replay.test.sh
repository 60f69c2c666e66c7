#!/bin/bash
# Live equals offline: every fixture input is sent frame by frame over a veth
# pair between two namespaces and captured on the far end with each backend
# (recvmsg, tpacket_v3 and pcap, libpcap's: issue 19 item 3).
#  1. with the policy off, the captured packets (bytes, captured and wire
#     lengths) equal the input, VLAN-0 tags included (the kernel strips them,
#     the capture puts them back);
#  2. with the default policy (track for capture -i), the kept packets equal
#     `constrictor constrict --policy track` of the same input.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_fixtures
need_tool python3
ns_setup 16000

passthrough_ini "$T/passthrough.ini"

inputs="single/tls_test_1.pcap single/quic_test_1.pcap single/tls_quic_test_1.pcapng
single/truncated_tail_test_1.pcap tls_test_2/input.pcap quic_test_2/input.pcap"

# replay NAME INPUT BACKEND OUT [capture args...]: capture what B receives while A sends INPUT
replay() {
	local name="$1" in="$2" be="$3" out="$4" n
	shift 4
	n=$(python3 "$PCAPTOOL" dump "$in" | wc -l)
	if ! cap_start "$T/$name.log" -i "$IF_B" -w "$out" -c "$n" --duration 20 --backend "$be" "$@"; then
		fail "$name: capture did not start: $(head -2 "$T/$name.log")"
		return 1
	fi
	inA python3 "$PCAPTOOL" send "$IF_A" "$in" >/dev/null
	cap_wait
	expect_eq "$name: exit status" "$CAP_RC" 0
	expect_eq "$name: packets captured" "$(stat_of "$T/$name.log" "packets captured")" "$n"
}

for rel in $inputs; do
	in="$FIX/$rel"
	base=$(echo "$rel" | tr / _)
	python3 "$PCAPTOOL" dump "$in" >"$T/$base.want"
	ext=pcap
	case "$in" in *.pcapng) ext=pcapng ;; esac
	"$CST_BIN" constrict --policy track "$in" -o "$T/$base.offline.$ext" >/dev/null 2>&1
	python3 "$PCAPTOOL" dump "$T/$base.offline.$ext" >"$T/$base.offline.want"
	for be in recvmsg tpacket_v3 pcap; do
		out="$T/$base.$be.raw.pcap"
		if replay "$base.$be.raw" "$in" "$be" "$out" --config "$T/passthrough.ini"; then
			python3 "$PCAPTOOL" dump "$out" >"$T/$base.$be.raw.got"
			same_bytes "$base $be: captured packets equal the input" "$T/$base.want" "$T/$base.$be.raw.got"
		fi
		out="$T/$base.$be.policy.pcap"
		if replay "$base.$be.policy" "$in" "$be" "$out"; then
			python3 "$PCAPTOOL" dump "$out" >"$T/$base.$be.policy.got"
			same_bytes "$base $be: kept packets equal constrict" "$T/$base.offline.want" "$T/$base.$be.policy.got"
		fi
	done
done
tshark_reads "$T/tls_test_2_input.pcap.tpacket_v3.policy.pcap"
finish
