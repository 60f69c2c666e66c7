#!/usr/bin/env bash
# Issue 18 items 6 and 7 without root: constrict's summary line (and -q),
# stdout and --stats unchanged by it, the progress line on a pseudo-terminal
# (script) and never elsewhere, --stats-interval lines and the --stats-file
# of a constrict fed through a FIFO, and the /metrics endpoint: 404/405 for
# anything but GET /metrics, an oversized request refused, and many idle
# connections that do not stall the packet loop.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool python3
need_tool curl

IN="$FIX/tls_test_2/input.pcap" # 14 packets, 6754 bytes -> 2111 (SPEC 4)
SUMMARY="constrictor: 14 packets, 6754 bytes -> 2111 bytes, saved 68.7%"

# --- item 7: summary line, -q, stdout and --stats unchanged ----------------
"$CST_BIN" constrict "$IN" -o "$T/a.pcap" >"$T/a.out" 2>"$T/a.err"
expect_eq "summary: exit" "$?" 0
expect_eq "summary: stderr is one line" "$(cat "$T/a.err")" "$SUMMARY"
expect_eq "summary: stdout empty" "$(cat "$T/a.out")" ""
"$CST_BIN" constrict "$IN" -o "$T/q.pcap" -q >"$T/q.out" 2>"$T/q.err"
expect_eq "-q: stderr empty" "$(cat "$T/q.err")" ""
same_bytes "-q: same output file" "$T/a.pcap" "$T/q.pcap"
"$CST_BIN" constrict "$IN" -o "$T/s.pcap" --stats >"$T/s.out" 2>"$T/s.err"
"$CST_BIN" constrict "$IN" -o "$T/s.pcap" --stats --quiet >"$T/sq.out" 2>/dev/null
same_bytes "--stats text unchanged by the summary" "$T/s.out" "$T/sq.out"
expect_eq "--stats: summary on stderr only" "$(cat "$T/s.err")" "$SUMMARY"
"$CST_BIN" constrict "$IN" -o - >"$T/p.pcap" 2>"$T/p.err"
same_bytes "-o -: the capture on stdout is the same file" "$T/p.pcap" "$T/a.pcap"
expect_eq "-o -: summary on stderr" "$(cat "$T/p.err")" "$SUMMARY"
"$CST_BIN" reinflate "$T/a.pcap" -o "$T/r.pcap" >/dev/null 2>"$T/r.err"
expect_eq "reinflate: no summary line" "$(cat "$T/r.err")" ""
grep -q $'\r' "$T/a.err" "$T/r.err" && fail "progress drawn on a non-terminal" || pass "no progress when stderr is not a terminal"

# A FIFO fed by this shell (fd 3): the whole file, a pause, then its records once more.
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(d[24:])' "$IN" "$T/records"
feed_start() { # feed_start FIFO: opens fd 3 once the reader exists
	rm -f "$1" && mkfifo "$1"
}

