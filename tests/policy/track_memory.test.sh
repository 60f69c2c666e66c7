#!/bin/bash
# Bounded flow state under `track` (issue 17 item 7): 1 million single-packet
# TLS/QUIC flows through `constrictor constrict --policy track` at the default
# cap (262,144 flows) stay under 64 MiB of peak RSS, as the other policies do
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
echo "peak RSS: $rss_kb KiB"
if [ -n "${CST_SANITIZED:-}" ] || ldd "$CST_BIN" 2>/dev/null | grep -q libasan; then
	skip_part "sanitizer build, shadow memory inflates RSS: bound not checked"
elif [ "$rss_kb" -lt $((64 * 1024)) ]; then
	pass "peak RSS ${rss_kb} KiB < 64 MiB"
else
	fail "peak RSS ${rss_kb} KiB"
fi
expect_eq "total packets" "$(grep '^total packets: ' "$T/stats")" "total packets: $N"
expect_eq "flows evicted" "$(grep '^flows evicted: ' "$T/stats")" "flows evicted: $((N - CAP))"
same_bytes "output equals input" "$T/flows.pcap" "$T/out.pcap"
rm -f "$T/flows.pcap" "$T/out.pcap"
finish
