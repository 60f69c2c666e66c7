#!/usr/bin/env bash
# reinflate / restore (SPEC 2.9, 2.10, 6.10, 6.16) through the real program:
#  1. the reinflate cases of the golden table (tests/golden/TESTLIST):
#     constricted.pcap + reinflate_<mode>.ini must give the golden
#     reinflated_<mode>_checksum.pcap byte for byte (also via `restore`), with
#     the stats lines of the table asserted;
#  2. fill_byte = random with a seed: reproducible, seed-dependent, prefix kept;
#  3. PCAPNG: constrict then reinflate restores every length;
#  4. original length above 262144: exit 1 with the exact message;
#  5. recompute on generated traffic: tshark finds every checksum good after a
#     random-fill reinflate with recompute, and bad ones with preserve.
# Every output is also opened by tshark.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/golden/testlist.sh"
need_fixtures
need_tool tshark
need_tool python3

stat_of() { # stat_of FILE LABEL
	sed -n "s/^$2: //p" "$1"
}

# py_check CMD ARGS...: small structural checks on classic PCAP files.
py_check() {
	python3 - "$@" <<'EOF'
import struct, sys

def records(path):
    data = open(path, "rb").read()
    off, out = 24, []
    while off < len(data):
        _, _, cap, orig = struct.unpack_from("<IIII", data, off)
        out.append((cap, orig, data[off + 16:off + 16 + cap]))
        off += 16 + cap
    return data[:24], out

cmd = sys.argv[1]
if cmd == "prefix":  # every constricted packet is a prefix of the reinflated one
    _, a = records(sys.argv[2])
    _, b = records(sys.argv[3])
    ok = len(a) == len(b) and all(
        rb[0] == ra[1] and rb[1] == ra[1] and rb[2][:ra[0]] == ra[2] for ra, rb in zip(a, b))
    print("ok" if ok else "differs")
elif cmd == "filler":  # the filler bytes of two files differ somewhere
    _, a = records(sys.argv[2])
    _, b = records(sys.argv[3])
    _, c = records(sys.argv[4])
    fills = [(rb[2][ra[0]:], rc[2][ra[0]:]) for ra, rb, rc in zip(a, b, c) if ra[0] < ra[1]]
    print("differs" if any(x != y for x, y in fills) else "same")
elif cmd == "bigorig":  # one record: caplen 60, origlen 300000
    hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    rec = struct.pack("<IIII", 1, 0, 60, 300000) + bytes(60)
    ok = struct.pack("<IIII", 1, 0, 60, 262144) + bytes(60)
    open(sys.argv[2], "wb").write(hdr + ok + rec)
EOF
}

# --- 1. the reinflate cases of the golden table --------------------------
cases=0
while IFS="$SEP" read -r name cmd input config options output want_rc kept stats; do
	[ -n "$name" ] || { fail "TESTLIST: malformed line (see stderr)"; continue; }
	cases=$((cases + 1))
	for cmd in reinflate restore; do
		run_case "$cmd" "$name" "$input" "$config" "$options" "$output" "$want_rc" "$kept" "$stats"
	done
	s="$T/$name.reinflate.stats"
	tshark_reads "$T/$name.reinflate.out"
	expect_eq "$name: restore prints the same stats" "$(cat "$T/$name.restore.stats")" "$(cat "$s")"
	expect_eq "$name: captured bytes written = original bytes" \
		"$(stat_of "$s" "total captured bytes written")" "$(stat_of "$s" "total original bytes read")"
	expect_eq "$name: no recompute warning" "$(grep -c 'checksum recomputation was skipped' "$s")" 0
done < <(testlist_rows reinflate)
[ "$cases" -gt 0 ] || fail "TESTLIST has no reinflate case"

# --- 2. random filler with a seed -------------------------------------------
CONSTR="$FIX/tls_test_2/constricted.pcap"
for s in 7 7b 8; do
	printf '[reinflate]\nfill_byte = random\nseed = %s\n' "${s%b}" >"$T/rand$s.ini"
	"$CST_BIN" reinflate "$CONSTR" -o "$T/rand$s.pcap" --config "$T/rand$s.ini" >/dev/null 2>&1
	expect_eq "random seed $s: exit" "$?" 0
