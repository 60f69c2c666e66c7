#!/bin/bash
# Live capture, issue 18 items 2-3: the file being written is NAME.part and
# is renamed when complete (rotation, clean stop, SIGINT/SIGTERM); leftover
# .part files are reported at start; -z runs once per completed file and a
# failing command does not stop the capture; -W keeps at most N files; -F
# and the -w extension choose the format (capture -r converts too).  Each
# file is read by tshark; packets summed equal packets captured, none twice.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool python3
need_tool tshark
need_fixtures
ns_setup

fields() { tshark -n -r "$1" -T fields -e frame.len -e frame.cap_len -e frame.time_epoch 2>/dev/null; }
# check_files NAME DIR LOG: every file read by tshark, packets summed = packets
# captured, no timestamp in two files (each test packet has its own time)
check_files() {
	local f n=0 c
	for f in "$2"/*; do
		tshark -n -r "$f" >/dev/null 2>"$T/ts.err" || fail "$1: tshark on $f: $(head -1 "$T/ts.err")"
		c=$(fields "$f" | tee "$f.fields" | wc -l)
		sed "s|^|$(basename "$f")\t|" "$f.fields" >>"$T/$1.all"
		rm -f "$f.fields"
		n=$((n + c))
	done
	expect_eq "$1: packets across files = packets captured" "$n" "$(stat_of "$3" "packets captured")"
	expect_eq "$1: no packet in two files" "$(cut -f1,4 "$T/$1.all" | sort -u | cut -f2 | sort | uniq -d | head -1)" ""
	expect_eq "$1: no partial file left" "$(ls -a "$2" | grep -c 'part$')" 0
}
STREAM_GAP=0.005 # frames every 5 ms
printf '#!/bin/sh\necho "$1" >>"%s/z.log"\n' "$T" >"$T/z.sh" && chmod +x "$T/z.sh"

# --- -C while running: NAME.part being written; SIGINT / SIGTERM: all renamed -----
for sig in INT TERM; do
	d="$T/sig$sig" && mkdir -p "$d"
	stream 100000
	cap_start "$d.log" -i "$IF_B" -w "$d/r.pcap" -C 4k -z "$T/z.sh" udp port 9999 || fail "SIG$sig: start"
	# until two files are complete (a loaded machine may take longer)
	for _ in $(seq 150); do [ "$(ls "$d" | grep -c '^r\.pcap[0-9]*$')" -ge 2 ] && break; sleep 0.1; done
	parts=$(ls "$d" | grep -c '^r\.pcap[0-9]*\.part$')
	[ "$parts" -ge 1 ] && pass "SIG$sig: the file being written is named .part" || fail "SIG$sig: $(ls "$d" | xargs)"
	kill -"$sig" "$CAP_PID"
	cap_wait
	stream_stop
	expect_eq "SIG$sig: clean exit" "$CAP_RC" 0
	n=$(ls "$d" | wc -l)
	[ "$n" -ge 3 ] && pass "SIG$sig: $n files" || fail "SIG$sig: $n files"
	check_files "sig$sig" "$d" "$d.log"
	# -z: once on every completed file, the last one included
	expect_eq "SIG$sig: -z ran once per file" "$(grep "/sig$sig/" "$T/z.log" | sort | xargs)" "$(ls "$d" | sed "s|^|$d/|" | sort | xargs)"
done

# --- -c (end of the run) with -W 3: the ring holds at most 3 files ----------------
d="$T/ring" && mkdir -p "$d"
cap_start "$d.log" -i "$IF_B" -w "$d/r.pcap" -C 20k -W 3 -c 300 udp port 9999 || fail "ring: start"
inA python3 "$PCAPTOOL" burst "$IF_A" 300 500
cap_wait
expect_eq "ring: exit" "$CAP_RC" 0
expect_eq "ring: three complete files, the oldest deleted" "$(ls "$d" | xargs)" "r.pcap0 r.pcap1 r.pcap2"
last=$(for f in "$d"/*; do tshark -n -r "$f" -T fields -e data.data 2>/dev/null; done | cut -c1-8 | sort | tail -1)
expect_eq "ring: the last packet is in the ring" "$last" "0000012b"

# --- -G 1 by time, stopped by --duration: every file renamed ------------------------
d="$T/time" && mkdir -p "$d"
stream 100000
cap_start "$d.log" -i "$IF_B" -w "$d/t-%s.pcap" -G 1 --duration 3 udp port 9999 || fail "-G: start"
cap_wait
stream_stop
n=$(ls "$d" | grep -c '^t-[0-9]*\.pcap$')
[ "$n" -ge 2 ] && pass "-G 1: $n files named by time" || fail "-G 1: $(ls "$d" | xargs)"
check_files "time" "$d" "$d.log"

# --- leftovers from a killed run are reported at the next start ---------------------
d="$T/left" && mkdir -p "$d"
cap_start "$d.log" -i "$IF_B" -w "$d/k.pcap" -C 20k udp port 9999 || fail "kill -9: start"
sleep 0.5
kill -9 "$CAP_PID"
cap_wait
expect_eq "kill -9: the file keeps its partial name" "$(ls "$d" | xargs)" "k.pcap.part"
cap_start "$d.2.log" -i "$IF_B" -w "$d/k.pcap" -C 20k -c 1 udp port 9999 || fail "after kill -9: start"
inA python3 "$PCAPTOOL" burst "$IF_A" 1 100
cap_wait
expect_eq "leftover reported at start, once" \
	"$(grep -c "^constrictor capture: warning: partial file left by an earlier run: $d/k.pcap.part$" "$d.2.log")" 1

# --- -z failing: logged per file, the capture goes on ------------------------------
d="$T/zfail" && mkdir -p "$d"
cap_start "$d.log" -i "$IF_B" -w "$d/r.pcap" -C 20k -c 300 -z false udp port 9999 || fail "-z false: start"
inA python3 "$PCAPTOOL" burst "$IF_A" 300 500
cap_wait
expect_eq "-z false: exit" "$CAP_RC" 0
n=$(ls "$d" | wc -l)
expect_eq "-z false: one line per file" "$(grep -c "post-rotate command 'false $d/r.pcap[0-9]*' exited with status 1$" "$d.log")" "$n"
check_files "zfail" "$d" "$d.log"

# --- -F / the -w extension: the format written ------------------------------------
d="$T/fmt" && mkdir -p "$d"
cap_start "$d.log" -i "$IF_B" -w "$d/x.pcapng" -c 20 udp port 9999 || fail "-w x.pcapng: start"
inA python3 "$PCAPTOOL" burst "$IF_A" 20 300
cap_wait
expect_eq "-w x.pcapng: PCAPNG written" "$(od -An -tx1 -N4 "$d/x.pcapng" | xargs)" "0a 0d 0d 0a"
expect_eq "-w x.pcapng: 20 packets" "$(fields "$d/x.pcapng" | wc -l)" 20
cap_start "$d.2.log" -i "$IF_B" -w "$d/y.pcapng" -F pcap -c 5 udp port 9999 || fail "-F pcap: start"
inA python3 "$PCAPTOOL" burst "$IF_A" 5 300
cap_wait
expect_eq "-F pcap wins over the extension" "$(od -An -tx1 -N4 "$d/y.pcapng" | xargs)" "4d 3c b2 a1"
IN="$FIX/quic_test_2/input.pcap"
"$CST_BIN" capture -r "$IN" -w "$d/r.pcap" 2>/dev/null
"$CST_BIN" capture -r "$IN" -w "$d/r.pcapng" 2>/dev/null
"$CST_BIN" capture -r "$d/r.pcap" -w "$d/rr0.pcap" 2>/dev/null
"$CST_BIN" capture -r "$d/r.pcapng" -w "$d/rr.pcap" 2>/dev/null
expect_eq "capture -r: .pcapng written as PCAPNG" "$(od -An -tx1 -N4 "$d/r.pcapng" | xargs)" "0a 0d 0d 0a"
[ "$(fields "$d/r.pcap" | wc -l)" -gt 10 ] && pass "capture -r: packets written" || fail "capture -r: no packets"
expect_eq "capture -r: PCAP -> PCAPNG, same packets" "$(fields "$d/r.pcapng" | md5sum)" "$(fields "$d/r.pcap" | md5sum)"
expect_eq "capture -r: PCAPNG -> PCAP, same packets" "$(fields "$d/rr.pcap" | md5sum)" "$(fields "$d/rr0.pcap" | md5sum)"
finish
