#!/usr/bin/env bash
# Compression offline (issue 18 item 4):
#  - every golden case of tests/golden/TESTLIST with an expected output, its
#    input read as .gz and .zst (a file, standard input, a name without the
#    extension: detection is by magic bytes), gives that output byte for byte;
#  - --compress gzip|zstd (levels default, 1, 3, 19 / 9): the output decodes
#    (gzip -dc, zstd -dc) to the uncompressed output; tshark reads the .gz
#    directly and the .zst through `zstd -dc | tshark -r -`, every packet the
#    same (frame and captured lengths); the name gets .gz/.zst once;
#  - round trip: constrict -> .zst -> constrict and reinflate reading it;
#    audit reads compressed originals and outputs with the same verdict;
#  - [output] compress / compress_level from --config; bad values rejected;
#  - a truncated compressed input: one warning naming the file, then the
#    usual damaged-tail handling, exit 1, the packets before kept (a prefix of
#    the full output); garbage: one error line, exit 1, no output.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/golden/testlist.sh"
need_fixtures
need_tool gzip
need_tool zstd
B="$CST_BIN"
HAVE_TSHARK=1
command -v tshark >/dev/null 2>&1 || HAVE_TSHARK=0

opt_args() { # config options -> argument words
	local cfg=$1 opts=$2
	[ "$cfg" != "-" ] && printf '%s\n' --config "$FIX/$cfg"
	[ "$opts" != "-" ] && printf '%s\n' $opts
	true
}

# --- golden cases through gzip and zstd inputs --------------------------------
cases=0
for cmd in constrict reinflate; do
	while IFS="$SEP" read -r name _ input config options output want_rc _ _; do
		[ "$output" = "-" ] && continue
		cases=$((cases + 1))
		mapfile -t args < <(opt_args "$config" "$options")
		gzip -c "$FIX/$input" >"$T/$name.in.gz"
		zstd -q -c "$FIX/$input" >"$T/$name.in.zst"
		cp "$T/$name.in.zst" "$T/$name.noext" # no extension: the magic decides
		for src in "$name.in.gz" "$name.in.zst" "$name.noext"; do
			"$B" "$cmd" "$T/$src" -o "$T/$src.out" "${args[@]}" >/dev/null 2>&1
			expect_eq "$cmd $src: exit" "$?" "$want_rc"
			same_bytes "$cmd $src: golden output" "$T/$src.out" "$FIX/$output"
		done
		"$B" "$cmd" - -o "$T/$name.stdin.out" "${args[@]}" <"$T/$name.in.gz" >/dev/null 2>&1
		same_bytes "$cmd $name: gzip on standard input" "$T/$name.stdin.out" "$FIX/$output"
		zstd -q -dc "$T/$name.in.zst" | cat | "$B" "$cmd" - -o "$T/$name.pipe.out" "${args[@]}" >/dev/null 2>&1
		same_bytes "$cmd $name: plain through a pipe" "$T/$name.pipe.out" "$FIX/$output"
		zstd -q -c "$FIX/$input" | "$B" "$cmd" - -o "$T/$name.zpipe.out" "${args[@]}" >/dev/null 2>&1
		same_bytes "$cmd $name: zstd through a pipe" "$T/$name.zpipe.out" "$FIX/$output"
	done < <(testlist_rows "$cmd")
done
[ "$cases" -gt 0 ] || fail "TESTLIST has no case with an expected output"

