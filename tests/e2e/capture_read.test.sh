#!/bin/bash
# capture -r FILE: a capture file instead of an interface, as tcpdump -r ...
# -w: the trailing expression filters in user space (same packets as tcpdump
# -r with the same filter), the policy cuts (same packets as constrict),
# rotation works on it too.  No root needed.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool tcpdump
need_tool python3
PCAPTOOL="$CST_SRC/tests/e2e/pcaptool.py"
count() { tcpdump -n -r "$1" 2>/dev/null | wc -l; }

for rel in single/tls_test_1.pcap single/quic_test_1.pcap tls_test_2/input.pcap quic_test_2/input.pcap; do
	in="$FIX/$rel"
	base=$(echo "$rel" | tr / _)
	for f in "tcp port 443" "udp" "tcp[tcpflags] & tcp-push != 0" "not ip6"; do
		tcpdump -r "$in" -w "$T/td.pcap" "$f" 2>/dev/null
		"$CST_BIN" capture -r "$in" -w "$T/cst.pcap" $f 2>"$T/r.log"
		expect_eq "$base [$f]: exit status" "$?" 0
		expect_eq "$base [$f]: same packets as tcpdump -r" "$(count "$T/cst.pcap")" "$(count "$T/td.pcap")"
	done
	# the policy applies: the kept packets equal constrict's
	"$CST_BIN" constrict --policy track "$in" -o "$T/off.pcap" >/dev/null 2>&1
	"$CST_BIN" capture -r "$in" -w "$T/r.pcap" 2>"$T/r.log"
	python3 "$PCAPTOOL" dump "$T/off.pcap" >"$T/off.dump"
	python3 "$PCAPTOOL" dump "$T/r.pcap" >"$T/r.dump"
	same_bytes "$base: -r kept packets equal constrict --policy track" "$T/off.dump" "$T/r.dump"
	grep -q "^constrictor: reading from file $in, link-type EN10MB (Ethernet)" "$T/r.log" && pass "$base: reading line" || fail "$base: $(head -1 "$T/r.log")"
done
cut=$(awk '$2 < $1' "$T/r.dump" | wc -l)
[ "$cut" -gt 0 ] && pass "-r: $cut packets cut by the policy" || fail "-r: no packet cut"

# rotation on a file read: -C 4k -W 2 leaves two files whose packets end with the last input one
in="$FIX/quic_test_2/input.pcap"
"$CST_BIN" capture -r "$in" -w "$T/rot.pcap" -C 4k 2>/dev/null
n=0
for f in "$T"/rot.pcap*; do n=$((n + $(count "$f"))); done
expect_eq "-r -C 4k: packets across files" "$n" "$(count "$in")"
[ "$(ls "$T"/rot.pcap* | wc -l)" -ge 2 ] && pass "-r -C 4k: several files" || fail "-r -C 4k: one file"

# a full disk: one line naming the file and the cause, the counters, exit 1
if [ "$(id -u)" = 0 ] && mkdir -p "$T/full" && mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
	dd if=/dev/zero of="$T/full/fill" bs=1k count=56 2>/dev/null
	"$CST_BIN" capture -r "$in" -w "$T/full/a.pcap" 2>"$T/full.log"
	rc=$?
	umount "$T/full"
	expect_eq "full disk: exit status" "$rc" 1
	expect_eq "full disk: one-line error" "$(grep -c "^constrictor capture: cannot write $T/full/a.pcap.part: No space left on device$" "$T/full.log")" 1
	grep -q "^[0-9]* packets captured$" "$T/full.log" && pass "full disk: counters printed" || fail "full disk: $(cat "$T/full.log")"
else
	skip_part "full-disk case needs root to mount a tmpfs"
fi

# PCAPNG through the same reader as constrict: the kept packets equal constrict's
ng="$FIX/single/tls_quic_test_1.pcapng"
"$CST_BIN" capture -r "$ng" -w "$T/ng.pcap" 2>"$T/e1"
expect_eq "pcapng -r: exit status" "$?" 0
"$CST_BIN" constrict --policy track "$ng" -o "$T/ng_off.pcapng" >/dev/null 2>&1
python3 "$PCAPTOOL" dump "$T/ng_off.pcapng" >"$T/ng_off.dump"
python3 "$PCAPTOOL" dump "$T/ng.pcap" >"$T/ng.dump"
[ -s "$T/ng.dump" ] && same_bytes "pcapng -r kept packets equal constrict --policy track" "$T/ng_off.dump" "$T/ng.dump" ||
	fail "pcapng -r: no packets ($(cat "$T/e1"))"
grep -q "^constrictor: reading from file $ng, link-type EN10MB (Ethernet)" "$T/e1" && pass "pcapng -r: reading line" || fail "pcapng -r: $(head -1 "$T/e1")"
# standard input and a filter
"$CST_BIN" capture -r - -w "$T/stdin.pcap" udp <"$ng" 2>"$T/e1"
expect_eq "pcapng -r - udp: packets" "$(count "$T/stdin.pcap")" "$(tcpdump -n -r "$ng" udp 2>/dev/null | wc -l)"

# refusals
"$CST_BIN" capture -r "$in" -w "$T/x.pcap" "tcp port" 2>"$T/e2" && fail "bad filter accepted"
grep -q "bad filter expression 'tcp port'" "$T/e2" && pass "bad -r filter refused" || fail "bad filter: $(cat "$T/e2")"
"$CST_BIN" capture -r "$in" -i lo 2>"$T/e3" && fail "-r with -i accepted"
grep -q "cannot be used together" "$T/e3" && pass "-r with -i refused" || fail "-r -i: $(cat "$T/e3")"
finish
