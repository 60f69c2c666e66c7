#!/bin/bash
# Issue 17 item 7: audit streams both files.  On a 64 MiB capture (tools/gencap.py)
# with --max-memory 2 its peak RSS stays well below the file's size (the old
# audit held both files: ~100 MB here), and the verdict and the needed-byte
# counts are those of a run that holds every connection whole.
source "$CST_SRC/tests/lib.sh"
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed"
python3 "$CST_SRC/tools/gencap.py" "$T/big.pcap" --size 64M --seed 7 >/dev/null 2>&1 || { fail "gencap"; finish; }
"$CST_BIN" constrict "$T/big.pcap" -o "$T/big.track.pcap" --policy track >/dev/null || fail "constrict"
/usr/bin/time -f %M -o "$T/rss" "$CST_BIN" audit --json --max-memory 2 "$T/big.pcap" "$T/big.track.pcap" >"$T/small.json"
expect_eq "chunked audit passes" "$?" 0
rss=$(tail -1 "$T/rss")
if grep -q '^CST_SANITIZE:BOOL=ON' "$CST_BUILD/CMakeCache.txt" 2>/dev/null; then
	skip_part "sanitizer build (shadow memory): RSS ${rss} KiB not judged"
elif [ "$rss" -lt $((56 * 1024)) ]; then
	pass "peak RSS ${rss} KiB < 56 MiB on a 64 MiB file"
else
	fail "peak RSS ${rss} KiB >= 56 MiB"
fi
"$CST_BIN" audit --json --max-memory 1024 "$T/big.pcap" "$T/big.track.pcap" >"$T/whole.json"
expect_eq "whole audit passes" "$?" 0
same() { python3 -c 'import json,sys
a,b=(json.load(open(f)) for f in sys.argv[1:3])
keys=["passed","caplen_original","caplen_constricted","caplen_oracle","loss_packets",
      "invariant_violations","not_needed","encrypted_handshake"]
cls=list(a["classes"])
d=[k for k in keys if a[k]!=b[k]]+[k for k in cls if a["classes"][k]!=b["classes"][k]]
d+=[k for k in a["reassembly"] if a["reassembly"][k]!=b["reassembly"][k]]
print(" ".join(d))' "$1" "$2"; }
expect_eq "chunked = whole (verdict, oracle, classes, reassembly)" "$(same "$T/small.json" "$T/whole.json")" ""

# Many connections (tools/genflows: 100 000 four-packet TLS flows, 50 MB): the
# least recently active are classified and forgotten; the old audit took 200 MB.
GF="$CST_BUILD/tools/genflows"
if [ -x "$GF" ]; then
	"$GF" "$T/flows.pcap" --flows 100000 >/dev/null 2>&1 || fail "genflows"
	/usr/bin/time -f %M -o "$T/rss2" "$CST_BIN" audit --json --max-memory 2 "$T/flows.pcap" "$T/flows.pcap" >"$T/f2.json"
	expect_eq "100k flows: audit passes" "$?" 0
	"$CST_BIN" audit --json --max-memory 1024 "$T/flows.pcap" "$T/flows.pcap" >"$T/fw.json"
	expect_eq "100k flows: forgetting = holding (report)" "$(same "$T/f2.json" "$T/fw.json")" ""
	rss=$(tail -1 "$T/rss2")
	if grep -q '^CST_SANITIZE:BOOL=ON' "$CST_BUILD/CMakeCache.txt" 2>/dev/null; then
		skip_part "sanitizer build: RSS ${rss} KiB not judged"
	elif [ "$rss" -lt $((56 * 1024)) ]; then
		pass "100k flows: peak RSS ${rss} KiB < 56 MiB"
	else
		fail "100k flows: peak RSS ${rss} KiB >= 56 MiB"
	fi
else
	fail "tools/genflows not built"
fi
finish