# --- compressed outputs ---------------------------------------------------------
IN="$FIX/tls_test_2/input.pcap"
NG="$FIX/single/tls_quic_test_1.pcapng"
frames() { tshark -n -r "$1" -T fields -e frame.len -e frame.cap_len 2>/dev/null | md5sum; }
for in in "$IN" "$NG"; do
	ext=${in##*.}
	"$B" constrict "$in" -o "$T/plain.$ext" || fail "plain constrict of $in"
	for spec in gzip: gzip:1 gzip:9 zstd: zstd:1 zstd:3 zstd:19 zstd:-5; do
		m=${spec%%:*} lvl=${spec#*:}
		suf=$([ "$m" = gzip ] && echo gz || echo zst)
		out="$T/c.$ext"
		rm -f "$out" "$out.$suf"
		"$B" constrict "$in" -o "$out" --compress "$m" ${lvl:+--compress-level "$lvl"}
		expect_eq "$ext --compress $spec: exit" "$?" 0
		[ -e "$out" ] && fail "$ext --compress $spec: the plain name was written too"
		if [ "$m" = gzip ]; then gzip -dc "$out.gz" >"$T/dec"; else zstd -q -dc "$out.zst" >"$T/dec"; fi
		same_bytes "$ext --compress $spec: decodes to the plain output" "$T/dec" "$T/plain.$ext"
	done
	"$B" constrict "$in" -o "$T/named.$ext.zst" --compress zstd
	[ -e "$T/named.$ext.zst" ] && [ ! -e "$T/named.$ext.zst.zst" ] && pass "$ext: .zst not added twice" ||
		fail "$ext: -o NAME.zst --compress zstd wrote $(ls "$T" | grep named)"
	if [ "$HAVE_TSHARK" = 1 ]; then
		want=$(frames "$T/plain.$ext")
		expect_eq "$ext: tshark -r out.gz reads every packet" "$(frames "$out.gz" 2>/dev/null || frames "$T/c.$ext.gz")" "$want"
		"$B" constrict "$in" -o "$T/t.$ext" --compress gzip
		expect_eq "$ext: tshark -r x.gz" "$(frames "$T/t.$ext.gz")" "$want"
		"$B" constrict "$in" -o "$T/t.$ext" --compress zstd
		expect_eq "$ext: zstd -dc x.zst | tshark -r -" "$(zstd -q -dc "$T/t.$ext.zst" | frames -)" "$want"
		n=$(tshark -n -r "$in" 2>/dev/null | wc -l)
		expect_eq "$ext: packet count through zstd" "$(zstd -q -dc "$T/t.$ext.zst" | tshark -n -r - 2>/dev/null | wc -l)" "$n"
	fi
	# standard output, compressed
	"$B" constrict "$in" -o - --compress zstd 2>/dev/null | zstd -q -dc >"$T/stdout.dec"
	same_bytes "$ext: -o - --compress zstd" "$T/stdout.dec" "$T/plain.$ext"
done
[ "$HAVE_TSHARK" = 1 ] || skip_part "tshark not installed: independent reads not made"

# --- round trips -----------------------------------------------------------------
"$B" constrict "$IN" -o "$T/rt1" --compress zstd && "$B" constrict "$T/rt1.zst" -o "$T/rt2.pcap"
"$B" constrict "$T/plain.pcap" -o "$T/rt2.ref"
same_bytes "constrict -> .zst -> constrict" "$T/rt2.pcap" "$T/rt2.ref"
"$B" reinflate "$T/rt1.zst" -o "$T/rt3" --compress gzip && "$B" reinflate "$T/plain.pcap" -o "$T/rt3.ref"
gzip -dc "$T/rt3.gz" >"$T/rt3.dec"
same_bytes "reinflate .zst -> .gz" "$T/rt3.dec" "$T/rt3.ref"
"$B" audit "$IN" "$T/plain.pcap" >"$T/audit.ref" 2>&1
rc_ref=$?
gzip -c "$IN" >"$T/orig.gz"
"$B" audit "$T/orig.gz" "$T/rt1.zst" >"$T/audit.z" 2>&1
expect_eq "audit on .gz/.zst: exit" "$?" "$rc_ref"
expect_eq "audit on .gz/.zst: same report" \
	"$(sed "s#$T/orig.gz#IN#g; s#$T/rt1.zst#OUT#g" "$T/audit.z")" \
	"$(sed "s#$IN#IN#g; s#$T/plain.pcap#OUT#g" "$T/audit.ref")"

# --- rotation of constrict (-C) under compression: FILE.zst, FILE1.zst ... -----------
if [ "$HAVE_TSHARK" = 1 ]; then
	mkdir -p "$T/rot"
	"$B" constrict "$NG" -o "$T/rot/r.pcapng" -C 20k --compress zstd -q 2>"$T/rot.err"
	expect_eq "-C 20k --compress zstd: exit" "$?" 0
	[ -e "$T/rot/r.pcapng.zst" ] && [ -e "$T/rot/r.pcapng1.zst" ] && [ -z "$(ls "$T/rot" | grep -v '\.zst$')" ] &&
		pass "-C zstd: names r.pcapng.zst, r.pcapng1.zst ..., no partial left" || fail "-C zstd: $(ls "$T/rot" | xargs)"
	n=0
	for f in "$T"/rot/*; do n=$((n + $(zstd -q -dc "$f" | tshark -n -r - 2>/dev/null | wc -l))); done
	expect_eq "-C zstd: packets across files" "$n" "$(tshark -n -r "$NG" 2>/dev/null | wc -l)"
fi

# --- configuration ------------------------------------------------------------------
printf '[output]\ncompress = gzip\ncompress_level = 1\n' >"$T/c.ini"
"$B" constrict "$IN" -o "$T/cfg.pcap" --config "$T/c.ini" && gzip -dc "$T/cfg.pcap.gz" >"$T/cfg.dec"
same_bytes "[output] compress = gzip" "$T/cfg.dec" "$T/plain.pcap"
"$B" constrict "$IN" -o "$T/cfg2.pcap" --config "$T/c.ini" --compress none
same_bytes "--compress none over the config" "$T/cfg2.pcap" "$T/plain.pcap"
err_is() { # NAME WANT_REGEX CMD...
	local name=$1 want=$2
	shift 2
	"$@" >/dev/null 2>"$T/err"
	local rc=$?
	if [ "$rc" = 1 ] && [ "$(grep -c . "$T/err")" = 1 ] && grep -Eq "$want" "$T/err"; then
		pass "$name"
	else
		fail "$name: exit $rc [$(tr '\n' '|' <"$T/err")]"
	fi
}
err_is "unknown method" '^error: invalid value for --compress: lz4; expected none, gzip or zstd$' \
	"$B" constrict "$IN" -o "$T/x" --compress lz4
err_is "gzip level 10" '^error: invalid value for --compress-level: invalid gzip compression level 10; expected 1..9$' \
	"$B" constrict "$IN" -o "$T/x" --compress gzip --compress-level 10
err_is "level not a number" '^error: invalid value for --compress-level: fast' \
	"$B" constrict "$IN" -o "$T/x" --compress zstd --compress-level fast
cp "$T/rt1.zst" "$T/same.pcap.zst"
err_is "output name with its suffix is the input" '^error: input and output paths refer to the same file$' \
	"$B" constrict "$T/same.pcap.zst" -o "$T/same.pcap" --compress zstd
cmp -s "$T/same.pcap.zst" "$T/rt1.zst" && pass "the input is untouched" || fail "the input was overwritten"
printf '[output]\ncompress = bzip2\n' >"$T/bad.ini"
err_is "output.compress = bzip2" 'output.compress' "$B" constrict "$IN" -o "$T/x" --config "$T/bad.ini"
[ -e "$T/x" ] || [ -e "$T/x.gz" ] || [ -e "$T/x.zst" ] && fail "an output was left by a rejected run" || pass "no output on bad options"

# --- damaged compressed inputs ----------------------------------------------------------
# a 1 MB capture of random frames (they do not compress) so the cut falls
# after whole compressed blocks
python3 - "$T/big.pcap" <<'PY'
import random, struct, sys
r = random.Random(7)
out = bytearray(struct.pack('<IHHiIII', 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
i = 0
while len(out) < 1_000_000:
    n = 60 + r.randrange(1400)
    out += struct.pack('<IIII', 1700000000 + i, i % 1000000, n, n) + r.randbytes(n)
    i += 1
open(sys.argv[1], 'wb').write(out)
PY
"$B" constrict "$T/big.pcap" -o "$T/big.ref" 2>/dev/null
for m in gzip zstd; do
	suf=$([ "$m" = gzip ] && echo gz || echo zst)
	if [ "$m" = gzip ]; then gzip -c "$T/big.pcap" >"$T/big.$suf"; else zstd -q -c "$T/big.pcap" >"$T/big.$suf"; fi
	size=$(stat -c %s "$T/big.$suf")
	head -c $((size * 2 / 3)) "$T/big.$suf" >"$T/cut.$suf"
	"$B" constrict "$T/cut.$suf" -o "$T/cut.$m.out" 2>"$T/cut.err"
	expect_eq "$m cut: exit 1 (damaged tail)" "$?" 1
	head -1 "$T/cut.err" | grep -Eq "^Warning: $T/cut.$suf: truncated $m data at compressed offset [0-9]+: .*; (packet [0-9]+ at )?file offset [0-9]+: " &&
		pass "$m cut: first line names the file and the cause" || fail "$m cut: [$(head -1 "$T/cut.err")]"
	grep -q "output contains only packets successfully processed" "$T/cut.err" &&
		pass "$m cut: the usual tail warning" || fail "$m cut: no tail warning"
	n=$(stat -c %s "$T/cut.$m.out")
	[ "$n" -gt 100000 ] && cmp -s -n "$n" "$T/cut.$m.out" "$T/big.ref" &&
		pass "$m cut: $n bytes kept, a prefix of the full output" || fail "$m cut: output of $n bytes is not a prefix"
	# garbage after the magic
	{ head -c 4 "$T/big.$suf"; head -c 5000 /dev/urandom; } >"$T/junk.$suf"
	rm -f "$T/junk.out"
	"$B" constrict "$T/junk.$suf" -o "$T/junk.out" 2>"$T/junk.err"
	rc=$?
	if [ "$rc" = 1 ] && [ "$(grep -c . "$T/junk.err")" = 1 ] && grep -q "$T/junk.$suf: " "$T/junk.err"; then
		pass "$m garbage: one error line naming the file"
	else
		fail "$m garbage: exit $rc [$(tr '\n' '|' <"$T/junk.err")]"
	fi
	[ ! -e "$T/junk.out" ] && pass "$m garbage: no output" || fail "$m garbage: an output was left"
	"$B" audit "$T/cut.$suf" "$T/big.ref" >/dev/null 2>"$T/audit.err"
	grep -q "truncated $m data" "$T/audit.err" && pass "$m cut: audit says so" || fail "$m cut: audit [$(head -c 300 "$T/audit.err")]"
done
finish
