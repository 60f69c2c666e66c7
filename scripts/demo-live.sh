#!/usr/bin/env bash
# Live part of `make demo`: record a real TLS session between two private
# network namespaces and show how much constrictor saved.
#
#   scripts/demo-live.sh BUILD_DIR
#
# Namespace A runs `openssl s_server -WWW` with an 8 MB file; namespace B
# fetches it with curl (TLS 1.3) while `constrictor capture` records B's
# side of the veth pair.  Everything is removed on exit.  Needs root.
set -u
BUILD=${1:-build}
BIN="$BUILD/constrictor"
mkdir -p "$BUILD/demo" && OUT=$(cd "$BUILD/demo" && pwd) || exit 1
ID="cstdemo$$"
NS_A="${ID}a" NS_B="${ID}b" IF_A="${ID}x" IF_B="${ID}y"
PIDS=""

say() { echo "   $*"; }
[ "$(id -u)" = 0 ] || { say "skipped: live capture needs root (network namespaces, AF_PACKET)"; exit 0; }
for t in ip openssl curl; do
	command -v "$t" >/dev/null || { say "skipped: $t is not installed"; exit 0; }
done
[ -x "$BIN" ] || { say "$BIN not found"; exit 1; }
mkdir -p "$OUT/live-www" || exit 1

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap cleanup EXIT

ip netns add "$NS_A" && ip netns add "$NS_B" || { say "cannot create network namespaces"; exit 1; }
ip link add "$IF_A" type veth peer name "$IF_B" || exit 1
ip link set "$IF_A" netns "$NS_A"
ip link set "$IF_B" netns "$NS_B"
ip -n "$NS_A" addr add 10.78.0.1/24 dev "$IF_A"
ip -n "$NS_B" addr add 10.78.0.2/24 dev "$IF_B"
ip -n "$NS_A" link set "$IF_A" up
ip -n "$NS_B" link set "$IF_B" up

head -c 8000000 /dev/urandom >"$OUT/live-www/file.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=demo.constrictor \
	-days 1 -keyout "$OUT/live-key.pem" -out "$OUT/live-cert.pem" 2>/dev/null || exit 1
(cd "$OUT/live-www" && exec ip netns exec "$NS_A" openssl s_server -quiet -WWW -accept 443 \
	-cert "$OUT/live-cert.pem" -key "$OUT/live-key.pem" >/dev/null 2>&1) &
PIDS="$PIDS $!"
for _ in $(seq 50); do ip netns exec "$NS_A" ss -ltn | grep -q ':443 ' && break; sleep 0.1; done

say "recording: constrictor capture -i $IF_B -w $OUT/live.pcap tcp port 443"
ip netns exec "$NS_B" "$BIN" capture -i "$IF_B" -w "$OUT/live.pcap" --duration 60 tcp port 443 \
	2>"$OUT/live.log" &
CAP=$!
PIDS="$PIDS $CAP"
for _ in $(seq 100); do grep -qs "listening on" "$OUT/live.log" && break; sleep 0.1; done
say "fetching 8 MB over TLS 1.3: curl https://10.78.0.1/file.bin"
ip netns exec "$NS_B" curl -sk --tlsv1.3 -o /dev/null "https://10.78.0.1/file.bin" || say "curl failed"
sleep 0.3
kill -INT "$CAP"
wait "$CAP"
rc=$?
sed 's/^/   | /' "$OUT/live.log"
[ "$rc" = 0 ] || { say "capture failed (exit $rc)"; exit 1; }

read -r cap_bytes wr_bytes < <(sed -n 's/^\([0-9]*\) bytes captured, \([0-9]*\) bytes written.*/\1 \2/p' "$OUT/live.log")
file_bytes=$(stat -c %s "$OUT/live.pcap")
awk -v c="$cap_bytes" -v w="$wr_bytes" -v f="$file_bytes" 'BEGIN {
	printf("   saved: %d of %d captured bytes (%.1f%%); the file is %d bytes\n", c - w, c, c ? 100 * (c - w) / c : 0, f) }'
if command -v tshark >/dev/null; then
	hs=$(tshark -n -r "$OUT/live.pcap" -Y 'tls.handshake' 2>/dev/null | wc -l)
	cut=$(tshark -n -r "$OUT/live.pcap" -Y 'frame.cap_len < frame.len' 2>/dev/null | wc -l)
	all=$(tshark -n -r "$OUT/live.pcap" 2>/dev/null | wc -l)
	say "tshark: $all packets, $hs with TLS handshake messages, $cut cut (caplen < wire length)"
fi
say "file: $OUT/live.pcap"
