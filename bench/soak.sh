#!/usr/bin/env bash
# Soak test (issue 17): a long live capture at the sender's full rate over a
# veth pair between two namespaces (sender pinned to CPU 0, recorder to CPU
# 1, as bench/live.sh), sampled every second:
#   - the recorder's RSS (VmRSS, and RssAnon: heap growth shows there; the
#     TPACKET_V3 ring is mapped kernel memory);
#   - the kernel counters (PACKET_STATISTICS packets and drops, cumulative).
#     A tpacket_v3 ring's drops are not visible from outside the process
#     (sock_diag's drop count stays 0), so the recorder writes PCAPNG rotated
#     every second (-G 1): each closed file ends with an Interface Statistics
#     Block holding isb_ifrecv/isb_ifdrop, which the sampler reads before
#     deleting the file (files live on tmpfs for a second or two);
#   - packets the capture interface received (rx_packets) and the
#     recorder's CPU.
# At the end it prints the totals and whether RSS is flat: final RSS against
# RSS after the warm-up (default 30 s), flat when it grew by at most
# max(1 MiB, 1 %).  Not part of CI (10 minutes, root, both cores).
#
# usage: bench/soak.sh BUILD_DIR [--seconds S (600)] [--warmup S (30)]
#                      [--frame-size N (512) | --mixed] [--backend B (tpacket_v3)]
#                      [--policy P] [--buffer KIB (-B; small values provoke drops)]
#                      [--out CSV]
# Writes one CSV row per second (default BUILD_DIR/bench-raw/soak/samples.csv).
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/soak.sh BUILD_DIR [options]}" && pwd)
shift
SOAK_SECONDS=600
WARMUP=30
WORKLOAD=512
BACKEND=tpacket_v3
POLICY=
BUFFER=
OUT=
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SOAK_SECONDS=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--frame-size) WORKLOAD=$2; shift 2 ;;
	--mixed) WORKLOAD=mixed; shift ;;
	--backend) BACKEND=$2; shift 2 ;;
	--policy) POLICY=$2; shift 2 ;;
	--buffer) BUFFER=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
done
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || die "soak.sh needs root (network namespaces, AF_PACKET)"
[ "$WARMUP" -lt "$SOAK_SECONDS" ] || die "--warmup must be shorter than --seconds"
BIN=$BUILD/constrictor
SENDER=$BUILD/bench/constrictor-live-sender
[ -x "$SENDER" ] || die "build first: $SENDER is missing"
RAW=$BUILD/bench-raw/soak
OUT=${OUT:-$RAW/samples.csv}
mkdir -p "$RAW" "$(dirname "$OUT")"
FILES=$(mktemp -d /dev/shm/cst-soak.XXXXXX 2>/dev/null || mktemp -d)
NS_TX=csts-tx-$$
NS_RX=csts-rx-$$
IF_TX=csts-a
IF_RX=csts-b
CAP_PID= SEND_PID=

cleanup() {
	[ -n "$SEND_PID" ] && kill "$SEND_PID" 2>/dev/null
	[ -n "$CAP_PID" ] && kill -INT "$CAP_PID" 2>/dev/null && sleep 0.5 && kill -KILL "$CAP_PID" 2>/dev/null
	ip netns del "$NS_TX" 2>/dev/null || true
	ip netns del "$NS_RX" 2>/dev/null || true
	rm -rf "$FILES"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Namespaces of an earlier run that died before its trap: ours by name, dead PID.
for ns in $(ip netns list | awk '{print $1}' | grep -E '^csts-(tx|rx)-[0-9]+$' || true); do
	kill -0 "${ns##*-}" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
done
ip netns add "$NS_TX"
ip netns add "$NS_RX"
ip link add "$IF_TX" netns "$NS_TX" type veth peer name "$IF_RX" netns "$NS_RX"
ip -n "$NS_TX" link set "$IF_TX" up
ip -n "$NS_RX" link set "$IF_RX" up
ip netns exec "$NS_RX" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
ip netns exec "$NS_TX" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true

case $WORKLOAD in
mixed) SEND_ARGS="--pcap $(bench_input "$BUILD" 64M)" ;;
*) SEND_ARGS="--frame-size $WORKLOAD" ;;
esac

# One file per second (epoch seconds in the name): each closed file ends with an ISB.
ip netns exec "$NS_RX" taskset -c 1 "$BIN" capture -i "$IF_RX" --backend "$BACKEND" \
	${POLICY:+--policy "$POLICY"} ${BUFFER:+-B "$BUFFER"} --format pcapng -G 1 -w "$FILES/soak-%s.pcapng" \
	2>"$RAW/capture.err" &
CAP_PID=$!
for _ in $(seq 100); do
	grep -q "listening on" "$RAW/capture.err" 2>/dev/null && break
	kill -0 "$CAP_PID" 2>/dev/null || die "capture exited: $(head -c 300 "$RAW/capture.err")"
	sleep 0.1
done
ip netns exec "$NS_TX" taskset -c 0 "$SENDER" -i "$IF_TX" --seconds "$SOAK_SECONDS" --rate 0 \
	$SEND_ARGS >"$RAW/sender.out" &
SEND_PID=$!
note "soak: $SOAK_SECONDS s of $WORKLOAD-byte traffic at full rate, $BACKEND, samples to $OUT"