done
same_bytes "random fill, same seed: same bytes" "$T/rand7.pcap" "$T/rand7b.pcap"
if cmp -s "$T/rand7.pcap" "$T/rand8.pcap"; then fail "random fill: another seed gives the same bytes"; else pass "random fill: another seed differs"; fi
expect_eq "random fill keeps the prefix and restores lengths" "$(py_check prefix "$CONSTR" "$T/rand7.pcap")" ok
expect_eq "random filler is not the fixed byte" "$(py_check filler "$CONSTR" "$T/rand7.pcap" "$T/tls2-preserve.reinflate.out")" differs
tshark_reads "$T/rand7.pcap"
printf '[reinflate]\nfill_byte = random\n' >"$T/randns.ini"
"$CST_BIN" reinflate "$CONSTR" -o "$T/randns.pcap" --config "$T/randns.ini" >/dev/null 2>&1
expect_eq "random fill without a seed: exit" "$?" 0
expect_eq "random fill without a seed keeps the prefix" "$(py_check prefix "$CONSTR" "$T/randns.pcap")" ok

# --- 3. PCAPNG round trip: constrict, then reinflate restores every length ---
NG="$FIX/single/tls_quic_test_1.pcapng"
"$CST_BIN" constrict "$NG" -o "$T/ng.c.pcapng" >/dev/null 2>&1
"$CST_BIN" reinflate "$T/ng.c.pcapng" -o "$T/ng.r.pcapng" --stats >"$T/ng.stats" 2>&1
expect_eq "pcapng reinflate: exit" "$?" 0
tshark_reads "$T/ng.r.pcapng"
lens() { tshark -n -r "$1" -T fields -e frame.len -e frame.cap_len 2>/dev/null; }
expect_eq "pcapng reinflate: lengths equal the original capture" "$(lens "$T/ng.r.pcapng")" "$(lens "$NG")"
[ "$(stat_of "$T/ng.stats" "packets reinflated")" -gt 0 ] && pass "pcapng: packets were reinflated" || fail "pcapng: nothing reinflated"

# --- 4. an original length beyond the bound is fatal -------------------------
py_check bigorig "$T/big.pcap"
"$CST_BIN" reinflate "$T/big.pcap" -o "$T/big.out.pcap" --stats >"$T/big.stdout" 2>"$T/big.err"
expect_eq "origlen 300000: exit" "$?" 1
expect_eq "origlen 300000: message" "$(cat "$T/big.err")" \
	"error: packet 2 at file offset 100: original length 300000 exceeds the maximum of 262144 bytes"
expect_eq "origlen 300000: no stats after a fatal error" "$(cat "$T/big.stdout")" ""

# --- 5. recompute on generated traffic, checked by tshark --------------------
bad_checksums() {
	tshark -n -r "$1" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-Y 'ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0' 2>/dev/null | wc -l
}
python3 "$CST_SRC/tools/gencap.py" "$T/gen.pcap" --packets 3000 --seed 5 2>/dev/null
"$CST_BIN" constrict "$T/gen.pcap" -o "$T/gen.c.pcap" --policy bulk >/dev/null 2>&1
expect_eq "generated capture: valid checksums before" "$(bad_checksums "$T/gen.pcap")" 0
printf '[reinflate]\nfill_byte = random\nseed = 1\nchecksum_policy = %s\n' recompute >"$T/gr.ini"
printf '[reinflate]\nfill_byte = random\nseed = 1\nchecksum_policy = %s\n' preserve >"$T/gp.ini"
"$CST_BIN" reinflate "$T/gen.c.pcap" -o "$T/gen.r.pcap" --config "$T/gr.ini" --stats >"$T/gr.stats" 2>&1
"$CST_BIN" reinflate "$T/gen.c.pcap" -o "$T/gen.p.pcap" --config "$T/gp.ini" >/dev/null 2>&1
expect_eq "recompute: tshark finds no bad checksum" "$(bad_checksums "$T/gen.r.pcap")" 0
[ "$(bad_checksums "$T/gen.p.pcap")" -gt 0 ] && pass "preserve: random filler breaks checksums (the check can fail)" ||
	fail "preserve: expected bad checksums after random fill"
[ "$(stat_of "$T/gr.stats" "checksums recomputed TCP")" -gt 0 ] && [ "$(stat_of "$T/gr.stats" "checksums recomputed UDP")" -gt 0 ] &&
	pass "recompute counted TCP and UDP" || fail "recompute counters: $(grep 'recomputed' "$T/gr.stats")"
expect_eq "recompute: lengths equal the generated input" "$(lens "$T/gen.r.pcap")" "$(lens "$T/gen.pcap")"

finish
