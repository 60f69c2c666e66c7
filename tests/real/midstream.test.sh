#!/bin/bash
# Issue 21: `track` on TLS connections already open when the capture starts,
# on real traffic with loss and reordering (tests/real/corpus: midstream-loss1
# and midstream-loss5, made by make-corpus.sh, also trimmed to start at every
# 40th packet up to the 1400th; the loss-reorder and capture-loss cases trimmed
# to start at their 80th, 200th, 400th and 800th packet; tests/real/midstream.py
# writes the trimmed copies at test time).  Asserted by
# `midstream.py --check` per connection: `audit` finds no needed byte lost; no
# packet is kept whole as unproven once a live recorder could know the
# connection is TLS (three chained AppData headers of either direction, placed
# by sequence number across gaps: at most the records before them kept whole);
# >= 97 % efficiency from that point on wherever a connection carries >= 1 MB;
# a connection that is not TLS (non-tls-port-443) loses no byte.
source "$CST_SRC/tests/lib.sh"
need_tool python3
C="$CST_SRC/tests/real/corpus"
[ -f "$C/midstream-loss1.pcap" ] || skip "no mid-stream corpus at $C (run tests/real/make-corpus.sh)"
M="$CST_SRC/tests/real/midstream.py"
# the mid-stream captures from every 40th packet (36 starting points each), the others at 4
if python3 "$M" --check --trim "$(seq -s, 40 40 1400)" --json "$T/midstream.json" "$CST_BIN" \
	"$C/midstream-loss1.pcap" "$C/midstream-loss5.pcap" >"$T/midstream.txt"; then
	pass "issue-21 targets met on the mid-stream captures and 70 trims of them"
else
	fail "issue-21 targets missed: $(grep -c FAIL "$T/midstream.txt") time(s)"
fi
grep -v '^   ' "$T/midstream.txt" | grep -v '^midstream-loss.@' # the untrimmed files, FAIL lines
if python3 "$M" --check --trim 80,200,400,800 "$CST_BIN" "$C/https-h1-loss-reorder.pcap" \
	"$C/https-h2-vlan-capture-loss.pcap" "$C/non-tls-port-443.pcap" >"$T/others.txt"; then
	pass "issue-21 targets met on the loss cases trimmed and the non-TLS case"
else
	fail "issue-21 targets missed on the loss / non-TLS cases"
fi
grep -v '^   ' "$T/others.txt"
finish
