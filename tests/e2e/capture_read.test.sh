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

# a raw-IP file (LINKTYPE_RAW 101, DLT_RAW 12 to libpcap) with a filter: the same
# link-type mapping as constrict's filter (before, libpcap refused link type 101)
python3 - "$FIX/single/tls_test_1.pcap" "$T/raw.pcap" <<'PY'
import struct, sys
buf = open(sys.argv[1], "rb").read()
bo = "<" if buf[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
out = bytearray(buf[:20] + struct.pack(bo + "I", 101))
off = 24
while off + 16 <= len(buf):
    s, u, incl, orig = struct.unpack(bo + "IIII", buf[off:off + 16])
    out += struct.pack(bo + "IIII", s, u, incl - 14, orig - 14) + buf[off + 30:off + 16 + incl]
    off += 16 + incl
open(sys.argv[2], "wb").write(out)
PY
for f in tcp "udp" "tcp[13] & 8 != 0"; do
	"$CST_BIN" capture -r "$T/raw.pcap" -w "$T/raw-out.pcap" $f 2>"$T/raw.log"
	expect_eq "raw IP [$f]: exit status" "$?" 0
	expect_eq "raw IP [$f]: same packets as tcpdump -r" "$(count "$T/raw-out.pcap")" "$(tcpdump -n -r "$T/raw.pcap" "$f" 2>/dev/null | wc -l)"
done

# the Decryption Secrets Blocks of a PCAPNG input are kept (as constrict keeps them),
# from a little-endian section as they are, from a big-endian one wrapped again
if command -v capinfos >/dev/null 2>&1; then
	printf 'CLIENT_RANDOM %s %s\n' "$(printf 'ab%.0s' $(seq 32))" "$(printf 'cd%.0s' $(seq 48))" >"$T/k.keys"
	"$CST_BIN" constrict "$FIX/single/tls_test_1.pcap" -o "$T/dsb.pcapng" -q --tls-keylog "$T/k.keys" 2>/dev/null
	python3 - "$T/dsb.pcapng" "$T/dsb-be.pcapng" <<'PY'
import struct, sys
# the same file in big endian: SHB, IDB, EPB and DSB fields swapped, options dropped
buf, off, out = open(sys.argv[1], "rb").read(), 0, bytearray()
def blk(t, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack(">II", t, len(body) + 12) + body + struct.pack(">I", len(body) + 12)
while off + 12 <= len(buf):
    t, n = struct.unpack("<II", buf[off:off + 8])
    b = buf[off + 8:off + n - 4]
    if t == 0x0A0D0D0A:
        out += blk(t, struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1))
    elif t == 1:
        lt, _, snap = struct.unpack("<HHI", b[:8])
        out += blk(t, struct.pack(">HHI", lt, 0, snap))
    elif t == 6:
        ifid, hi, lo, cap, orig = struct.unpack("<IIIII", b[:20])
        out += blk(t, struct.pack(">IIIII", ifid, hi, lo, cap, orig) + b[20:20 + cap])
    elif t == 10:
        st, sl = struct.unpack("<II", b[:8])
        out += blk(t, struct.pack(">II", st, sl) + b[8:8 + sl])
    off += n
open(sys.argv[2], "wb").write(out)
PY
	secrets() { capinfos "$1" 2>/dev/null | sed -n 's/^Number of decryption secrets in file: *//p'; }
	expect_eq "dsb: the constrict input has one" "$(secrets "$T/dsb.pcapng")" 1
	for n in dsb dsb-be; do
		"$CST_BIN" capture -r "$T/$n.pcapng" -w "$T/$n-out.pcapng" -F pcapng 2>"$T/$n.log"
		expect_eq "$n: exit status" "$?" 0
		expect_eq "$n: capture -r keeps the DSB" "$(secrets "$T/$n-out.pcapng")" 1
		tshark -n -r "$T/$n-out.pcapng" -Y 'frame.number == 1' -T fields -e frame.number >/dev/null 2>"$T/$n.tshark"
		expect_eq "$n: tshark reads it" "$(grep -v 'Running as' "$T/$n.tshark")" ""
		"$CST_BIN" capture -r "$T/$n.pcapng" -w "$T/$n-out.pcap" 2>/dev/null
		expect_eq "$n: classic PCAP output: no DSB, same packets" "$(count "$T/$n-out.pcap")" "$(count "$T/$n-out.pcapng")"
	done
	# the secrets themselves, byte for byte (the DSB bodies of input and outputs)
	body() { python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read(); bo = ">" if b[8:12] == b"\x1a\x2b\x3c\x4d" else "<"; off = 0
while off + 12 <= len(b):
    t, n = struct.unpack(bo + "II", b[off:off + 8])
    if t == 10:
        st, sl = struct.unpack(bo + "II", b[off + 8:off + 16]); print(hex(st), b[off + 16:off + 16 + sl].hex())
    off += n' "$1"; }
	expect_eq "dsb: the same secrets" "$(body "$T/dsb-out.pcapng")" "$(body "$T/dsb.pcapng")"
	expect_eq "dsb-be: the same secrets" "$(body "$T/dsb-be-out.pcapng")" "$(body "$T/dsb.pcapng")"
else
	skip_part "capinfos not installed: DSBs of -r not checked"
fi

# -w to a FIFO (as to /dev/null): written in place, never replaced by a renamed NAME.part
mkfifo "$T/out.fifo"
timeout 20 cat "$T/out.fifo" >"$T/fifo.pcap" & # bounded: a test that fails must not hang
reader=$!
"$CST_BIN" capture -r "$FIX/single/tls_test_1.pcap" -w "$T/out.fifo" 2>"$T/fifo.log"
expect_eq "-w FIFO: exit status" "$?" 0
wait "$reader"
[ -p "$T/out.fifo" ] && pass "-w FIFO: still a FIFO" || fail "-w FIFO: replaced by $(stat -c %F "$T/out.fifo")"
expect_eq "-w FIFO: the packets came through" "$(count "$T/fifo.pcap")" "$(count "$FIX/single/tls_test_1.pcap")"
expect_eq "-w FIFO: no partial file" "$(ls "$T" | grep -c 'out.fifo.*part')" 0

# refusals
"$CST_BIN" capture -r "$in" -w "$T/x.pcap" "tcp port" 2>"$T/e2" && fail "bad filter accepted"
grep -q "bad filter expression 'tcp port'" "$T/e2" && pass "bad -r filter refused" || fail "bad filter: $(cat "$T/e2")"
"$CST_BIN" capture -r "$in" -i lo 2>"$T/e3" && fail "-r with -i accepted"
grep -q "cannot be used together" "$T/e3" && pass "-r with -i refused" || fail "-r -i: $(cat "$T/e3")"
finish
