#!/bin/bash
# Issue 21: `track` on TLS connections already open when the capture starts,
# on real traffic with loss and reordering (tests/real/corpus: midstream-loss1
# and midstream-loss5, made by make-corpus.sh; the loss-reorder and capture-loss
# cases), each also trimmed to start at its 80th, 200th, 400th and 800th packet
# (tests/real/midstream.py writes the trimmed copies at test time).  Asserted by
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
"$CST_BIN" audit --help >/dev/null 2>&1 || skip "the audit command is not in this build"
if python3 "$CST_SRC/tests/real/midstream.py" --check --trim 80,200,400,800 --json "$T/midstream.json" \
	"$CST_BIN" "$C/midstream-loss1.pcap" "$C/midstream-loss5.pcap" "$C/https-h1-loss-reorder.pcap" \
	"$C/https-h2-vlan-capture-loss.pcap" "$C/non-tls-port-443.pcap"; then
	pass "issue-21 targets met on every capture and trim"
else
	fail "issue-21 targets missed (FAIL lines above)"
fi
finish
