#!/bin/bash
# The real-traffic corpus (tests/real/corpus, made by make-corpus.sh):
# 1. audit of every capture against itself: exit 0, 0 % saved, and the
#    audit's own view of each case (TLS proven, QUIC server found, capture
#    holes, nothing provable in the non-TLS case);
# 2. when constrict is in the build, every policy on every capture, judged by
#    audit (expectations in docs/audit.md): no invariant ever broken;
#    final_only, stream and track lose no needed byte; nothing is cut in the
#    non-TLS case; bulk may lose record headers after capture loss or
#    retransmissions (its losses are printed).  A table of saved/oracle/
#    efficiency per policy is printed; CST_TRACK_STRICT=1 also asserts the
#    issue-12 target (track efficiency >= 97 % where the oracle saves >= 5 %).
#    The synthetic generator's traffic (tools/gencap.py, 4 MiB) is checked too.
source "$CST_SRC/tests/lib.sh"
C="$CST_SRC/tests/real/corpus"
[ -d "$C" ] || skip "no corpus at $C (run tests/real/make-corpus.sh)"
"$CST_BIN" audit --help >/dev/null 2>&1 || skip "the audit command is not in this build"

json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# ---- 1. identity and the audit's view of each case
for f in "$C"/*.pcap; do
	n=$(basename "$f" .pcap)
	"$CST_BIN" audit "$f" "$f" --json >"$T/$n.id.json"
	expect_eq "$n: audit X X exit" "$?" 0
	expect_eq "$n: audit X X saves nothing" "$(json "$T/$n.id.json" 'd["saved_pct"]')" 0.0
	r="d[\"reassembly\"]"
	case $n in
	https-* | openssl-*)
		expect_eq "$n: every TCP connection proven TLS by its hello" \
			"$(json "$T/$n.id.json" "$r['tls_proven_by_hello'] == $r['tcp_connections'] > 0")" True ;;
	quic-*)
		expect_eq "$n: one QUIC server, short-header packets seen" \
			"$(json "$T/$n.id.json" "($r['quic_server_endpoints'], $r['quic_short_packets'] > 0)")" "(1, True)" ;;
	non-tls-*)
		expect_eq "$n: nothing proven TLS or QUIC, everything needed" \
			"$(json "$T/$n.id.json" "($r['tls_connections'], $r['quic_server_endpoints'], d['oracle_saved_pct'])")" "(0, 0, 0.0)" ;;
	esac
	case $n in
	*capture-loss*)
		expect_eq "$n: holes in the capture, some of them swallowing headers" \
			"$(json "$T/$n.id.json" "($r['tcp_missing_bytes'] > 0, $r['tls_resyncs'] > 0)")" "(True, True)" ;;
	*loss-reorder*)
		expect_eq "$n: retransmissions" "$(json "$T/$n.id.json" "$r['tcp_retransmitted_bytes'] > 0")" True ;;
	esac
done
if command -v tshark >/dev/null; then
	n=https-h2-vlan-capture-loss
	expect_eq "$n: every IP frame VLAN-tagged (tshark)" \
		"$(tshark -r "$C/$n.pcap" -Y 'ip && !vlan' 2>/dev/null | wc -l)" 0
fi

# The synthetic generator's traffic (tools/gencap.py) joins the policy checks.
FILES=("$C"/*.pcap)
if [ -f "$CST_SRC/tools/gencap.py" ] && python3 "$CST_SRC/tools/gencap.py" "$T/generator.pcap" \
	--size 4M --seed 7 >/dev/null 2>&1; then
	"$CST_BIN" audit "$T/generator.pcap" "$T/generator.pcap" >/dev/null
	expect_eq "generator: audit X X exit" "$?" 0
	FILES+=("$T/generator.pcap")
fi

# ---- 2. constrict with every policy, judged by audit
"$CST_BIN" constrict "$C/openssl-resumption.pcap" -o "$T/probe.pcap" >/dev/null 2>&1 || {
	echo "note: constrict is not in this build: policy checks skipped"
	finish
}
printf '%-34s %-10s %8s %8s %8s %s\n' case policy saved oracle effic. "lost packets"
for pol in final_only stream bulk track; do
	if ! "$CST_BIN" constrict --policy "$pol" "$C/openssl-resumption.pcap" -o "$T/probe.pcap" >/dev/null 2>&1; then
		echo "note: policy $pol is not in this build"
		continue
	fi
	for f in "${FILES[@]}"; do
		n=$(basename "$f" .pcap)
		"$CST_BIN" constrict --policy "$pol" "$f" -o "$T/out.pcap" >/dev/null 2>&1
		"$CST_BIN" audit "$f" "$T/out.pcap" --json >"$T/a.json" 2>/dev/null
		rc=$?
		[ "$rc" -le 1 ] || { fail "$n $pol: audit exit $rc"; continue; }
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["efficiency_pct"]
print("%-34s %-10s %7.1f%% %7.1f%% %8s %d %s" % (sys.argv[2], sys.argv[3], d["saved_pct"], d["oracle_saved_pct"], "-" if e is None else "%.1f%%" % e, d["loss_packets"], d["first_losses"][:1]))' "$T/a.json" "$n" "$pol"
		expect_eq "$n $pol: invariants hold" "$(json "$T/a.json" 'd["invariant_violations"]')" 0 >/dev/null
		if [ "$pol" != bulk ]; then
			[ "$rc" = 0 ] || fail "$n $pol: lost needed bytes: $(json "$T/a.json" 'd["first_losses"][:3]')"
		fi
		case $n in non-tls-*)
			expect_eq "$n $pol: nothing cut" "$(json "$T/a.json" 'd["caplen_constricted"] == d["caplen_original"]')" True >/dev/null ;;
		esac
		if [ "$pol" = track ] && [ "${CST_TRACK_STRICT:-0}" = 1 ]; then
			expect_eq "$n track: efficiency >= 97 % of the oracle" \
				"$(json "$T/a.json" 'd["oracle_saved_pct"] < 5 or d["efficiency_pct"] >= 97')" True
		fi
	done
done
finish
