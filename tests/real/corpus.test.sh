#!/bin/bash
# The real-traffic corpus (tests/real/corpus, made by make-corpus.sh):
# 1. audit of every capture against itself: exit 0, 0 % saved, and the
#    audit's own view of each case (TLS proven, TLS 1.3 seen, QUIC server
#    found, capture holes, nothing provable in the non-TLS case);
# 2. every policy on every capture, judged by
#    audit (expectations in docs/audit.md): no invariant ever broken;
#    final_only, stream and track lose no needed byte; nothing is cut in the
#    non-TLS case; bulk may lose record headers after capture loss or
#    retransmissions (its losses are printed).  `track` keeps the TLS 1.3
#    encrypted handshake whole (the audit's wanted class: nothing of it lost);
#    `track` with keep_encrypted_handshake = false is judged with
#    --no-encrypted-handshake.  QUIC cases are judged with --quic-short-keep 32,
#    the policies' offline short_header_keep_packet_bytes.  A table of
#    saved/oracle/efficiency per policy is printed, and the issue-12 target is
#    asserted (track efficiency >= 97 % where the oracle saves >= 5 %;
#    CST_TRACK_STRICT=0 only prints it), except on the midstream-* captures
#    (connections open before the capture: issue 21's targets, per
#    connection, are asserted by tests/real/midstream.test.sh).
#    The synthetic generator's traffic (tools/gencap.py, 4 MiB) is checked too.
source "$CST_SRC/tests/lib.sh"
C="$CST_SRC/tests/real/corpus"
[ -d "$C" ] || skip "no corpus at $C (run tests/real/make-corpus.sh)"

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
	midstream-*)
		expect_eq "$n: three connections open before the capture, all proven TLS by record chain" \
			"$(json "$T/$n.id.json" "($r['tcp_connections'], $r['tls_proven_by_chain'], $r['tls_proven_by_hello'])")" "(3, 3, 0)"
		expect_eq "$n: retransmissions" "$(json "$T/$n.id.json" "$r['tcp_retransmitted_bytes'] > 0")" True ;;
	non-tls-*)
		expect_eq "$n: nothing proven TLS or QUIC, everything needed" \
			"$(json "$T/$n.id.json" "($r['tls_connections'], $r['quic_server_endpoints'], d['oracle_saved_pct'])")" "(0, 0, 0.0)" ;;
	esac
	case $n in
	openssl-keyupdate-tls13 | openssl-resumption | https-*)
		expect_eq "$n: TLS 1.3 selected, encrypted handshake wanted" \
			"$(json "$T/$n.id.json" "$r['tls13_connections'] > 0 and d['classes']['tls13_encrypted_handshake']['needed'] > 0")" True ;;
	openssl-renegotiation-tls12)
		expect_eq "$n: no TLS 1.3" "$(json "$T/$n.id.json" "$r['tls13_connections']")" 0 ;;
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
python3 "$CST_SRC/tools/gencap.py" "$T/generator.pcap" --size 4M --seed 7 >/dev/null 2>"$T/gencap.err"
expect_eq "generator: gencap.py exit" "$?" 0
"$CST_BIN" audit "$T/generator.pcap" "$T/generator.pcap" >/dev/null
expect_eq "generator: audit X X exit" "$?" 0
FILES+=("$T/generator.pcap")

# ---- 2. constrict with every policy, judged by audit
printf '[tls]\nkeep_encrypted_handshake = false\n' >"$T/noenc.ini"
printf '%-34s %-12s %8s %8s %8s %s\n' case policy saved oracle effic. "lost packets / enc. handshake lost"
for pol in final_only stream bulk track track-noenc; do
	cfg=() aud=()
	[ "$pol" = track-noenc ] && cfg=(--config "$T/noenc.ini") aud=(--no-encrypted-handshake)
	for f in "${FILES[@]}"; do
		n=$(basename "$f" .pcap)
		q=()
		case $n in quic-*) q=(--quic-short-keep 32) ;; esac
		"$CST_BIN" constrict --policy "${pol%-noenc}" "${cfg[@]}" "$f" -o "$T/out.pcap" >/dev/null 2>"$T/c.err"
		expect_eq "$n $pol: constrict exit" "$?" 0
		"$CST_BIN" audit "$f" "$T/out.pcap" --json "${aud[@]}" "${q[@]}" >"$T/a.json" 2>/dev/null
		rc=$?
		[ "$rc" -le 1 ] || { fail "$n $pol: audit exit $rc"; continue; }
		# one python per run: print the table row, check, print FAIL lines, exit = failures
		python3 - "$T/a.json" "$n" "$pol" "$rc" "${CST_TRACK_STRICT:-1}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n, pol, rc, strict = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
e, enc = d["efficiency_pct"], d["encrypted_handshake"]["lost"]
print("%-34s %-12s %7.1f%% %7.1f%% %8s %d %s / %d" % (n, pol, d["saved_pct"], d["oracle_saved_pct"],
      "-" if e is None else "%.1f%%" % e, d["loss_packets"], d["first_losses"][:1], enc))
bad = []
if d["invariant_violations"]:
    bad.append("invariants broken: %s" % d["first_invariant_violations"][:3])
if pol != "bulk" and rc != 0:
    bad.append("lost needed bytes: %s" % d["first_losses"][:3])
if n.startswith("non-tls-") and d["caplen_constricted"] != d["caplen_original"]:
    bad.append("bytes cut in a non-TLS case")
if pol.startswith("track") and enc:
    bad.append("lost %d bytes of the TLS 1.3 encrypted handshake" % enc)
# mid-stream captures: their targets (issue 21) are per connection, in tests/real/midstream.test.sh
if pol.startswith("track") and strict and d["oracle_saved_pct"] >= 5 and d["efficiency_pct"] < 97 \
        and not n.startswith("midstream-"):
    bad.append("efficiency %.2f %% < 97 %% of the oracle" % d["efficiency_pct"])
for b in bad:
    print("FAIL: %s %s: %s" % (n, pol, b))
sys.exit(len(bad))
PY
		FAILS=$((FAILS + $?)); counted 1
	done
done
finish
