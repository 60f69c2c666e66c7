#!/bin/bash
# The eBPF backend (issue 19 item 4), live in two namespaces joined by a veth
# pair (MTU 65535: the real captures hold GRO super-frames of 64 KiB).
#  1. live equals offline: every fixture and real TLS/QUIC capture is
#     replayed with tcpreplay and captured with --backend ebpf; with the
#     policy off the packets equal the input, with `track` the kept packets
#     equal `constrictor constrict --policy track` of the same file;
#  2. the kernel cut TLS segments and QUIC short headers itself (its count
#     is > 0 over the TLS captures and over the QUIC-only ones) and never
#     shorter than the policy keeps (0);
#  3. the clsact qdisc and our filters are gone after a normal end, after
#     SIGINT and SIGTERM, and after `kill -9` once the next run has ended;
#  4. a filter expression runs in user space.
# Skips without root, without tcpreplay, or in a build without eBPF.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_fixtures
need_tool python3
need_tool tcpreplay
need_tool tc
ns_setup 65535

# Built with the backend, and the kernel loads it?
probe=$(inB "$CST_BIN" capture -i "$IF_B" --backend ebpf -c 1 --duration 1 -w "$T/probe.pcap" 2>&1)
case "$probe" in
*"not in this build"*) skip "built without eBPF: $(echo "$probe" | head -1)" ;;
*"cannot load the eBPF program"* | *"cannot create a clsact"*) skip "the kernel refuses the eBPF program: $(echo "$probe" | head -1)" ;;
esac

passthrough_ini "$T/passthrough.ini"

# ours_left: what of ours is still on IF_B (empty when clean)
ours_left() {
	{
		inB tc qdisc show dev "$IF_B" | grep clsact
		inB tc filter show dev "$IF_B" ingress | grep -i "cst_\|handle 0xc57"
		inB tc filter show dev "$IF_B" egress | grep -i "cst_\|handle 0xc57"
	} 2>/dev/null
}

# replay NAME INPUT OUT [capture args...]: capture what B receives while A sends INPUT
replay() {
	local name="$1" in="$2" out="$3" n
	shift 3
	n=$(python3 "$PCAPTOOL" dump "$in" | wc -l)
	if ! cap_start "$T/$name.log" -i "$IF_B" -w "$out" -c "$n" --duration 30 --backend ebpf "$@"; then
		fail "$name: capture did not start: $(head -2 "$T/$name.log")"
		return 1
	fi
	inA tcpreplay -q -i "$IF_A" --pps=2000 "$in" >"$T/$name.replay" 2>&1 || fail "$name: tcpreplay: $(tail -2 "$T/$name.replay")"
	cap_wait
	expect_eq "$name: exit status" "$CAP_RC" 0
	expect_eq "$name: packets captured" "$(stat_of "$T/$name.log" "packets captured")" "$n"
}

# kernel_cut LOG -> "CUT SHORT"
kernel_cut() {
	sed -n 's/^\([0-9]*\) packets cut in the kernel (eBPF), \([0-9]*\) of them.*/\1 \2/p' "$1" | tail -1
}

# ---- 1 and 2: live equals offline -------------------------------------------
inputs="$FIX/single/tls_test_1.pcap $FIX/single/quic_test_1.pcap $FIX/single/tls_quic_test_1.pcapng
$FIX/tls_test_2/input.pcap $FIX/quic_test_2/input.pcap"
for f in https-h1-loss-reorder https-h1-keepalive-tso https-h2-tso https-h2-vlan-capture-loss \
	https-ipv6 midstream-loss1 midstream-loss5 openssl-keyupdate-tls13 openssl-small-records \
	quic-ngtcp2-rebinding-loss quic-ngtcp2-migration; do
	inputs="$inputs $CST_SRC/tests/real/corpus/$f.pcap"
done
# A bulk download whose record headers straddle segments (150 segments start a record)
python3 "$CST_SRC/tests/e2e/split_headers.py" "$T/split-headers.pcap" 300
inputs="$inputs $T/split-headers.pcap"
# QUIC-only captures: what the kernel cuts there are QUIC short headers
quic_only="quic_test_1 quic_test_2 quic-ngtcp2-rebinding-loss quic-ngtcp2-migration"
total_cut=0
quic_cut=0
for in in $inputs; do
	base=$(basename "$in" | sed -E 's/\.pcap(ng)?$//')
	[ "$base" = input ] && base=$(basename "$(dirname "$in")")
	python3 "$PCAPTOOL" dump "$in" >"$T/$base.want"
	ext=pcap
	case "$in" in *.pcapng) ext=pcapng ;; esac
	"$CST_BIN" constrict --policy track "$in" -o "$T/$base.offline.$ext" --decision-log "$T/$base.csv" >/dev/null 2>&1
	python3 "$PCAPTOOL" dump "$T/$base.offline.$ext" >"$T/$base.offline.want"
	if replay "$base.raw" "$in" "$T/$base.raw.pcap" --config "$T/passthrough.ini"; then
		python3 "$PCAPTOOL" dump "$T/$base.raw.pcap" >"$T/$base.raw.got"
		same_bytes "$base: captured packets equal the input" "$T/$base.want" "$T/$base.raw.got"
	fi
	if replay "$base.track" "$in" "$T/$base.track.pcap"; then
		python3 "$PCAPTOOL" dump "$T/$base.track.pcap" >"$T/$base.track.got"
		same_bytes "$base: kept packets equal constrict --policy track" "$T/$base.offline.want" "$T/$base.track.got"
		set -- $(kernel_cut "$T/$base.track.log")
		expect_eq "$base: no packet cut shorter in the kernel than the policy keeps" "${2:-missing}" 0
		total_cut=$((total_cut + ${1:-0}))
		[ "$base" = split-headers ] && split_cut=${1:-0}
		case " $quic_only " in
		*" $base "*)
			expect_eq "$base: QUIC only (no TLS record cut offline)" "$(grep -c truncate.tls "$T/$base.csv")" 0
			quic_cut=$((quic_cut + ${1:-0}))
			;;
		esac
		case "${1:-}" in
		'' | *[!0-9]*) fail "$base: no kernel cut count in the capture's report" ;;
		*) pass "$base: $1 packets cut in the kernel (counted)" ;;
		esac
	fi
	expect_eq "$base: nothing of ours left on $IF_B" "$(ours_left)" ""
