#!/bin/bash
# Failures of `constrictor capture` are one line on stderr and exit status 1:
# unknown interface, bad filter expression, unwritable output, bad options,
# missing interface in an AFPacket config; no packet source is left open.
source "$CST_SRC/tests/lib.sh"

one_line_error "unknown interface" "no such interface: nosuch0" "$CST_BIN" capture -i nosuch0 -w "$T/x.pcap"
one_line_error "bad option value" "invalid value for -c" "$CST_BIN" capture -i lo -c abc
one_line_error "bad backend" "unknown --backend" "$CST_BIN" capture -i lo --backend foo
one_line_error "unknown option" "unknown or incomplete option" "$CST_BIN" capture -i lo --bogus
# joined option values and --opt=value (getopt_long; the AFPacket-form scan must not leave state behind)
one_line_error "joined -iIFACE" "no such interface: nosuch0" "$CST_BIN" capture -inosuch0 -c 1
one_line_error "--backend=value" "unknown --backend 'foo'" "$CST_BIN" capture -i lo --backend=foo

printf '[capture]\nbackend = recvmsg\n' >"$T/noif.ini"
one_line_error "config without interface" "^Configuration error: capture.interface is required for live capture.$" \
	"$CST_BIN" capture --config "$T/noif.ini"
printf '[capture]\nbackend = carrier_pigeon\n' >"$T/badbackend.ini"
one_line_error "config with a bad backend" "^Configuration error: .*unknown capture.backend value" \
	"$CST_BIN" capture --config "$T/badbackend.ini"

"$CST_BIN" capture --help >"$T/help" 2>&1
expect_eq "--help exit status" "$?" 0
grep -q -- "-i IFACE" "$T/help" && pass "--help prints the usage" || fail "--help: $(head -2 "$T/help")"

if [ "$(id -u)" != 0 ]; then
	echo "SKIP (partly): not root, the checks that open a packet socket are skipped"
	finish
fi
one_line_error "bad filter" "bad filter expression 'tcp port nonsense'" "$CST_BIN" capture -i lo -w "$T/x.pcap" tcp port nonsense
# --backend pcap (issue 19 item 3): libpcap's errors, one line naming the interface
one_line_error "pcap: unknown interface" "^constrictor capture: no such interface: nosuch0 (libpcap: " \
	"$CST_BIN" capture --backend pcap -i nosuch0 -w "$T/x.pcap"
one_line_error "pcap: bad filter" "bad filter expression 'tcp port nonsense'" \
	"$CST_BIN" capture --backend pcap -i lo -w "$T/x.pcap" tcp port nonsense
printf '[capture]\nbackend = pcap\ninterface = nosuch0\n' >"$T/pcapnoif.ini"
one_line_error "pcap from the config: unknown interface" "^Live capture error: no such interface: nosuch0 (libpcap: " \
	"$CST_BIN" capture --config "$T/pcapnoif.ini"
one_line_error "unwritable output" "cannot open output file $T/no/such/dir/x.pcap" "$CST_BIN" capture -i lo -w "$T/no/such/dir/x.pcap"
printf '[capture]\nring_block_size = 2048\nring_frame_size = 2048\n' >"$T/ring.ini"
one_line_error "bad ring layout" "ring_block_size 2048 is not a multiple of the page size" \
	"$CST_BIN" capture -i lo --duration 1 -c 1 --config "$T/ring.ini"
if command -v setpriv >/dev/null; then
	one_line_error "no CAP_NET_RAW" "Operation not permitted (run as root or grant CAP_NET_RAW)" \
		setpriv --bounding-set=-net_raw --inh-caps=-net_raw -- "$CST_BIN" capture -i lo -w "$T/x.pcap"
fi
[ -e "$T/x.pcap" ] && fail "an output file was created for a failed capture" || pass "no output file for failed captures"
finish
