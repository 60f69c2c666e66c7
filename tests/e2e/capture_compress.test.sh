#!/bin/bash
# Live capture with --compress (issue 18 item 4), in a pair of namespaces:
#  - zstd and gzip, PCAP and PCAPNG: every packet sent is in the file
#    (`zstd -dc x.zst | tshark -r -`, `tshark -r x.gz`), the file decodes to a
#    complete stream (gzip -t / zstd -t);
#  - while the capture runs, the file on disk (NAME.zst.part) decodes to whole
#    records after a once-a-second flush and after SIGUSR2: a crash leaves a
#    readable file; at the end it is renamed to NAME.zst;
#  - -C rotation with gzip: FILE.gz, FILE1.gz ..., each read by tshark,
#    packets across files = packets sent (-C counts uncompressed bytes);
#  - [output] compress in the AFPacket config form.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_root
need_tool python3
need_tool tshark
need_tool zstd
need_tool gzip
ns_setup

burst() { ip netns exec "$NS_A" python3 "$PCAPTOOL" burst "$IF_A" "$1" "$2"; }
decode() { case "$1" in *.zst) zstd -q -dc "$1" ;; *.gz) gzip -dc "$1" ;; esac; }
count() { decode "$1" 2>/dev/null | tshark -n -r - 2>/dev/null | wc -l; }

for m in zstd gzip; do
	suf=$([ "$m" = gzip ] && echo gz || echo zst)
	for fmt in pcap pcapng; do
		out="$T/$m.$fmt"
		cap_start "$T/$m.$fmt.log" -i "$IF_B" -w "$out" --format "$fmt" --compress "$m" \
			-c 200 udp port 9999 || fail "$m $fmt: start"
		burst 200 600
		cap_wait
		expect_eq "$m $fmt: exit" "$CAP_RC" 0
		[ -e "$out" ] && fail "$m $fmt: plain name written"
		expect_eq "$m $fmt: $m -dc | tshark -r -: every packet" "$(count "$out.$suf")" 200
		if [ "$m" = gzip ]; then
			expect_eq "gzip $fmt: tshark -r x.gz" "$(tshark -n -r "$out.gz" 2>/dev/null | wc -l)" 200
			gzip -t "$out.gz" && pass "gzip $fmt: complete stream" || fail "gzip $fmt: gzip -t"
		else
			zstd -q -t "$out.zst" && pass "zstd $fmt: complete stream" || fail "zstd $fmt: zstd -t"
		fi
	done
done

# a decodable prefix while running: after the timed flush, and after SIGUSR2
for m in zstd gzip; do
	suf=$([ "$m" = gzip ] && echo gz || echo zst)
	out="$T/live.$m.pcap"
	cap_start "$T/live.$m.log" -i "$IF_B" -w "$out" --compress "$m" udp port 9999 || fail "$m live: start"
	burst 100 500
	sleep 1.6 # past a once-a-second flush
	cp "$out.$suf.part" "$T/snap1.$suf" # written as NAME.part until complete
	n=$(decode "$T/snap1.$suf" 2>/dev/null | tshark -n -r - 2>/dev/null | wc -l)
	expect_eq "$m live: the file decodes to every packet so far (timed flush)" "$n" 100
	decode "$T/snap1.$suf" >/dev/null 2>&1 && fail "$m live: the stream is not ended yet, yet decodes clean" ||
		pass "$m live: the running file has no stream end (a reader says truncated)"
	"$CST_BIN" constrict "$T/snap1.$suf" -o "$T/snap1.out" 2>"$T/snap1.err"
	grep -q "truncated $m data" "$T/snap1.err" && pass "$m live: constrict reads it, says truncated" ||
		fail "$m live: constrict on the running file [$(head -c 300 "$T/snap1.err")]"
	expect_eq "$m live: constrict keeps every packet of it" \
		"$(tshark -n -r "$T/snap1.out" 2>/dev/null | wc -l)" 100
	burst 50 500
	sleep 0.3
	kill -USR2 "$CAP_PID"
	sleep 0.3
	cp "$out.$suf.part" "$T/snap2.$suf"
	expect_eq "$m live: after SIGUSR2" "$(decode "$T/snap2.$suf" 2>/dev/null | tshark -n -r - 2>/dev/null | wc -l)" 150
	kill -INT "$CAP_PID"
	cap_wait
	expect_eq "$m live: exit" "$CAP_RC" 0
	expect_eq "$m live: all packets at the end" "$(count "$out.$suf")" 150
	[ -e "$out.$suf.part" ] && fail "$m live: the partial name is left" || pass "$m live: renamed to $(basename "$out.$suf")"
done

# -C with gzip
d="$T/rot" && mkdir -p "$d"
cap_start "$T/rot.log" -i "$IF_B" -w "$d/r.pcap" -C 50k -c 300 --compress gzip udp port 9999 || fail "-C: start"
burst 300 1000
cap_wait
expect_eq "-C gzip: exit" "$CAP_RC" 0
n=$(ls "$d" | wc -l)
[ "$n" -ge 6 ] && pass "-C 50k gzip: $n files" || fail "-C 50k gzip: $n files"
[ -e "$d/r.pcap.gz" ] && [ -e "$d/r.pcap1.gz" ] && [ "$(ls "$d" | grep -vc '\.gz$')" = 0 ] &&
	pass "-C gzip: names r.pcap.gz, r.pcap1.gz ..." || fail "-C gzip: names $(ls "$d" | xargs)"
total=0
for f in "$d"/*; do
	c=$(tshark -n -r "$f" 2>"$T/ts.err" | wc -l)
	grep -v 'Running as user' "$T/ts.err" | grep -q . && fail "-C gzip: tshark on $f: $(head -1 "$T/ts.err")"
	total=$((total + c))
done
expect_eq "-C gzip: packets across files" "$total" 300

# the AFPacket config form: [output] compress
printf '[capture]\ninterface = %s\noutput = %s\nmax_packets = 50\n[output]\ncompress = zstd\n' \
	"$IF_B" "$T/cfg.pcap" >"$T/cfg.ini"
ip netns exec "$NS_B" "$CST_BIN" capture --config "$T/cfg.ini" >"$T/cfg.log" 2>&1 &
CAP_PID=$!
NS_PIDS="$NS_PIDS $CAP_PID"
for i in $(seq 50); do grep -q "Press Ctrl+C\|listening" "$T/cfg.log" && break; sleep 0.1; done
burst 50 400
cap_wait
expect_eq "config form: exit" "$CAP_RC" 0
expect_eq "config form: [output] compress = zstd" "$(count "$T/cfg.pcap.zst")" 50
finish