# The sampler: one row per second until the sender is done.
python3 - "$CAP_PID" "$SEND_PID" "$FILES" "$NS_RX" "$IF_RX" "$OUT" <<'EOF'
import glob, os, struct, subprocess, sys, time

cap_pid, send_pid, files, ns, iface, out = sys.argv[1:]
HZ = os.sysconf("SC_CLK_TCK")


def status(pid):
    v = {}
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in ("VmRSS", "RssAnon"):
                v[k] = int(rest.split()[0])
    return v


def cpu_ticks(pid):
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def rx_packets():
    r = subprocess.run(["ip", "netns", "exec", ns, "cat",
                        "/sys/class/net/%s/statistics/rx_packets" % iface],
                       capture_output=True, text=True)
    return int(r.stdout or 0)


def isb_counters(path):
    """(ifrecv, ifdrop) of the ISB that ends a closed little-endian file, or None."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        if size < 32:
            return None
        f.seek(size - 4)
        (total,) = struct.unpack("<I", f.read(4))
        if total < 28 or total > size:
            return None
        f.seek(size - total)
        blk = f.read(total)
    if struct.unpack("<I", blk[:4])[0] != 5:
        return None
    off, recv, drop = 20, None, None
    while off + 4 <= total - 4:
        code, ln = struct.unpack("<HH", blk[off:off + 4])
        if code == 0:
            break
        if code == 4 and ln == 8:
            (recv,) = struct.unpack("<Q", blk[off + 4:off + 12])
        if code == 5 and ln == 8:
            (drop,) = struct.unpack("<Q", blk[off + 4:off + 12])
        off += 4 + ((ln + 3) & ~3)
    return (recv, drop) if recv is not None else None


kp = kd = 0
rx0 = rx_packets()
t0 = time.monotonic()
c_prev, t_prev = cpu_ticks(cap_pid), t0
with open(out, "w") as o:
    o.write("t_s,rss_kib,rss_anon_kib,kernel_packets,kernel_drops,iface_rx_packets,cpu_pct,files_pending\n")
    while True:
        time.sleep(max(0.0, 1.0 - (time.monotonic() - t0) % 1.0))
        try:
            with open("/proc/%s/stat" % send_pid) as f:
                alive = f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            alive = False
        try:
            st, c = status(cap_pid), cpu_ticks(cap_pid)
        except OSError:
            sys.exit("soak: the capture died")
        names = sorted(glob.glob(os.path.join(files, "soak-*.pcapng")))
        for n in names[:-1]:  # all but the file being written
            got = isb_counters(n)
            if got is None:
                continue  # being closed: next time
            kp, kd = max(kp, got[0]), max(kd, got[1] or 0)
            os.unlink(n)
        now = time.monotonic()
        cpu = 100.0 * (c - c_prev) / HZ / (now - t_prev)
        c_prev, t_prev = c, now
        o.write("%d,%d,%d,%d,%d,%d,%.0f,%d\n" % (round(now - t0), st.get("VmRSS", 0),
                st.get("RssAnon", 0), kp, kd, rx_packets() - rx0, cpu, len(names)))
        o.flush()
        if not alive:
            break
EOF
wait "$SEND_PID" || true
SEND_PID=
sleep 1 # let the recorder drain its ring
kill -INT "$CAP_PID"
wait "$CAP_PID" || note "capture exit status $?"
CAP_PID=

# Summary: totals from the sender and the recorder, RSS flatness from the samples.
python3 - "$OUT" "$WARMUP" "$RAW/sender.out" "$RAW/capture.err" <<'EOF'
import csv, re, sys

out, warm, sender, caperr = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = list(csv.DictReader(open(out)))
snd = dict(kv.split("=", 1) for kv in open(sender).read().split())
err = open(caperr).read()
def stat(words):
    m = re.findall(r"^(\d+) %s$" % words, err, re.M)
    return int(m[-1]) if m else 0
cap, recv, drop = stat("packets captured"), stat("packets received by filter"), stat("packets dropped by kernel")
w = next((r for r in rows if int(r["t_s"]) >= warm), rows[0])
f = rows[-1]
rw, rf = int(w["rss_kib"]), int(f["rss_kib"])
aw, af = int(w["rss_anon_kib"]), int(f["rss_anon_kib"])
peak = max(int(r["rss_kib"]) for r in rows)
limit = max(1024, rw // 100)
flat = rf - rw <= limit
worst = max(int(b["kernel_drops"]) - int(a["kernel_drops"]) for a, b in zip(rows, rows[1:])) if len(rows) > 1 else 0
print("soak: %s s, sender %s packets (%s pps), recorder: %d captured, %d received by filter, "
      "%d dropped by kernel (%.2f %%), worst second %d drops"
      % (f["t_s"], snd.get("sent_packets"), snd.get("pps"), cap, recv, drop,
         100.0 * drop / recv if recv else 0.0, worst))
print("soak: RSS after %d s warm-up %d KiB (anon %d), final %d KiB (anon %d), peak %d KiB: %s"
      % (int(w["t_s"]), rw, aw, rf, af, peak,
         "FLAT (grew %+d KiB, limit %d)" % (rf - rw, limit) if flat
         else "GROWING (%+d KiB, limit %d)" % (rf - rw, limit)))
sys.exit(0 if flat else 1)
EOF
