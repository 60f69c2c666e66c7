#!/bin/bash
# Issue 18 item 6, end to end: a real Prometheus server (Debian package
# `prometheus`) scrapes `capture --metrics-listen` every second inside a test
# namespace; after a bounded capture its stored values equal the final
# counters the capture printed.  The same run checks the --stats-interval
# lines (one a second, counters never going back) and the --stats-file JSON
# (final: true, the same numbers).
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool python3
need_tool curl
command -v prometheus >/dev/null 2>&1 ||
	skip "prometheus not installed (Debian package prometheus, listed in scripts/deps.sh)"
ns_setup

MPORT=19108 PPORT=19090 # loopback of namespace B: no clash with the host or other tests
cat >"$T/prom.yml" <<CONF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: constrictor
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
CONF
# not through inB: a function in the background is a subshell, and killing
# that ($!) would leave prometheus running after the test
ip netns exec "$NS_B" prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" >"$T/prom.log" 2>&1 &
NS_PIDS="$NS_PIDS $!"
for i in $(seq 150); do
	inB curl -sf "http://127.0.0.1:$PPORT/-/ready" >/dev/null 2>&1 && break
	sleep 0.2
done
inB curl -sf "http://127.0.0.1:$PPORT/-/ready" >/dev/null 2>&1 || {
	tail -5 "$T/prom.log"
	fail "prometheus did not start"
	finish
}

cap_start "$T/cap.log" -i "$IF_B" -w "$T/cap.pcap" --duration 9 --stats-interval 1 \
	--stats-file "$T/stats.json" --metrics-listen "127.0.0.1:$MPORT" udp port 9999 ||
	fail "capture start"
sleep 1
inA python3 "$PCAPTOOL" burst "$IF_A" 300 400
sleep 1
inA python3 "$PCAPTOOL" burst "$IF_A" 200 1200
cap_wait # the last 6 seconds are idle: several scrapes see the final values
expect_eq "capture exit status" "$CAP_RC" 0

got=$(stat_of "$T/cap.log" "packets captured")
recv=$(stat_of "$T/cap.log" "packets received by filter")
drops=$(stat_of "$T/cap.log" "packets dropped by kernel")
read -r bin bout < <(sed -n 's/^\([0-9]*\) bytes captured, \([0-9]*\) bytes written.*/\1 \2/p' "$T/cap.log")
expect_eq "packets captured" "$got" 500

# What Prometheus stored: the last sample of each series (a range selector
# skips the staleness marker written when the capture went away).
promq() {
	inB curl -sf "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}
prom() { promq "last_over_time($1[5m])"; }
expect_eq "prometheus: constrictor_packets_written_total" "$(prom constrictor_packets_written_total)" "$got"
expect_eq "prometheus: constrictor_packets_total" "$(prom constrictor_packets_total)" "$got"
expect_eq "prometheus: constrictor_bytes_input_total" "$(prom constrictor_bytes_input_total)" "$bin"
expect_eq "prometheus: constrictor_bytes_output_total" "$(prom constrictor_bytes_output_total)" "$bout"
expect_eq "prometheus: constrictor_kernel_packets_total" "$(prom constrictor_kernel_packets_total)" "$recv"
expect_eq "prometheus: constrictor_kernel_drops_total" "$(prom constrictor_kernel_drops_total)" "$drops"
# UDP/9999 is a QUIC port under `track` (learning QUIC): no flow known
expect_eq "prometheus: packets by reason (a label)" \
	"$(prom 'constrictor_reason_packets_total{reason="keep.quic_unknown_flow"}')" "$got"
expect_eq "prometheus: the target was scraped" "$(promq 'max_over_time(up[5m])')" 1

# --stats-interval: one line a second, counters never go back, the last at most the final
lines=$(grep -c '^stats: packets=' "$T/cap.log")
[ "$lines" -ge 6 ] && [ "$lines" -le 10 ] && pass "$lines interval lines in 9 s" ||
	fail "interval lines: $lines in 9 s"
mono=$(sed -n 's/^stats: packets=\([0-9]*\) .*/\1/p' "$T/cap.log" |
	awk -v fin="$got" 'BEGIN{ok=1} {if ($1 < prev || $1 > fin) ok=0; prev=$1} END{print ok}')
expect_eq "interval lines: packets monotonic, bounded by the final count" "$mono" 1
grep -q '^stats: packets=[0-9]* bytes_in=[0-9]* bytes_out=[0-9]* saved=[0-9.]*% kernel_drops=[0-9]* flows=[0-9]* evictions=[0-9]*$' "$T/cap.log" &&
	pass "interval line format" || fail "interval line format: $(grep '^stats:' "$T/cap.log" | head -1)"

# --stats-file: the final JSON
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/stats.json" "$1"; }
expect_eq "stats file: final" "$(json final)" True
expect_eq "stats file: packets_written" "$(json packets_written)" "$got"
expect_eq "stats file: bytes_output" "$(json bytes_output)" "$bout"
expect_eq "stats file: kernel_packets" "$(json kernel_packets)" "$recv"

# --workers (issue 19): the ticks come from the calling thread with the summed counters
cap_start "$T/w.log" -i "$IF_B" -w "$T/w.pcap" --workers 2 --duration 30 --stats-interval 1 \
	--stats-file "$T/w.json" --metrics-listen "127.0.0.1:$MPORT" udp port 9999 || fail "workers capture start"
sleep 1
inA python3 "$PCAPTOOL" burst "$IF_A" 300 400
sleep 1.5
wgot=$(inB curl -sf "http://127.0.0.1:$MPORT/metrics" | sed -n 's/^constrictor_packets_written_total //p')
sleep 1
kill -INT "$CAP_PID"
cap_wait
expect_eq "workers: exit status" "$CAP_RC" 0
expect_eq "workers: packets captured" "$(stat_of "$T/w.log" "packets captured")" 300
expect_eq "workers: /metrics during the run" "$wgot" 300
wl=$(grep -c '^stats: packets=' "$T/w.log")
[ "$wl" -ge 2 ] && pass "workers: $wl interval lines" || fail "workers: $wl interval lines"
expect_eq "workers: stats file" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["final"], d["packets_written"])' "$T/w.json")" "True 300"
finish
