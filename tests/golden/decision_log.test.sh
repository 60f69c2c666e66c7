# The decision log (SPEC 2.11, issue 20 item 5):
#  - under the compatible policies (final_only, stream, bulk) it is the
#    existing tool's log: compared byte for byte with tests/golden/dlog/
#    (made by constrictor, checked against SPEC 2.11's row rules and the
#    decision-log reasons of tests/golden/TESTLIST), and checked here against
#    an independent reader: rows exactly for the TCP packets with a payload
#    (tshark's tcp.len > 0) plus malformed / already-truncated packets, none
#    for UDP/QUIC;
#  - under track, and with --decision-log-all (or general.decision_log_all)
#    under any policy, every packet has one row, indexed 1..N in order;
#  - with a filter expression, rows are for the packets written.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool tshark
G="$CST_SRC/tests/golden/dlog"
CASES="tls_test_1:single/tls_test_1.pcap tls_test_2:tls_test_2/input.pcap
quic_test_2:quic_test_2/input.pcap pcapng_test_1:single/tls_quic_test_1.pcapng
quic_test_1:single/quic_test_1.pcap"

# rows_index CSV: the packet_index column, one per line
rows_index() { tail -n +2 "$1" | cut -d, -f1; }

for c in $CASES; do
	name=${c%%:*} in="$FIX/${c#*:}"
	npk=$(tshark -n -r "$in" 2>/dev/null | wc -l)
	# the independent row set: TCP with payload, plus the rows SPEC 2.11 names
	want=$(tshark -n -r "$in" -Y 'tcp.len > 0' -T fields -e frame.number 2>/dev/null)
	for pol in final_only stream bulk; do
		log="$T/$name.$pol.csv"
		"$CST_BIN" constrict "$in" -o "$T/out" --policy "$pol" --decision-log "$log" >/dev/null 2>&1
		same_bytes "$name $pol: golden log" "$log" "$G/$name.$pol.csv"
		extra=$(tail -n +2 "$log" | grep -E '"keep\.(decode_malformed|already_truncated|unsupported_link_type)"' | cut -d, -f1)
		got=$(rows_index "$log" | sort -n)
		expect_eq "$name $pol: rows = TCP payload packets (tshark) + malformed" \
			"$got" "$(printf '%s\n%s\n' "$want" "$extra" | grep . | sort -n | uniq)"
		expect_eq "$name $pol: no UDP row" "$(grep -c '"udp"' "$log")" 0
		"$CST_BIN" constrict "$in" -o "$T/out" --policy "$pol" --decision-log "$log" \
			--decision-log-all >/dev/null 2>&1
		expect_eq "$name $pol --decision-log-all: one row per packet" \
			"$(rows_index "$log" | tr '\n' ' ')" "$(seq -s ' ' 1 "$npk") "
		# the rows of the compatible log are the same rows in the full one
		expect_eq "$name $pol --decision-log-all: keeps the compatible rows" \
			"$(grep -F -x -f "$G/$name.$pol.csv" "$log" | wc -l)" "$(wc -l <"$G/$name.$pol.csv")"
	done
	"$CST_BIN" constrict "$in" -o "$T/out" --policy track --decision-log "$T/track.csv" >/dev/null 2>&1
	expect_eq "$name track: one row per packet" "$(rows_index "$T/track.csv" | tr '\n' ' ')" \
		"$(seq -s ' ' 1 "$npk") "
done

# QUIC rows under --decision-log-all carry the UDP fields
in="$FIX/quic_test_2/input.pcap"
"$CST_BIN" constrict "$in" -o "$T/out" --decision-log "$T/q.csv" --decision-log-all
expect_eq "quic_test_2 all: row 1" "$(sed -n 2p "$T/q.csv" | cut -d, -f1-6,14,15)" \
	'1,"192.168.0.102",62697,"172.217.19.238",443,"udp","keep","keep.quic_uncertain"'
expect_eq "quic_test_2 all: UDP rows (tshark udp)" "$(grep -c '"udp"' "$T/q.csv")" \
	"$(tshark -n -r "$in" -Y udp 2>/dev/null | wc -l)"

# the config key does the same as the option
printf '[general]\ndecision_log_all = true\n' >"$T/all.ini"
"$CST_BIN" constrict "$in" -o "$T/out" --config "$T/all.ini" --decision-log "$T/k.csv"
same_bytes "general.decision_log_all = --decision-log-all" "$T/k.csv" "$T/q.csv"
printf '[general]\ndecision_log_all = maybe\n' >"$T/bad.ini"
err=$("$CST_BIN" constrict "$in" -o "$T/out" --config "$T/bad.ini" 2>&1); rc=$?
expect_eq "bad decision_log_all: exit" "$rc" 1
expect_eq "bad decision_log_all: message" "$err" \
	"error: config line 2: invalid value for general.decision_log_all; expected true or false"
err=$("$CST_BIN" reinflate "$in" -o "$T/out" --decision-log-all 2>&1); rc=$?
expect_eq "reinflate --decision-log-all: refused" "$rc:$err" \
	"1:error: --decision-log-all is supported only with constrict mode"

# a filter: rows for the packets written, indexed as in the output
in="$FIX/single/tls_quic_test_1.pcapng"
"$CST_BIN" constrict "$in" -o "$T/f.pcapng" --decision-log "$T/f.csv" --decision-log-all 'tcp'
expect_eq "filter: one row per written packet" "$(rows_index "$T/f.csv" | wc -l)" \
	"$(tshark -n -r "$T/f.pcapng" 2>/dev/null | wc -l)"
finish