# --- progress on a pseudo-terminal -----------------------------------------
if command -v script >/dev/null 2>&1; then
	feed_start "$T/f1"
	{ cat "$IN"; sleep 1.5; cat "$T/records"; } >"$T/f1" &
	script -qec "$CST_BIN constrict $T/f1 -o $T/pty.pcap" "$T/pty.log" >/dev/null 2>&1
	grep -q 'MB/s' "$T/pty.log" && pass "progress line drawn on a terminal" ||
		fail "no progress line on a terminal: $(od -c "$T/pty.log" | head -5)"
	grep -q $'\r\033\[K' "$T/pty.log" && pass "progress line erased at the end" || fail "progress line not erased"
	grep -q "constrictor: 28 packets, 13508 bytes -> 4222 bytes, saved 68.7%" "$T/pty.log" &&
		pass "summary after the progress line" || fail "summary on the terminal: $(tr '\r' '|' <"$T/pty.log")"
	feed_start "$T/f2"
	{ cat "$IN"; sleep 1.5; cat "$T/records"; } >"$T/f2" &
	script -qec "$CST_BIN constrict $T/f2 -o $T/ptyq.pcap -q" "$T/ptyq.log" >/dev/null 2>&1
	grep -q 'MB/s\|packets' "$T/ptyq.log" && fail "-q on a terminal printed: $(cat "$T/ptyq.log")" || pass "-q: nothing on a terminal"
	wait
	# audit: its progress callback comes every 4096 packets of the original
	python3 "$CST_SRC/tools/gencap.py" "$T/g.pcap" --packets 12000 --seed 3 >/dev/null &&
		"$CST_BIN" constrict "$T/g.pcap" -o "$T/gc.pcap" -q --policy track
	script -qec "$CST_BIN audit $T/g.pcap $T/gc.pcap" "$T/audit.log" >/dev/null 2>&1
	grep -q 'MB/s' "$T/audit.log" && grep -q $'\r\033\[K' "$T/audit.log" &&
		pass "audit: progress line drawn and erased on a terminal" ||
		fail "audit on a terminal: $(tr '\r' '|' <"$T/audit.log" | head -c 300)"
	grep -qE '[0-9.]+ [KMG]iB / [0-9.]+ [KMG]iB +[0-9]+%  [0-9.]+ MB/s  ETA [0-9]+:[0-9]{2}' "$T/audit.log" &&
		pass "progress line: bytes / total, percent, MB/s, ETA" || fail "progress line format: $(tr '\r' '|' <"$T/audit.log" | head -c 300)"
	grep -q '^verdict: ' "$T/audit.log" && pass "audit report after the progress line" || fail "audit report missing"
	"$CST_BIN" audit "$T/g.pcap" "$T/gc.pcap" >"$T/audit.out" 2>"$T/audit.err"
	expect_eq "audit: no progress when not a terminal" "$(cat "$T/audit.err")" ""
else
	skip_part "script(1) not installed: no pseudo-terminal test"
fi

# --- --stats-interval and --stats-file on constrict ------------------------
feed_start "$T/f3"
{ cat "$IN"; sleep 1.3; cat "$T/records"; sleep 1.3; cat "$T/records"; } >"$T/f3" &
"$CST_BIN" constrict "$T/f3" -o "$T/i.pcap" --stats-interval 1 --stats-file "$T/i.json" 2>"$T/i.err"
wait
n=$(grep -c '^stats: packets=[0-9]* bytes_in=[0-9]* bytes_out=[0-9]* saved=[0-9.]*% kernel_drops=0 flows=[0-9]* evictions=0$' "$T/i.err")
[ "$n" -ge 1 ] && pass "--stats-interval: $n line(s)" || fail "--stats-interval lines: $(cat "$T/i.err")"
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/i.json" "$1"; }
expect_eq "--stats-file: final" "$(json final)" True
expect_eq "--stats-file: packets" "$(json packets)" 42
expect_eq "--stats-file: bytes_output" "$(json bytes_output)" 6333
expect_eq "--stats-file: no temporary left" "$(ls "$T" | grep -c 'i.json.')" 0
printf '[stats]\ninterval_sec = 1\nfile = %s\n' "$T/cfg.json" >"$T/live.ini"
"$CST_BIN" constrict "$IN" -o "$T/c.pcap" --config "$T/live.ini" -q
expect_eq "[stats] file key: written" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "$T/cfg.json")" 14
# the AFPacket form of capture reads the same [stats] keys (fed from a file: no root)
printf '[capture]\noutput = %s\n[stats]\nfile = %s\n' "$T/feed.pcap" "$T/feed.json" >"$T/feed.ini"
"$CST_BIN" capture --config "$T/feed.ini" --offline-input "$IN" >"$T/feed.out" 2>"$T/feed.err"
expect_eq "capture --config [stats] file: exit" "$?" 0
expect_eq "capture --config [stats] file: packets_written as printed" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets_written"])' "$T/feed.json")" \
	"$(sed -n 's/^packets_written: //p' "$T/feed.out")"
expect_eq "capture --config [stats] file: stdout as before" "$(grep -c '^stats:' "$T/feed.out")" 0
"$CST_BIN" capture -r "$IN" -w "$T/r.pcap" --stats-file "$T/r.json" 2>"$T/r.err"
expect_eq "capture -r --stats-file: packets as printed" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets_written"])' "$T/r.json")" \
	"$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$T/r.err")"