done
# the kernel follows the split headers: it cuts most of the 150 segments that start a record
if [ "${split_cut:-0}" -ge 120 ]; then
	pass "split-headers: the kernel cut $split_cut of the 150 segments that start a record"
else
	fail "split-headers: the kernel cut ${split_cut:-0} of the 150 segments that start a record (< 120)"
fi
tls_cut=$((total_cut - quic_cut))
if [ "$tls_cut" -gt 0 ]; then pass "the kernel cut $tls_cut TLS segments"; else fail "the kernel cut no TLS segment"; fi
if [ "$quic_cut" -gt 0 ]; then pass "the kernel cut $quic_cut QUIC short headers"; else fail "the kernel cut no QUIC short header"; fi

# ---- 3: cleanup after signals and after kill -9 -------------------------------
for sig in INT TERM; do
	cap_start "$T/sig$sig.log" -i "$IF_B" -w "$T/sig.pcap" --backend ebpf || fail "$sig: capture did not start"
	left=$(ours_left)
	case "$left" in *cst_ingress*) pass "$sig: our ingress filter is attached while running" ;; *) fail "$sig: no filter of ours while running: [$left]" ;; esac
	kill -"$sig" "$CAP_PID"
	cap_wait
	expect_eq "$sig: exit status" "$CAP_RC" 0
	expect_eq "$sig: nothing of ours left" "$(ours_left)" ""
done
state="/run/constrictor/ebpf-clsact-$(inB stat -L -c %i /proc/self/ns/net)-$(inB cat "/sys/class/net/$IF_B/ifindex")"
cap_start "$T/kill.log" -i "$IF_B" -w "$T/kill.pcap" --backend ebpf || fail "kill -9: capture did not start"
expect_eq "a run that created the qdisc notes it ($state)" "$(ls "$state" 2>/dev/null)" "$state"
kill -9 "$CAP_PID"
cap_wait
case "$(ours_left)" in *cst_ingress*) pass "kill -9 leaves the filter behind (nothing could remove it)" ;; *) fail "kill -9: expected our filter left behind" ;; esac
replay "after-kill" "$FIX/tls_test_2/input.pcap" "$T/after-kill.pcap"
expect_eq "kill -9, then a run: nothing of ours left" "$(ours_left)" ""
python3 "$PCAPTOOL" dump "$T/after-kill.pcap" >"$T/after-kill.got"
same_bytes "kill -9, then a run: packets as constrict" "$T/tls_test_2.offline.want" "$T/after-kill.got"

# A qdisc that was there before us stays (only our filters go).
inB tc qdisc add dev "$IF_B" clsact
replay "theirs" "$FIX/tls_test_2/input.pcap" "$T/theirs.pcap"
expect_eq "a clsact qdisc made by someone else stays" "$(inB tc qdisc show dev "$IF_B" | grep -c clsact)" 1
expect_eq "... without a filter of ours" "$(inB tc filter show dev "$IF_B" ingress | grep -c cst_)" 0
inB tc qdisc del dev "$IF_B" clsact

# kill -9 on someone else's clsact: the next run removes our filters, not their qdisc
# (a state file under /run/constrictor says which run created a qdisc)
inB tc qdisc add dev "$IF_B" clsact
cap_start "$T/kill2.log" -i "$IF_B" -w "$T/kill2.pcap" --backend ebpf || fail "kill -9 (theirs): capture did not start"
kill -9 "$CAP_PID"
cap_wait
replay "theirs-after-kill" "$FIX/tls_test_2/input.pcap" "$T/theirs-after-kill.pcap"
expect_eq "kill -9 on someone else's clsact, then a run: their qdisc stays" "$(inB tc qdisc show dev "$IF_B" | grep -c clsact)" 1
expect_eq "... without a filter of ours" "$(inB tc filter show dev "$IF_B" ingress | grep -c cst_)" 0
inB tc qdisc del dev "$IF_B" clsact
# our own qdisc after kill -9 (above) and normal ends: no state file left for IF_B
expect_eq "no state file of ours left ($state)" "$(ls "$state" 2>/dev/null)" ""

# ---- 4: a filter expression (user space) --------------------------------------
in="$FIX/quic_test_2/input.pcap"
n=$(python3 "$PCAPTOOL" dump "$in" | wc -l)
cap_start "$T/filter.log" -i "$IF_B" -w "$T/filter.pcap" --duration 3 --backend ebpf udp || fail "filter: capture did not start"
inA tcpreplay -q -i "$IF_A" --pps=2000 "$in" >/dev/null 2>&1
cap_wait
expect_eq "filter 'udp': only UDP packets" "$(tcpdump -nr "$T/filter.pcap" 2>/dev/null | grep -vc ' UDP, ')" 0
got=$(tcpdump -nr "$T/filter.pcap" 2>/dev/null | wc -l)
want=$(tcpdump -nr "$in" udp 2>/dev/null | wc -l)
expect_eq "filter 'udp': every UDP packet" "$got" "$want"
tshark_reads "$T/tls_test_2.track.pcap"
finish
