#!/bin/bash
# `capture --workers` (issue 19) refuses what it cannot do, with one line on
# stderr naming the option and exit status 1, before any socket is opened
# (no root needed): out-of-range counts, -r, the recvmsg backend, "%w"
# without workers, and a bad [capture] workers value in a config file.
source "$CST_SRC/tests/lib.sh"

one_line_error "zero workers" "invalid value for --workers: '0'" "$CST_BIN" capture -i lo --workers 0
one_line_error "too many workers" "invalid value for --workers: '257'" "$CST_BIN" capture -i lo --workers 257
one_line_error "not a number" "invalid value for --workers: 'two'" "$CST_BIN" capture -i lo --workers two
one_line_error "workers with -r" "--workers needs a live interface" \
	"$CST_BIN" capture -r /dev/null --workers 2 -w "$T/x.pcap"
one_line_error "workers with recvmsg" "--workers needs the tpacket_v3 backend" \
	"$CST_BIN" capture -i lo --workers 2 --backend recvmsg
one_line_error "%w without workers" "-w name with %w needs --workers 2 or more" \
	"$CST_BIN" capture -i lo -w "$T/x%w.pcap"
printf '[capture]\nworkers = 0\n' >"$T/w0.ini"
one_line_error "config workers = 0" "capture.workers" "$CST_BIN" capture -i lo --config "$T/w0.ini"
expect_eq "usage names --workers" "$("$CST_BIN" capture --help | grep -c -- '--workers N')" 2
finish