"$CST_BIN" capture -r "$IN" -w "$T/r.pcap" --stats-interval -1 2>"$T/r2.err"
expect_eq "capture: bad --stats-interval" "$(cat "$T/r2.err")" \
	"constrictor capture: invalid value for --stats-interval: '-1' (seconds 0..86400)"
"$CST_BIN" constrict "$IN" -o "$T/c.pcap" --stats-interval x 2>"$T/bad.err"
expect_eq "bad --stats-interval: exit 1" "$?" 1
expect_eq "bad --stats-interval: message" "$(cat "$T/bad.err")" \
	"error: invalid value for --stats-interval: 'x' (seconds 0..86400)"
"$CST_BIN" constrict "$IN" -o "$T/c.pcap" --metrics-listen 127.0.0.1:99999 2>"$T/bad2.err"
expect_eq "bad --metrics-listen: exit 1" "$?" 1
grep -q "invalid metrics address '127.0.0.1:99999'" "$T/bad2.err" && pass "bad address named" || fail "bad address: $(cat "$T/bad2.err")"

# --- the /metrics endpoint --------------------------------------------------
feed_start "$T/f4"
"$CST_BIN" constrict "$T/f4" -o "$T/m.pcap" --metrics-listen :0 2>"$T/m.err" &
CPID=$!
exec 3>"$T/f4"
cat "$IN" >&3
for i in $(seq 50); do grep -q '(port' "$T/m.err" && break; sleep 0.1; done
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/m.err")
[ -n "$PORT" ] || fail "no port announced: $(cat "$T/m.err")"
URL="http://127.0.0.1:$PORT"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect_eq "GET /metrics: 200" "$(code "$URL/metrics")" 200
curl -s -D "$T/h" -o "$T/body" "$URL/metrics?x=1"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$T/h" && pass "exposition content type" || fail "content type: $(cat "$T/h")"
grep -q '^# TYPE constrictor_packets_total counter$' "$T/body" && grep -q '^# HELP constrictor_packets_total ' "$T/body" &&
	grep -q '^constrictor_reason_packets_total{reason="truncate.tls_app_data_start"} [0-9]*$' "$T/body" &&
	grep -q '^# TYPE constrictor_flows_active gauge$' "$T/body" && pass "HELP/TYPE lines, _total counters, reason labels" ||
	fail "exposition text: $(head -5 "$T/body")"
bad=$(grep -v '^#' "$T/body" | grep -cv '^constrictor_[a-z_]*\({[a-z]*="[^"]*"}\)\? [0-9]*$')
expect_eq "every sample line well formed" "$bad" 0
expect_eq "GET /: 404" "$(code "$URL/")" 404
expect_eq "GET /metricsx: 404" "$(code "$URL/metricsx")" 404
expect_eq "POST /metrics: 405" "$(code -X POST "$URL/metrics")" 405
expect_eq "HEAD /metrics: 405" "$(code -I "$URL/metrics")" 405
big=$(python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /metrics HTTP/1.1\r\nX-Pad: " + b"a" * 8000 + b"\r\n\r\n")
try:
    print(s.recv(100).split(b"\r\n")[0].decode())
except Exception as e:
    print("error", e)
PY
)
expect_eq "oversized request refused" "$big" "HTTP/1.1 431 Request Header Fields Too Large"
# 40 idle connections held open while more packets arrive and the input ends:
# the run must end at once, every packet written.
python3 - "$PORT" 40 >"$T/hold.log" 2>&1 3>&- <<'PY' &
import socket, sys, time
conns = []
for _ in range(int(sys.argv[2])):
    try:
        conns.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2))
    except OSError:
        pass
print("held", len(conns), flush=True)
time.sleep(4)
PY
HOLD=$!
for i in $(seq 50); do grep -q held "$T/hold.log" && break; sleep 0.1; done
start=$(date +%s%N)
cat "$T/records" >&3
exec 3>&-
wait "$CPID"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "constrict with 40 idle metrics connections: exit" "$rc" 0
[ "$ms" -lt 2000 ] && pass "run ended ${ms} ms after its input (connections held)" ||
	fail "run took ${ms} ms after its input with connections held"
grep -q "constrictor: 28 packets" "$T/m.err" && pass "every packet written" || fail "summary: $(cat "$T/m.err")"
kill "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null
finish
