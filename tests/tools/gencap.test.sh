#!/usr/bin/env bash
# tools/gencap.py and tools/genflows: determinism (same arguments, same bytes;
# another seed, other bytes), --packets/--size, pcap/pcapng and µs/ns, and an
# independent reader's view: tshark sees TLS, QUIC, DNS, HTTP, VLAN and IPv6,
# parses the TLS handshakes, validates every checksum and flags nothing as
# malformed.  --short-flows: the C helper equals the Python reference.
source "$CST_SRC/tests/lib.sh"
need_tool python3
need_tool tshark
GEN="$CST_SRC/tools/gencap.py"
GENFLOWS="$CST_BUILD/tools/genflows"

gen() { python3 "$GEN" "$@" 2>/dev/null; }
count() { tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l; }

# Determinism.
gen "$T/a.pcap" --size 6M --seed 11
gen "$T/b.pcap" --size 6M --seed 11
gen "$T/c.pcap" --size 6M --seed 12
same_bytes "same arguments, same bytes" "$T/a.pcap" "$T/b.pcap"
cmp -s "$T/a.pcap" "$T/c.pcap" && fail "another seed gave the same bytes" || pass "another seed differs"
gen "$T/a.pcapng" --size 2M --seed 11 --format pcapng --nsec
gen "$T/b.pcapng" --size 2M --seed 11 --format pcapng --nsec
same_bytes "pcapng --nsec is deterministic too" "$T/a.pcapng" "$T/b.pcapng"

# Sizes and counts.
size=$(stat -c %s "$T/a.pcap")
[ "$size" -ge $((6 << 20)) ] && [ "$size" -lt $(((6 << 20) + 70000)) ] && pass "--size stops at the first packet past 6 MiB" ||
	fail "--size 6M wrote $size bytes"
gen "$T/n.pcap" --packets 777 --seed 3
expect_eq "--packets 777" "$(count "$T/n.pcap" "")" 777

# Formats as an independent reader sees them.
tshark_reads "$T/a.pcap"
tshark_reads "$T/a.pcapng"
info=$(capinfos -t -i "$T/a.pcapng" 2>/dev/null; capinfos "$T/a.pcapng" 2>/dev/null | grep -i precision)
case "$info" in *pcapng*nanoseconds*) pass "pcapng with nanosecond timestamps" ;; *) fail "capinfos: $info" ;; esac
gen "$T/us.pcapng" --packets 50 --seed 3 --format pcapng
[ "$(tshark -n -r "$T/us.pcapng" -T fields -e frame.time_epoch -c 50 2>/dev/null | grep -c '000$')" = 50 ] &&
	pass "pcapng µs timestamps" || fail "pcapng µs timestamps have sub-µs digits"

# Protocol mix, handshakes, malformed, checksums.
protos=$(tshark -n -r "$T/a.pcap" -T fields -e frame.protocols 2>/dev/null | tr ':' '\n' | sort -u | tr '\n' ' ')
for p in eth vlan ieee8021ad ip ipv6 tcp udp tls quic dns http icmp icmpv6 arp ntp x509ce; do
	case " $protos " in *" $p "*) pass "protocol $p present" ;; *) fail "protocol $p missing (have: $protos)" ;; esac
done
# One pass for the per-message fields: "name value" lines.
tshark -n -r "$T/a.pcap" -T fields -E occurrence=a -E aggregator=' ' \
	-e tls.handshake.type -e quic.long.packet_type -e quic.header_form 2>/dev/null |
	awk -F'\t' '{ n = split($1, a, " "); for (i = 1; i <= n; i++) print "hs", a[i];
		n = split($2, a, " "); for (i = 1; i <= n; i++) print "quic_long", a[i];
		n = split($3, a, " "); for (i = 1; i <= n; i++) print "quic_form", a[i] }' | sort -u >"$T/fields"
has() { grep -qx "$1" "$T/fields" && pass "$2" || fail "missing: $2"; }
for t in 1 2 11 12 14 16; do has "hs $t" "TLS handshake type $t parses"; done
has "quic_long 0" "QUIC Initial present"
has "quic_long 2" "QUIC Handshake present"
has "quic_form 0" "QUIC short headers present"
[ "$(count "$T/a.pcap" "tls.handshake.extensions_server_name")" -gt 0 ] && pass "ClientHello SNI parses" || fail "no SNI"
[ "$(count "$T/a.pcap" "tcp.len > 1500")" -gt 0 ] && pass "GRO super segments present" || fail "no GRO segment"
[ "$(count "$T/a.pcap" "tcp.analysis.retransmission || tcp.analysis.out_of_order")" -gt 0 ] &&
	pass "some reordering and retransmission" || fail "no reordering/retransmission"
# Reordered segments need out-of-order reassembly, as in any real capture;
# without it tshark parses a late segment as a record start.
malformed=$(tshark -n -r "$T/a.pcap" -o tcp.reassemble_out_of_order:TRUE \
	-Y '_ws.malformed || _ws.expert.severity == error' 2>/dev/null | wc -l)
expect_eq "no malformed packets, no expert errors" "$malformed" 0
bad=$(tshark -n -r "$T/a.pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
	-o icmp.check_checksum:TRUE -Y 'ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0 || icmpv6.checksum.status == 0' 2>/dev/null | wc -l)
expect_eq "every checksum is good" "$bad" 0

# --short-flows: Python reference == C helper; N distinct flows of 4 packets.
gen "$T/sf_py.pcap" --short-flows 300 --seed 4 --python
expect_eq "short flows: 4 packets each" "$(count "$T/sf_py.pcap" "")" 1200
expect_eq "short flows: distinct 4-tuples" \
	"$(tshark -n -r "$T/sf_py.pcap" -T fields -e ip.src -e tcp.srcport -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 2>/dev/null | sort -u | wc -l)" 300
expect_eq "short flows: ClientHello per flow" "$(count "$T/sf_py.pcap" "tls.handshake.type == 1")" 300
expect_eq "short flows: no malformed" "$(count "$T/sf_py.pcap" "_ws.malformed")" 0
if [ -x "$GENFLOWS" ]; then
	for fmt in "pcap" "pcapng --nsec"; do
		"$GENFLOWS" "$T/sf_c" --flows 300 --seed 4 --format $fmt 2>/dev/null
		gen "$T/sf_p" --short-flows 300 --seed 4 --format $fmt --python
		same_bytes "genflows == gencap.py --short-flows ($fmt)" "$T/sf_c" "$T/sf_p"
	done
	GENCAP_GENFLOWS="$GENFLOWS" python3 "$GEN" "$T/sf_d.pcap" --short-flows 300 --seed 4 2>/dev/null
	same_bytes "gencap.py delegates --short-flows to genflows" "$T/sf_d.pcap" "$T/sf_py.pcap"
else
	fail "genflows not built at $GENFLOWS"
fi
finish
