#!/usr/bin/env bash
# make demo: constrictor on a capture it generates itself.
#
#   scripts/demo.sh BUILD_DIR
#
# 1. tools/gencap.py writes a deterministic ~32 MiB capture of mixed traffic
#    (TLS 1.2/1.3, QUIC, DNS, HTTP, IPv4/IPv6, VLAN) into BUILD_DIR/demo/;
# 2. `constrictor constrict` runs once per TLS policy (final_only, stream, bulk,
#    and track when this build accepts it) and a table shows what each saved;
# 3. one output is reinflated and shown to have the input's packet count and
#    original lengths again;
# 4. the live part (a real TLS session recorded in a network namespace, needs
#    root) runs from scripts/demo-live.sh when that script exists.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$BUILD/constrictor"
DEMO="$BUILD/demo"
SIZE=${DEMO_SIZE:-32M}
SEED=${DEMO_SEED:-1}

die() { echo "demo: $*" >&2; exit 1; }
[ -x "$BIN" ] || die "$BIN not found; build first (make build)"
command -v python3 >/dev/null || die "python3 is needed for the capture generator"
mkdir -p "$DEMO" || die "cannot create $DEMO"

stat_of() { sed -n "s/^$2: //p" "$1"; }
now_ns() { date +%s%N; }
human() { # bytes -> "12.3 MiB"
	awk -v b="$1" 'BEGIN { split("B KiB MiB GiB", u); i = 1; while (b >= 1024 && i < 4) { b /= 1024; i++ }
		printf(i == 1 ? "%d %s" : "%.1f %s", b, u[i]) }'
}

echo "== 1. Generating a $SIZE capture (tools/gencap.py --seed $SEED)"
IN="$DEMO/input.pcap"
t0=$(now_ns)
python3 "$ROOT/tools/gencap.py" "$IN" --size "$SIZE" --seed "$SEED" 2>"$DEMO/gencap.log" ||
	die "generator failed: $(cat "$DEMO/gencap.log")"
in_bytes=$(stat -c %s "$IN")
printf '   %s: %s, %s packets, generated in %.1f s\n\n' "$IN" "$(human "$in_bytes")" \
	"$(sed -n 's/.*wrote \([0-9]*\) packets.*/\1/p' "$DEMO/gencap.log")" \
	"$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { print (b - a) / 1e9 }')"

POLICIES="final_only stream bulk"
if "$BIN" constrict "$IN" -o "$DEMO/probe.pcap" --policy track >/dev/null 2>&1; then
	POLICIES="$POLICIES track"
fi
rm -f "$DEMO/probe.pcap"

echo "== 2. constrictor constrict, one run per TLS policy"
row() { printf '   %-11s %12s %12s %8s %9s %10s %10s %8s\n' "$@"; }
row policy "input" "output" "saved" packets "TLS cut" "QUIC cut" "time"
row ----------- ------------ ------------ -------- --------- ---------- ---------- --------
for p in $POLICIES; do
	out="$DEMO/constricted_$p.pcap"
	t0=$(now_ns)
	"$BIN" constrict "$IN" -o "$out" --policy "$p" --stats >"$DEMO/stats_$p.txt" 2>"$DEMO/stderr_$p.txt" ||
		die "constrict --policy $p failed: $(cat "$DEMO/stderr_$p.txt")"
	t1=$(now_ns)
	s="$DEMO/stats_$p.txt"
	out_bytes=$(stat -c %s "$out")
	row "$p" "$(human "$in_bytes")" "$(human "$out_bytes")" \
		"$(awk -v i="$in_bytes" -v o="$out_bytes" 'BEGIN { printf("%.1f %%", 100 * (1 - o / i)) }')" \
		"$(stat_of "$s" "total packets")" "$(stat_of "$s" "TLS packets truncated")" \
		"$(stat_of "$s" "QUIC packets truncated")" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf("%.2f s", (b - a) / 1e9) }')"
done
echo "   (TLS/QUIC cut = packets whose encrypted payload was cut; every packet is still in the output"
echo "    with its headers, timestamp and original length; full stats in $DEMO/stats_<policy>.txt)"
echo

REF=bulk
echo "== 3. Reinflate the '$REF' output and compare it with the input"
RE="$DEMO/reinflated_$REF.pcap"
"$BIN" reinflate "$DEMO/constricted_$REF.pcap" -o "$RE" --stats >"$DEMO/stats_reinflate.txt" 2>/dev/null ||
	die "reinflate failed"
printf '   packets reinflated: %s, filler bytes written: %s\n' \
	"$(stat_of "$DEMO/stats_reinflate.txt" "packets reinflated")" \
	"$(stat_of "$DEMO/stats_reinflate.txt" "filler bytes written")"
if command -v tshark >/dev/null; then
	lens() { tshark -n -r "$1" -T fields -e frame.len -e frame.cap_len 2>/dev/null; }
	lens "$IN" >"$DEMO/lengths_input.txt"
	lens "$RE" >"$DEMO/lengths_reinflated.txt"
	lens "$DEMO/constricted_$REF.pcap" >"$DEMO/lengths_constricted.txt"
	count() { wc -l <"$1" | tr -d ' '; }
	cut_pkts=$(awk '$1 != $2' "$DEMO/lengths_constricted.txt" | wc -l | tr -d ' ')
	printf '   %-22s %10s packets, %6s of them captured shorter than on the wire\n' \
		"constricted ($REF):" "$(count "$DEMO/lengths_constricted.txt")" "$cut_pkts"
	printf '   %-22s %10s packets\n' "input:" "$(count "$DEMO/lengths_input.txt")"
	printf '   %-22s %10s packets\n' "reinflated:" "$(count "$DEMO/lengths_reinflated.txt")"
	if cmp -s "$DEMO/lengths_input.txt" "$DEMO/lengths_reinflated.txt"; then
		echo "   tshark: every packet of the reinflated file has the input's original and captured length: OK"
	else
		die "reinflated lengths differ from the input (see $DEMO/lengths_*.txt)"
	fi
else
	echo "   (tshark not installed: packet/length comparison skipped)"
fi
echo

# --- live demo hook -----------------------------------------------------------
# The live part (capture a real TLS session in a network namespace; root) is
# provided by scripts/demo-live.sh.  It receives the build directory.
if [ -x "$ROOT/scripts/demo-live.sh" ]; then
	echo "== 4. Live capture"
	"$ROOT/scripts/demo-live.sh" "$BUILD" || echo "   (live demo did not complete; see above)"
else
	echo "== 4. Live capture: not part of this build yet (scripts/demo-live.sh)"
fi
echo "demo files: $DEMO"
