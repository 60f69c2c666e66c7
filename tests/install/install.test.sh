#!/usr/bin/env bash
# libconstrictor as an installed product (issue 16): `cmake --install` into a
# staging prefix under the build tree, then, against the INSTALLED headers
# and library only:
#  - every example builds with `pkg-config --cflags --libs constrictor` and
#    runs on a fixture with the output asserted;
#  - one example links libconstrictor.a statically through `pkg-config --static`;
#  - a CMake project finds the package (find_package(constrictor)) and builds;
#  - the shared library exports only cst_ symbols and has the SONAME
#    libconstrictor.so.0.
source "$CST_SRC/tests/lib.sh"
need_tool pkg-config
need_tool nm
need_fixtures
command -v cc >/dev/null 2>&1 || skip "no C compiler (cc)"
[ -e "$CST_BUILD/libconstrictor.so" ] || skip "shared library not built (-DCST_SHARED=OFF)"

STAGE="$CST_BUILD/stage"
PREFIX=/opt/constrictor
ROOT="$STAGE$PREFIX"
rm -rf "$STAGE"
DESTDIR="$STAGE" cmake --install "$CST_BUILD" --prefix "$PREFIX" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; fail "cmake --install"; finish; }
for f in include/constrictor/constrictor.h include/constrictor/version.h lib/libconstrictor.a \
	lib/libconstrictor.so.0 lib/pkgconfig/constrictor.pc lib/cmake/constrictor/constrictorConfig.cmake \
	bin/constrictor share/man/man1/constrictor.1 share/man/man5/constrictor.conf.5 include/constrictor/metrics.h; do
	[ -e "$ROOT/$f" ] && pass "installed $f" || fail "not installed: $f"
