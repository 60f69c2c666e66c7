#!/bin/bash
# Bounded flow state under `track` (issue 17 item 7): 1 million single-packet
# TLS/QUIC flows through `constrictor constrict --policy track` at the default
# cap (262,144 flows) add less than 60 MiB to the process's peak RSS (about 64 MiB
# in all, the floor being shared libraries and I/O buffers), as the other policies do
# (flowtable_5m.test.sh): the tracking state lives in the flow-table entries
# (144 bytes each) instead of a side array.  Evictions are reported and no
# packet is cut (ClientHellos and Initials only).
source "$CST_SRC/tests/lib.sh"
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (peak RSS)"
N=1000000
CAP=262144
${CC:-cc} -O2 -o "$T/gen_flows" "$CST_SRC/tests/policy/gen_flows.c" || { fail "build gen_flows"; finish; }
"$T/gen_flows" "$T/flows.pcap" "$N" || { fail "gen_flows"; finish; }
/usr/bin/time -f '%M' -o "$T/rss" "$CST_BIN" constrict "$T/flows.pcap" -o "$T/out.pcap" \
	--policy track --stats >"$T/stats" 2>"$T/err"
expect_eq "exit code" "$?" 0
rss_kb=$(tail -1 "$T/rss")
# The process's own floor (shared libraries, I/O buffers) measured on a
# one-flow input: the bound is on what the flows add on top of it.
"$T/gen_flows" "$T/one.pcap" 1 || fail "gen_flows (one flow)"
/usr/bin/time -f '%M' -o "$T/rss1" "$CST_BIN" constrict "$T/one.pcap" -o "$T/one.out.pcap" \
	--policy track -q 2>"$T/err1" || fail "one-flow run: $(cat "$T/err1")"
base_kb=$(tail -1 "$T/rss1")
echo "peak RSS: $rss_kb KiB (one flow: $base_kb KiB)"
if [ -n "${CST_SANITIZED:-}" ] || ldd "$CST_BIN" 2>/dev/null | grep -q libasan; then
	skip_part "sanitizer build, shadow memory inflates RSS: bound not checked"
elif [ $((rss_kb - base_kb)) -lt $((60 * 1024)) ]; then
	pass "peak RSS ${rss_kb} KiB: flows add $((rss_kb - base_kb)) KiB < 60 MiB"
else
	fail "peak RSS ${rss_kb} KiB: flows add $((rss_kb - base_kb)) KiB (one flow: $base_kb KiB)"
fi
expect_eq "total packets" "$(grep '^total packets: ' "$T/stats")" "total packets: $N"
expect_eq "flows evicted" "$(grep '^flows evicted: ' "$T/stats")" "flows evicted: $((N - CAP))"
same_bytes "output equals input" "$T/flows.pcap" "$T/out.pcap"
rm -f "$T/flows.pcap" "$T/out.pcap"
finish
