#!/usr/bin/env bash
# `track` policy against the audit (issue 12): on the generator's traffic, clean
# and with 1 % / 3 % capture loss and reordering (tests/policy/pcap_disorder.py),
# `track` loses no needed byte (audit exit 0) and reaches >= 97 % of the oracle's
# savings; the output is read by tshark; the decision log has track and QUIC
# rows; `bulk` loses record headers on the same traffic.
source "$CST_SRC/tests/lib.sh"
need_tool python3
GEN="$CST_SRC/tools/gencap.py"
DIS="$CST_SRC/tests/policy/pcap_disorder.py"
[ -f "$GEN" ] || skip "tools/gencap.py not present"

python3 "$GEN" "$T/gen.pcap" --size 6M --seed 11 >/dev/null 2>&1 || fail "gencap"
python3 "$DIS" "$T/gen.pcap" "$T/dis1.pcap" --drop 0.01 --swap 0.01 --seed 3 || fail "disorder 1"
python3 "$DIS" "$T/gen.pcap" "$T/dis3.pcap" --drop 0.03 --swap 0.03 --seed 4 || fail "disorder 3"

# efficiency NAME ORIG OUT MIN: audit passes and efficiency >= MIN
efficiency() {
	local json eff
	if json=$("$CST_BIN" audit "$2" "$3" --json); then pass "$1: no needed byte lost"; else
		fail "$1: audit failed: $(printf '%s' "$json" | head -c 400)"; return; fi
	eff=$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["efficiency_pct"])')
	if python3 -c "import sys; sys.exit(0 if $eff >= $4 else 1)"; then pass "$1: efficiency $eff % >= $4 %"
	else fail "$1: efficiency $eff % < $4 %"; fi
}

for f in gen dis1 dis3; do
	"$CST_BIN" constrict "$T/$f.pcap" -o "$T/$f.track.pcap" --policy track \
		--decision-log "$T/$f.csv" >/dev/null 2>&1 || fail "constrict $f"
	efficiency "track on $f" "$T/$f.pcap" "$T/$f.track.pcap" 97
done
if command -v tshark >/dev/null 2>&1; then tshark_reads "$T/gen.track.pcap"; fi

rows=$(($(wc -l <"$T/gen.csv") - 1))
tcp_udp=$(grep -c -E ',"(tcp|udp)",' "$T/gen.csv")
[ "$rows" -gt 1000 ] && pass "decision log has $rows rows" || fail "decision log rows: $rows"
grep -q '"truncate.tls_track"' "$T/gen.csv" && pass "track truncations logged" || fail "no truncate.tls_track row"
grep -q '"track_records"' "$T/gen.csv" && pass "track events logged" || fail "no track event"
grep -q '"truncate.quic_short_header"' "$T/gen.csv" && pass "QUIC rows logged" || fail "no QUIC row"
[ "$tcp_udp" -gt 0 ] || fail "no TCP/UDP rows"

# bulk loses record headers on the same traffic (why track exists), stream keeps them
"$CST_BIN" constrict "$T/gen.pcap" -o "$T/gen.bulk.pcap" --policy bulk >/dev/null 2>&1
if "$CST_BIN" audit "$T/gen.pcap" "$T/gen.bulk.pcap" >/dev/null; then fail "bulk unexpectedly lost nothing"
else pass "bulk loses needed bytes (audit exit 1)"; fi

finish
