#!/bin/bash
# The AFPacket recorder's command line (SPEC 3.1, 3.3, 3.4):
#  - offline feed of the golden inputs with the golden policy gives upstream's
#    constricted.pcap byte for byte, with the texts and stats block of 3.4;
#  - feed refusals: PCAPNG, non-Ethernet, truncated record;
#  - live with the seed's example config (unchanged but for the interface,
#    output and limits; names in any case): banner, stop reasons, exit 0,
#    "Final stats:" with kernel_packets/kernel_drops, classic PCAP in µs.
source "$CST_SRC/tests/lib.sh"
need_fixtures

golden_ini() { # golden_ini SNAPLEN OUTPUT
	cat <<INI
[general]
min_saved_bytes_per_packet = 16

[tls]
app_data_keep_record_bytes = 8
app_data_continuation_keep_bytes = 8
app_data_continuation_policy = final_only

[quic]
short_header_keep_packet_bytes = 32
require_dcid_match = true
allow_short_header_without_known_dcid = false

[capture]
output = $2
default_snaplen = $1
max_capture_len = $1
INI
}

labels="packets_total packets_written bytes_input bytes_output bytes_saved receive_errors tls_appdata_constricted tls_fallback quic_long_header quic_short_matched quic_short_constricted quic_fallback"
for c in tls_test_2:65535 quic_test_2:262144; do
	n=${c%%:*} s=${c##*:}
	golden_ini "$s" "$T/$n.pcap" >"$T/$n.ini"
	"$CST_BIN" capture --config "$T/$n.ini" --offline-input "$FIX/$n/input.pcap" >"$T/$n.out" 2>"$T/$n.err"
	expect_eq "$n feed: exit status" "$?" 0
	same_bytes "$n feed: output equals upstream constricted.pcap" "$T/$n.pcap" "$FIX/$n/constricted.pcap"
	expect_eq "$n feed: header lines" "$(head -3 "$T/$n.out" | xargs)" "Offline feed completed. input: $FIX/$n/input.pcap output: $T/$n.pcap"
	expect_eq "$n feed: stats labels" "$(tail -n +4 "$T/$n.out" | cut -d: -f1 | xargs)" "$labels"
done
expect_eq "tls_test_2 feed: saved bytes" "$(grep '^bytes_saved:' "$T/tls_test_2.out")" "bytes_saved: 4643"
expect_eq "quic_test_2 feed: saved bytes" "$(grep '^bytes_saved:' "$T/quic_test_2.out")" "bytes_saved: 16281"
# --opt=value spells the same command line (getopt_long)
"$CST_BIN" capture --offline-input="$FIX/tls_test_2/input.pcap" --config="$T/tls_test_2.ini" >"$T/eq.out" 2>&1
expect_eq "feed with --opt=value: exit status" "$?" 0
same_bytes "feed with --opt=value: same output" "$T/tls_test_2.pcap" "$FIX/tls_test_2/constricted.pcap"
expect_eq "feed with --opt=value: first line" "$(head -1 "$T/eq.out")" "Offline feed completed."

# feed refusals
golden_ini 65535 "$T/x.pcap" >"$T/x.ini"
"$CST_BIN" capture --config "$T/x.ini" --offline-input "$FIX/single/tls_quic_test_1.pcapng" >/dev/null 2>"$T/e1"
expect_eq "feed refuses pcapng: status" "$?" 1
expect_eq "feed refuses pcapng: message" "$(cat "$T/e1")" "Offline feed error: pcapng is not supported by this offline feed mode"
python3 -c "
import struct,sys
d=open(sys.argv[1],'rb').read()
open(sys.argv[2],'wb').write(d[:20]+struct.pack('<I',101)+d[24:])" "$FIX/single/tls_test_1.pcap" "$T/raw.pcap"
"$CST_BIN" capture --config "$T/x.ini" --offline-input "$T/raw.pcap" >/dev/null 2>"$T/e2"
expect_eq "feed refuses raw IP: status" "$?" 1
expect_eq "feed refuses raw IP: message" "$(cat "$T/e2")" "Offline feed error: unsupported linktype 101; only Ethernet (DLT_EN10MB/1) is supported"
"$CST_BIN" capture --config "$T/x.ini" --offline-input "$FIX/single/truncated_tail_test_1.pcap" >/dev/null 2>"$T/e3"
expect_eq "feed truncated record: status" "$?" 1
grep -q "^Offline feed error: packet 4 at offset 2750: truncated packet data: need 4438 bytes, have 1774$" "$T/e3" &&
	pass "feed truncated record: message" || fail "feed truncated record: $(head -1 "$T/e3")"
grep -q "^Partial stats:$" "$T/e3" && grep -q "^packets_written: 3$" "$T/e3" && pass "feed truncated record: partial stats" ||
	fail "feed truncated record: $(cat "$T/e3")"

[ "$(id -u)" = 0 ] || { echo "SKIP (partly): live checks need root"; finish; }
source "$CST_SRC/tests/e2e/netns.sh"
ns_setup
# The seed's example config, section and key names in other cases.
for be in recvmsg tpacket_v3; do
	cat >"$T/live.$be.ini" <<INI
[General]
min_saved_bytes_per_packet = 16

[CAPTURE]
backend = $be
# backend = tpacket_v3
interface = $IF_B
output = $T/live.$be.pcap
promiscuous = true
default_snaplen = 65535
max_capture_len = 65535
Max_Packets = 12
duration_sec = 20
ring_block_size = 1048576
ring_block_count = 64
ring_frame_size = 2048
block_timeout_ms = 64

[tls]
enabled = true
ports = 443, 8443
app_data_keep_record_bytes = 256
app_data_continuation_keep_bytes = 64
app_data_continuation_policy = final_only

[quic]
enabled = true
ports = 443
short_header_keep_packet_bytes = 128
require_dcid_match = false
allow_short_header_without_known_dcid = true

[stats]
enabled = true
INI
	ip netns exec "$NS_B" "$CST_BIN" capture --config "$T/live.$be.ini" >"$T/live.$be.out" 2>"$T/live.$be.err" &
	CAP_PID=$!
	NS_PIDS="$NS_PIDS $CAP_PID"
	for i in $(seq 100); do grep -q "Press Ctrl+C" "$T/live.$be.out" && break; sleep 0.1; done
	inA python3 "$CST_SRC/tests/e2e/pcaptool.py" stream "$IF_A" 0.01 20 >/dev/null
	wait "$CAP_PID"
	expect_eq "live $be: exit status" "$?" 0
	want="Starting live capture. backend: $be interface: $IF_B promiscuous: true output: $T/live.$be.pcap default_snaplen: 65535 max_capture_len: 65535"
	[ "$be" = tpacket_v3 ] && want="$want ring_block_size: 1048576 ring_block_count: 64 ring_frame_size: 2048 block_timeout_ms: 64"
	want="$want max_packets: 12 duration_sec: 20 Press Ctrl+C to stop. Live capture stopped: max_packets limit reached Final stats:"
	expect_eq "live $be: banner and stop reason" "$(sed '/^Final stats:/q' "$T/live.$be.out" | xargs)" "$want"
	expect_eq "live $be: stats labels" "$(sed '1,/^Final stats:/d' "$T/live.$be.out" | cut -d: -f1 | xargs)" \
		"packets_total packets_written bytes_input bytes_output bytes_saved receive_errors kernel_packets kernel_drops tls_appdata_constricted tls_fallback quic_long_header quic_short_matched quic_short_constricted quic_fallback"
	expect_eq "live $be: packets_written" "$(grep '^packets_written:' "$T/live.$be.out")" "packets_written: 12"
	expect_eq "live $be: classic PCAP, microseconds" "$(od -An -tx1 -N4 "$T/live.$be.pcap" | xargs)" "d4 c3 b2 a1"
	expect_eq "live $be: tshark count" "$(tshark -n -r "$T/live.$be.pcap" 2>/dev/null | wc -l)" 12
done
finish
