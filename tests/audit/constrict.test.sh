#!/bin/bash
# `constrictor constrict` judged by `constrictor audit` on the upstream
# fixtures, for every policy: final_only, stream and track must lose no
# needed byte and keep every invariant; bulk must keep every invariant (it
# may legitimately cut record headers, docs/audit.md) and its losses are
# printed for the record.
source "$CST_SRC/tests/lib.sh"
need_fixtures
json_field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

for pol in final_only stream bulk track; do
	for f in single/tls_test_1.pcap single/quic_test_1.pcap single/tls_quic_test_1.pcapng \
		single/truncated_tail_test_1.pcap tls_test_2/input.pcap quic_test_2/input.pcap; do
		name="$pol $f"
		out="$T/out.${f##*.}"
		"$CST_BIN" constrict --policy "$pol" "$FIX/$f" -o "$out" >/dev/null 2>&1
		crc=$?
		want_crc=0
		case $f in *truncated_tail*) want_crc=1 ;; esac
		expect_eq "$name: constrict exit" "$crc" "$want_crc"
		"$CST_BIN" audit "$FIX/$f" "$out" --json >"$T/a.json" 2>/dev/null
		rc=$?
		if [ "$rc" -gt 1 ]; then fail "$name: audit exit $rc"; continue; fi
		expect_eq "$name: invariants" "$(json_field "$T/a.json" 'd["invariant_violations"]')" 0
		summary=$(json_field "$T/a.json" '"saved %.1f %%, oracle %.1f %%, lost packets %d %s" % (d["saved_pct"], d["oracle_saved_pct"], d["loss_packets"], d["first_losses"][:1])')
		echo "   $name: $summary"
		if [ "$pol" != bulk ]; then
			expect_eq "$name: no needed byte lost" "$rc" 0
		fi
	done
done
finish
