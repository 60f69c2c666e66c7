# issue 20 item 4: constrict, reinflate and capture -r with a trailing tcpdump
# filter expression and -c N.  Counts are checked against tcpdump -r and
# tshark -Y; the filter selects before the engine (DESIGN invariant 1), so
# `constrict IN FILTER` decides every packet as `constrict (tcpdump -r IN -w - FILTER)`.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool tshark
need_tool tcpdump

# lens FILE: "caplen len" of every packet, as tshark reads them
lens() { tshark -n -r "$1" -T fields -e frame.cap_len -e frame.len 2>/dev/null; }
count() { tshark -n -r "$1" 2>/dev/null | wc -l; }

PNG="$FIX/single/tls_quic_test_1.pcapng"
TLS="$FIX/tls_test_2/input.pcap"
QUIC="$FIX/quic_test_2/input.pcap"
# filter | tshark display filter of the same packets
while IFS='|' read -r in flt dfl; do
	[ -n "$in" ] || continue
	want=$(tcpdump -n -r "$in" $flt 2>/dev/null | wc -l)
	expect_eq "$in [$flt]: tshark agrees with tcpdump" \
		"$(tshark -n -r "$in" -Y "$dfl" 2>/dev/null | wc -l)" "$want"
	"$CST_BIN" constrict "$in" -o "$T/c.out" $flt
	expect_eq "constrict $(basename "$in") [$flt]: packets" "$(count "$T/c.out")" "$want"
	"$CST_BIN" reinflate "$in" -o "$T/r.out" $flt
	expect_eq "reinflate $(basename "$in") [$flt]: packets" "$(count "$T/r.out")" "$want"
	"$CST_BIN" capture -r "$in" -w "$T/cap.out" $flt 2>/dev/null
	expect_eq "capture -r $(basename "$in") [$flt]: packets" "$(count "$T/cap.out")" "$want"
	# filtered-out packets never reach the engine: same decisions as on a pre-filtered file
	tcpdump -n -r "$in" -w "$T/pre.pcap" $flt 2>/dev/null
	"$CST_BIN" constrict "$T/pre.pcap" -o "$T/pre.out"
	expect_eq "constrict $(basename "$in") [$flt]: = constrict of tcpdump's selection" \
		"$(lens "$T/c.out")" "$(lens "$T/pre.out")"
done <<LIST
$PNG|tcp|tcp && !vlan
$PNG|udp port 443|udp.port == 443 && !vlan
$PNG|vlan and udp|vlan && udp
$PNG|tcp[tcpflags] & tcp-syn != 0|tcp.flags.syn == 1 && !vlan
$TLS|src host 192.168.0.102|ip.src == 192.168.0.102 && !vlan
$TLS|vlan|vlan
$QUIC|greater 1000|frame.len >= 1000
LIST

# -c N: stop after N packets written (as tcpdump -c), with and without a filter
"$CST_BIN" constrict "$PNG" -o "$T/c5.pcapng" -c 5
expect_eq "constrict -c 5" "$(count "$T/c5.pcapng")" 5
expect_eq "constrict -c 5: the first five" "$(lens "$T/c5.pcapng")" \
	"$("$CST_BIN" constrict "$PNG" -o "$T/all.pcapng" && lens "$T/all.pcapng" | head -5)"
"$CST_BIN" constrict "$PNG" -o "$T/c3.pcapng" -c 3 'udp port 443'
expect_eq "constrict -c 3 udp port 443" \
	"$(tshark -n -r "$T/c3.pcapng" -T fields -e frame.len 2>/dev/null | tr '\n' ' ')" \
	"$(tcpdump -n -r "$PNG" -c 3 -w - 'udp port 443' 2>/dev/null | tshark -n -r - -T fields -e frame.len 2>/dev/null | tr '\n' ' ')"
"$CST_BIN" reinflate "$FIX/quic_test_2/constricted.pcap" -o "$T/r7.pcap" -c 7 --stats >"$T/r7.txt"
expect_eq "reinflate -c 7" "$(count "$T/r7.pcap")" 7
expect_eq "reinflate -c 7: stats" "$(grep '^total packets:' "$T/r7.txt")" "total packets: 7"
"$CST_BIN" capture -r "$PNG" -w "$T/cr.pcap" -c 4 tcp 2>/dev/null
expect_eq "capture -r -c 4 tcp" "$(count "$T/cr.pcap")" 4
# capture -r reads PCAPNG (issue 20: verified) and writes what it read
"$CST_BIN" capture -r "$PNG" -w "$T/all.pcap" 2>/dev/null
expect_eq "capture -r pcapng: every packet" "$(count "$T/all.pcap")" "$(count "$PNG")"
# -c larger than the input: the whole input, exit 0
"$CST_BIN" constrict "$TLS" -o "$T/big.pcap" -c 1000; rc=$?
expect_eq "-c beyond the end: exit" "$rc" 0
expect_eq "-c beyond the end: packets" "$(count "$T/big.pcap")" "$(count "$TLS")"
finish
