#!/bin/bash
# Issue 21, crafted: TCP connections on 443 already open when the capture
# starts (tests/policy/gen_midstream.c), through `track`, judged by `audit`
# and by tests/real/midstream.py --check (no needed byte lost; nothing kept
# whole as unproven once three chained AppData headers of one direction have
# been captured, placed by sequence number; a connection that is not TLS
# loses no byte).  Per flow: the chain across gaps inside record bodies
# (42000), the proof found after the first 96 KiB (42001), the chain completed
# by a late retransmitted header (42002) and the connection proven by its busy
# direction (42003) are cut; pseudo-random data with accidental `17 03 03`
# headers, chained in pairs, across gaps (42004) is never cut.
source "$CST_SRC/tests/lib.sh"
need_tool python3
${CC:-cc} -O2 -I"$CST_SRC/include" -o "$T/gen_midstream" "$CST_SRC/tests/policy/gen_midstream.c" -lpcap ||
	{ fail "build gen_midstream"; finish; }
"$T/gen_midstream" "$T/mid.pcap" || { fail "gen_midstream"; finish; }
python3 "$CST_SRC/tests/real/midstream.py" --check --json "$T/mid.json" "$CST_BIN" "$T/mid.pcap"
expect_eq "midstream.py --check on the crafted capture" "$?" 0
cut() { python3 -c 'import json,sys
c = {x["ports"]: x for x in json.load(open(sys.argv[1]))[0]["conns"]}
k = [p for p in c if sys.argv[2] in p.split("-")][0]
print(c[k]["cut_bytes"] > 0, c[k]["tls"])' "$T/mid.json" "$1"; }
for port in 42000 42001 42002 42003; do
	expect_eq "$port: proven TLS and cut" "$(cut $port)" "True True"
done
expect_eq "42004: not TLS, nothing cut" "$(cut 42004)" "False False"
"$CST_BIN" constrict --policy track "$T/mid.pcap" -o "$T/out.pcap" --stats >"$T/stats" 2>&1
expect_eq "4 connections proven by record chain" \
	"$(grep -m1 '^TLS track connections proven by record chain: ' "$T/stats" | sed 's/.*: //')" 4
finish