done
# Nothing of the source or build tree leaks into the installed headers.
if grep -l '#include "' "$ROOT"/include/constrictor/*.h >/dev/null 2>&1; then
	fail "an installed header includes a private header"
fi

# ---- exported symbols ------------------------------------------------------
so="$ROOT/lib/libconstrictor.so.0"
others=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^cst_')
expect_eq "libconstrictor.so exports only cst_ symbols" "$others" ""
n=$(nm -D --defined-only "$so" | grep -c ' cst_')
[ "$n" -gt 50 ] && pass "$n cst_ symbols exported" || fail "only $n cst_ symbols exported"
nm -D --defined-only "$so" | grep -q ' T cst_config_set$' || fail "cst_config_set not exported"
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
expect_eq "SONAME" "$soname" "libconstrictor.so.0"

# ---- pkg-config ------------------------------------------------------------
export PKG_CONFIG_PATH="$ROOT/lib/pkgconfig"
cflags=$(pkg-config --cflags constrictor) || fail "pkg-config --cflags"
libs=$(pkg-config --libs constrictor) || fail "pkg-config --libs"
expect_eq "pkg-config --modversion" "$(pkg-config --modversion constrictor)" \
	"$(sed -n 's/^#define CST_VERSION_STRING "\(.*\)"/\1/p' "$ROOT/include/constrictor/version.h")"
inc=$(realpath -m "$(pkg-config --variable=includedir constrictor)")
expect_eq "includedir resolves into the stage" "$inc" "$(realpath "$ROOT/include")"
case " $cflags " in *" -I$(pkg-config --variable=includedir constrictor) "*) pass "cflags: -I includedir" ;;
*) fail "cflags: $cflags" ;; esac
EXTRA=()
[ "${CST_SANITIZED:-}" = 1 ] && EXTRA=(-fsanitize=address,undefined -fno-omit-frame-pointer)
export LD_LIBRARY_PATH="$ROOT/lib"
for ex in recorder constrict_file tls_sni_count; do
	# The compiler sees only the installed tree: no -I into the source or build tree.
	if cc -std=c17 -Wall -Wextra -Werror "${EXTRA[@]}" "$CST_SRC/examples/$ex.c" $cflags $libs \
		-o "$T/$ex" 2>"$T/$ex.cc"; then
		pass "example $ex builds with pkg-config"
	else
		cat "$T/$ex.cc"
		fail "example $ex does not build"
	fi
done
ldd "$T/tls_sni_count" | grep -q "libconstrictor.so.0 => $ROOT/lib/" &&
	pass "examples load the staged libconstrictor.so.0" || fail "examples load $(ldd "$T/tls_sni_count" | grep constrictor)"

in="$FIX/tls_test_2/input.pcap"
# constrict_file: one line per packet whose keep length and reason are those
# of `constrictor constrict --decision-log` (rows exist for TCP payload packets).
"$T/constrict_file" "$in" "$T/cf.pcap" >"$T/cf.txt" 2>"$T/cf.err"
expect_eq "constrict_file exit" "$?" 0
expect_eq "constrict_file summary" "$(cat "$T/cf.err")" "14 packets, 6 cut"
expect_eq "constrict_file lines" "$(wc -l <"$T/cf.txt")" 14
"$CST_BIN" constrict "$in" -o "$T/ref.pcap" --decision-log "$T/ref.csv" || fail "reference constrict"
tail -n +2 "$T/ref.csv" | awk -F, '{gsub(/"/, ""); print $1, $14, $11 "/" $10, $15}' >"$T/ref.txt"
rows=$(wc -l <"$T/ref.txt")
[ "$rows" -ge 6 ] || fail "reference decision log has only $rows rows"
awk 'NR == FNR { want[$1] = $0; next } ($1 in want) { n++; if ($0 != want[$1]) { print "differs: " $0 " / " want[$1]; bad++ } }
	END { print n + 0, bad + 0 }' "$T/ref.txt" "$T/cf.txt" >"$T/cmp.txt"
expect_eq "constrict_file decisions = decision log" "$(tail -1 "$T/cmp.txt")" "$rows 0"
# ... and its output is `constrictor constrict`'s, the golden file byte for byte.
same_bytes "constrict_file output = constrictor constrict" "$T/cf.pcap" "$T/ref.pcap"
same_bytes "constrict_file output = golden constricted.pcap" "$T/cf.pcap" "$FIX/tls_test_2/constricted.pcap"
# PCAPNG in, PCAPNG out, with a config file (the pipeline detects the format).
ng="$FIX/single/tls_quic_test_1.pcapng"
"$T/constrict_file" "$ng" "$T/cf.pcapng" "$CST_SRC/docs/examples/constrict.ini" >"$T/cfng.txt" 2>"$T/cfng.err"
expect_eq "constrict_file on PCAPNG: exit" "$?" 0
"$CST_BIN" constrict "$ng" -o "$T/refng.pcapng" >/dev/null 2>&1
same_bytes "constrict_file PCAPNG output = constrictor constrict" "$T/cf.pcapng" "$T/refng.pcapng"
"$T/constrict_file" "$T/missing.pcap" "$T/x.pcap" >/dev/null 2>"$T/cfmiss.err"
expect_eq "constrict_file on a missing input: exit" "$?" 1
grep -q '^constrict_file: failed to open input file' "$T/cfmiss.err" && pass "constrict_file: error line" ||
	fail "constrict_file error: $(cat "$T/cfmiss.err")"
[ -e "$T/x.pcap" ] && fail "constrict_file left an output after an error"

# recorder: every packet recorded with its original length, some cut.
"$T/recorder" -r "$in" "$T/rec.pcap" >"$T/rec.out" 2>&1
expect_eq "recorder exit" "$?" 0
python3 - "$in" "$T/rec.pcap" >"$T/rec.cmp" <<'PY'
import struct, sys
def records(path):
    d = open(path, 'rb').read()
    e = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    off, out = 24, []
    while off + 16 <= len(d):
        _, _, incl, orig = struct.unpack(e + 'IIII', d[off:off + 16])
        out.append((incl, orig, d[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out
a, b = records(sys.argv[1]), records(sys.argv[2])
prefix = all(y[2] == x[2][:len(y[2])] and y[1] == x[1] for x, y in zip(a, b))
print(len(a), len(b), prefix, sum(x[0] for x in a) > sum(y[0] for y in b))
PY
expect_eq "recorder: same packets, original lengths, byte prefixes, smaller" "$(cat "$T/rec.cmp")" "14 14 True True"

# tls_sni_count: the handshakes per server name that tshark counts, on a
# generated capture with many TLS connections (and on a fixture).
python3 "$CST_SRC/tools/gencap.py" "$T/gen.pcap" --packets 3000 --seed 7 >/dev/null 2>&1 ||
	fail "gencap"
"$T/tls_sni_count" "$FIX/tls_test_2/input.pcap" >"$T/sni1.txt"
expect_eq "tls_sni_count on tls_test_2" "$(cat "$T/sni1.txt")" "1 ws6.qualified.com"
# PCAPNG, read from standard input (the QUIC handshake of this file is not counted)
"$T/tls_sni_count" - <"$FIX/single/tls_quic_test_1.pcapng" >"$T/sni2.txt"
expect_eq "tls_sni_count on a PCAPNG from stdin" "$(cat "$T/sni2.txt")" "1 valid.rpki.cloudflare.com"
"$T/tls_sni_count" "$T/gen.pcap" >"$T/sni.txt"
expect_eq "tls_sni_count exit" "$?" 0
if command -v tshark >/dev/null 2>&1; then
	tshark -n -r "$T/gen.pcap" -Y 'tcp && tls.handshake.type == 1' -T fields \
		-e tls.handshake.extensions_server_name 2>/dev/null |
		LC_ALL=C sort | uniq -c | LC_ALL=C sort -k1,1nr -k2,2 | awk '{print $1, $2}' >"$T/sni.want"
	[ "$(wc -l <"$T/sni.want")" -ge 5 ] || fail "tshark found few server names"
	same_bytes "tls_sni_count = tshark's ClientHellos per server name" "$T/sni.txt" "$T/sni.want"
else
	echo "note: tshark missing, generated-capture counts not cross-checked"
	[ -s "$T/sni.txt" ] || fail "tls_sni_count printed nothing"
fi

# ---- static linking: libconstrictor.a plus the .pc's private requirements ----
# (their shared libraries: a fully static libpcap would need libsystemd-dev)
private=$(pkg-config --print-requires-private constrictor | awk '{print $1}')
[ -n "$private" ] || fail "constrictor.pc has no Requires.private"
if cc -std=c17 "${EXTRA[@]}" "$CST_SRC/examples/tls_sni_count.c" $cflags \
	"$ROOT/lib/libconstrictor.a" $(pkg-config --libs $private) -o "$T/sni_static" 2>"$T/static.cc"; then
	ldd "$T/sni_static" | grep -q libconstrictor && fail "static build loads libconstrictor.so"
	"$T/sni_static" "$T/gen.pcap" >"$T/sni_static.txt"
	same_bytes "static build gives the same counts" "$T/sni_static.txt" "$T/sni.txt"
else
	cat "$T/static.cc"
	fail "static link with pkg-config --static"
fi

# ---- CMake package ---------------------------------------------------------
if cmake -S "$CST_SRC/tests/install/consumer" -B "$T/consumer" -DCMAKE_PREFIX_PATH="$ROOT" \
	-DEXAMPLES="$CST_SRC/examples" -DCMAKE_C_FLAGS="${EXTRA[*]}" >"$T/consumer.log" 2>&1 &&
	cmake --build "$T/consumer" >>"$T/consumer.log" 2>&1; then
	pass "find_package(constrictor) consumer builds"
	"$T/consumer/tls_sni_count" "$T/gen.pcap" >"$T/sni_cmake.txt"
	same_bytes "CMake-built example (shared)" "$T/sni_cmake.txt" "$T/sni.txt"
	"$T/consumer/tls_sni_count_static" "$T/gen.pcap" >"$T/sni_cmake_static.txt"
	same_bytes "CMake-built example (static)" "$T/sni_cmake_static.txt" "$T/sni.txt"
	grep -q "$ROOT" "$T/consumer/CMakeCache.txt" || fail "consumer did not use the staged package"
else
	cat "$T/consumer.log"
	fail "find_package(constrictor) consumer"
fi

finish
