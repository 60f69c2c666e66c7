#!/bin/bash
# Format round trips through the CLI: classic PCAP little/big-endian x
# micro/nanoseconds, PCAPNG little/big-endian, and a file of two sections of
# different byte order.  Inputs are made with editcap (LE) and
# tests/format/byteswap.py (BE).  With TLS/QUIC analysis off each output is
# byte-identical to its input, tshark reads it, and tshark sees the same
# timestamps and lengths as in the original.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool tshark
need_tool editcap
need_tool python3

KEEP="$T/keep_all.ini"
printf '[tls]\nenabled = false\n[quic]\nenabled = false\n' >"$KEEP"
SWAP="$CST_SRC/tests/format/byteswap.py"

fields() {
	tshark -n -r "$1" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len -e frame.protocols 2>/dev/null
}

check_variant() { # NAME FILE REFERENCE
	local out="$T/out_$1"
	if "$CST_BIN" constrict "$2" -o "$out" --config "$KEEP" 2>"$out.err"; then
		pass "$1 constrict"
	else
		fail "$1 constrict: $(cat "$out.err")"
	fi
	same_bytes "$1 byte-identical" "$2" "$out"
	tshark_reads "$out"
	expect_eq "$1 frames as the reference" "$(fields "$out" | md5sum)" "$(fields "$3" | md5sum)"
}

for src in single/tls_test_1.pcap single/quic_test_1.pcap tls_test_2/input.pcap; do
	in="$FIX/$src"
	[ -f "$in" ] || { fail "missing fixture $src"; continue; }
	base=$(echo "$src" | tr / _)
	editcap -F pcap "$in" "$T/le_us_$base" || fail "editcap pcap $src"
	editcap -F nsecpcap "$in" "$T/le_ns_$base" || fail "editcap nsecpcap $src"
	python3 "$SWAP" "$T/le_us_$base" "$T/be_us_$base" || fail "byteswap $src"
	python3 "$SWAP" "$T/le_ns_$base" "$T/be_ns_$base" || fail "byteswap ns $src"
	expect_eq "$base BE magic" "$(head -c4 "$T/be_ns_$base" | od -An -tx1 | tr -d ' ')" "a1b23c4d"
	editcap -F pcapng "$in" "$T/le_$base.pcapng" || fail "editcap pcapng $src"
	python3 "$SWAP" "$T/le_$base.pcapng" "$T/be_$base.pcapng" || fail "byteswap pcapng $src"
	for v in le_us le_ns be_us be_ns; do
		check_variant "${v}_$base" "$T/${v}_$base" "$in"
	done
	check_variant "le_$base.pcapng" "$T/le_$base.pcapng" "$in"
	check_variant "be_$base.pcapng" "$T/be_$base.pcapng" "$in"
done

# Several sections of both byte orders, several interfaces, in one file.
ng="$FIX/single/tls_quic_test_1.pcapng"
python3 "$SWAP" "$ng" "$T/be_fixture.pcapng" || fail "byteswap fixture pcapng"
check_variant "be_fixture.pcapng" "$T/be_fixture.pcapng" "$ng"
cat "$T/le_single_tls_test_1.pcap.pcapng" "$T/be_fixture.pcapng" "$T/le_single_quic_test_1.pcap.pcapng" >"$T/multi.pcapng"
mergecap -a -F pcapng -w "$T/ref_multi.pcapng" "$T/le_single_tls_test_1.pcap.pcapng" "$ng" \
	"$T/le_single_quic_test_1.pcap.pcapng" 2>/dev/null || fail "mergecap"
check_variant "multi-section.pcapng" "$T/multi.pcapng" "$T/ref_multi.pcapng"
"$CST_BIN" constrict "$T/multi.pcapng" -o "$T/multi_stats.pcapng" --config "$KEEP" --stats >"$T/multi.stats" 2>&1
expect_eq "multi-section EPB count" "$(grep '^pcapng enhanced packets:' "$T/multi.stats")" "pcapng enhanced packets: $((17 + 65 + 16))"
finish
