#!/bin/bash
# constrict's output options (issue 18 items 1-3): -C/-G/-W rotation (-G by
# the packets' own time), [output] keys, complete-file names (.part while
# written, renamed at rotation, end and signal; leftovers warned), -z once
# per completed file without blocking (failures logged, --post-rotate-jobs),
# -F / the output's extension converting PCAP <-> PCAPNG.  Every file is
# read by tshark; packets summed equal the unrotated output's, none twice.
source "$CST_SRC/tests/lib.sh"
need_tool python3
need_tool tshark
B="$CST_BIN"
cd "$T" || exit 1

python3 "$CST_SRC/tools/gencap.py" "$T/in.pcap" --packets 3000 --seed 7 >/dev/null 2>&1 || fail "gencap"
# slow.pcap: 600 UDP packets 50 ms apart (30 s of packet time), from 1750000003.5
python3 - "$T/slow.pcap" <<'PY'
import struct, sys
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
t0 = 1750000003500000  # µs
for i in range(600):
    payload = bytes([i & 0xFF]) * (60 + (i * 37) % 900)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(payload), i & 0xFFFF, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    udp = struct.pack("!HHHH", 40000 + i % 7, 9999, 8 + len(payload), 0)
    frame = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp + payload
    t = t0 + i * 50000
    out.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(frame), len(frame)) + frame)
PY

# fields FILE: length, captured length, time of each packet (tshark); a
# complaint of tshark's about the file is a failure
fields() {
	tshark -n -r "$1" -T fields -e frame.len -e frame.cap_len -e frame.time_epoch 2>"$T/ts.err"
	grep -v 'Running as user' "$T/ts.err" | grep -q . && fail "tshark on $1: $(head -1 "$T/ts.err")"
	return 0
}
count() { fields "$1" | wc -l; }
# same_packets RUN REF FILES...: tshark reads every file, and the files, in
# order, hold REF's packets: same lengths and timestamps, none missing, none
# in two files (a time in two files that REF has once)
same_packets() {
	local ref="$2" f
	shift 2
	for f in "$@"; do fields "$f" | sed "s|^|$f\t|"; done >"$T/got.ft"
	cut -f2- "$T/got.ft" >"$T/got.txt"
	fields "$ref" >"$T/want.txt"
	[ -s "$T/want.txt" ] || fail "$RUN: reference has no packets"
	if cmp -s "$T/got.txt" "$T/want.txt"; then pass "$RUN: $# file(s) hold the unrotated output's packets, in order"; else
		fail "$RUN: packets differ ($(wc -l <"$T/got.txt") vs $(wc -l <"$T/want.txt"))"; fi
	# times found in two files must be times REF itself holds more than once
	cut -f1,4 "$T/got.ft" | sort -u | cut -f2 | sort | uniq -d >"$T/cross.txt"
	cut -f3 "$T/want.txt" | sort | uniq -d >"$T/dup.txt"
	expect_eq "$RUN: no packet in two files" "$(comm -23 "$T/cross.txt" "$T/dup.txt" | head -1)" ""
}
no_part() { expect_eq "$RUN: no partial file left" "$(ls "$1" | grep -c 'part$')" 0; }

"$B" constrict in.pcap -o ref.pcap || fail "reference run"
"$B" constrict slow.pcap -o slowref.pcap || fail "slow reference run"

# --- -C: FILE, FILE1 ...; the split is byte for byte the unrotated output ---------
RUN="-C 300k" && mkdir c && "$B" constrict -q in.pcap -o c/r.pcap -C 300k 2>c.err
expect_eq "$RUN: exit, quiet" "$?:$(cat c.err)" "0:"
files=$(ls c | sort -V | sed 's|^|c/|')
n=$(echo "$files" | wc -l)
[ "$n" -ge 5 ] && pass "$RUN: $n files" || fail "$RUN: $n files"
expect_eq "$RUN: names" "$(ls c | sort -V | head -2 | xargs) $(ls c | sort -V | tail -1)" "r.pcap r.pcap1 r.pcap$((n - 1))"
expect_eq "$RUN: no file above 300 KiB" "$(find c -size +307200c | wc -l)" 0
same_packets "$RUN" ref.pcap $files
{ head -c 24 ref.pcap; for f in $files; do tail -c +25 "$f"; done; } >c.cat
same_bytes "$RUN: header + records of all files = the unrotated output" c.cat ref.pcap
no_part c

# --- -C -W 3: a ring of three, the oldest deleted, the last packet kept ----------
RUN="-C -W 3" && mkdir w && "$B" constrict in.pcap -o w/r.pcap -C 300k -W 3 2>/dev/null
expect_eq "$RUN: three files" "$(ls w | xargs)" "r.pcap0 r.pcap1 r.pcap2"
last=$(fields ref.pcap | tail -1)
for f in w/*; do fields "$f"; done | grep -qxF "$last" && pass "$RUN: the last packet is in the ring" || fail "$RUN: last packet lost"
kept=$(for f in w/*; do count "$f"; done | paste -sd+ | bc)
[ "$kept" -gt 0 ] && [ "$kept" -lt 3000 ] && pass "$RUN: $kept of 3000 packets kept" || fail "$RUN: $kept packets"

# --- -G by packet time: a file per 10 s of packet time, named by strftime ---------
RUN="-G 10" && mkdir g && "$B" constrict slow.pcap -o 'g/t-%s.pcap' -G 10 2>/dev/null
expect_eq "$RUN: exit" "$?" 0
# 1750000003.5 .. 1750000033.45: periods start at 3.5, 13.5, 23.5, 33.5 (the first packet's second)
expect_eq "$RUN: files named by the packets' time" "$(ls g | xargs)" \
	"t-1750000003.pcap t-1750000013.pcap t-1750000023.pcap t-1750000033.pcap"
same_packets "$RUN" slowref.pcap $(ls g | sed 's|^|g/|')
expect_eq "$RUN: 200 packets in a full period" "$(count g/t-1750000013.pcap)" 200
no_part g

# --- -G -W 2: stops after two files, says so -------------------------------------
RUN="-G -W 2" && mkdir gw && "$B" constrict slow.pcap -o 'gw/t-%s.pcap' -G 10 -W 2 2>gw.err
expect_eq "$RUN: exit" "$?" 0
expect_eq "$RUN: two files" "$(ls gw | wc -l)" 2
grep -q "stopped after 2 files" gw.err && pass "$RUN: says why" || fail "$RUN: $(cat gw.err)"

# --- the [output] keys do the same as the options ---------------------------------
RUN="[output] keys" && mkdir k
printf '[output]\nrotate_seconds = 10\nmax_files = 3\n' >k.ini
"$B" constrict slow.pcap -o 'k/t-%s.pcap' --config k.ini 2>/dev/null
expect_eq "$RUN: rotate_seconds and max_files" "$(ls k | wc -l)" 3
mkdir k2 && printf '[output]\nrotate_size_mb = 1\n' >k2.ini
"$B" constrict in.pcap -o k2/r.pcap --config k2.ini 2>/dev/null
expect_eq "$RUN: rotate_size_mb" "$(ls k2 | xargs)" "r.pcap r.pcap1"
same_packets "$RUN" ref.pcap k2/r.pcap k2/r.pcap1
printf '[output]\nrotate_size_mb = x\n' >bad.ini
"$B" constrict in.pcap -o k2/z.pcap --config bad.ini 2>bad.err && fail "bad key accepted"
grep -q "invalid value for output.rotate_size_mb" bad.err && pass "bad [output] value refused" || fail "bad key: $(cat bad.err)"

# --- leftover partial files are reported, one line each ---------------------------
RUN="leftovers" && mkdir l && touch l/r.pcap7.part l/r.pcap.part l/other.part l/r.pcap.Ab12Cd.part
"$B" constrict in.pcap -o l/r.pcap -C 1000k 2>l.err
expect_eq "$RUN: one warning per leftover (not other.part)" "$(grep -c 'partial file left by an earlier run' l.err)" 3
grep -q "partial file left by an earlier run: l/r.pcap7.part$" l.err && pass "$RUN: named" || fail "$RUN: $(cat l.err)"
mkdir l2 && touch l2/o.pcap.Ab12Cd.part
"$B" constrict -q in.pcap -o l2/o.pcap 2>l2.err
expect_eq "$RUN: unrotated output: the offline temporary name" "$(cat l2.err)" \
	"constrictor constrict: warning: partial file left by an earlier run: l2/o.pcap.Ab12Cd.part"

# --- partial names: NAME.part while written, --part-prefix . / --part-suffix ------
RUN="partial names"
mkfifo p.fifo
{ head -c 1500000 in.pcap; sleep 1.5; tail -c +1500001 in.pcap; } >p.fifo &
mkdir p && "$B" constrict p.fifo -o p/r.pcap -C 500k --part-prefix . --part-suffix .tmp 2>p.err &
pid=$!
sleep 0.8
seen=$(ls -a p | grep -c '^\.r\.pcap[0-9]*\.tmp$')
wait $pid
expect_eq "$RUN: exit" "$?" 0
expect_eq "$RUN: a hidden .NAME.tmp while written" "$seen" 1
expect_eq "$RUN: all renamed at the end" "$(ls -a p | grep -c tmp)" 0
same_packets "$RUN" ref.pcap $(ls p | sort -V | sed 's|^|p/|')
"$B" constrict in.pcap -o p/x.pcap -C 50k --part-suffix a/b 2>ps.err && fail "a '/' in --part-suffix accepted"
grep -q "invalid value for --part-suffix" ps.err && pass "--part-suffix with '/' refused" || fail "$(cat ps.err)"

# --- SIGINT and SIGTERM: the files so far are complete, none left .part -----------
for sig in INT TERM; do
	RUN="SIG$sig" && rm -f s.fifo && mkfifo s.fifo && mkdir "s$sig"
	{ head -c 1500000 in.pcap; sleep 3; } >s.fifo &
	writer=$!
	"$B" constrict s.fifo -o "s$sig/r.pcap" -C 300k 2>"s$sig.err" &
	pid=$!
	sleep 1
	kill -"$sig" $pid
	wait $pid
	rc=$?
	kill $writer 2>/dev/null
	wait $writer 2>/dev/null
	[ "$rc" -gt 128 ] && pass "$RUN: interrupted (exit $rc)" || fail "$RUN: exit $rc"
	grep -q "the files written so far are complete" "s$sig.err" && pass "$RUN: says so" || fail "$RUN: $(cat "s$sig.err")"
	no_part "s$sig"
	n=$(for f in "s$sig"/*; do count "$f"; done | paste -sd+ | bc)
	[ "$n" -gt 1000 ] && pass "$RUN: $n packets in complete files" || fail "$RUN: $n packets"
done

# --- -z: once per completed file; failures logged, the run goes on ---------------
printf '#!/bin/sh\necho "$1" >>"%s/z.log"\n' "$T" >z.sh && chmod +x z.sh
RUN="-z" && mkdir z && "$B" constrict -q in.pcap -o z/r.pcap -C 300k -z "$T/z.sh" 2>z.err
expect_eq "$RUN: exit, no complaint" "$?:$(grep -v 'waiting up to 30 s' z.err)" "0:"
expect_eq "$RUN: ran once on each completed file" "$(sort z.log | xargs)" "$(ls z | sed 's|^|z/|' | sort | xargs)"
rm -f z.log && mkdir z1 && "$B" constrict in.pcap -o z1/one.pcap -z "$T/z.sh" 2>/dev/null
expect_eq "$RUN: unrotated output: once, on the committed name" "$(cat z.log)" "z1/one.pcap"
RUN="-z false" && mkdir zf && "$B" constrict in.pcap -o zf/r.pcap -C 300k -z false 2>zf.err
expect_eq "$RUN: exit" "$?" 0
nf=$(ls zf | wc -l)
expect_eq "$RUN: one failure line per file" "$(grep -c "post-rotate command 'false zf/r.pcap[0-9]*' exited with status 1$" zf.err)" "$nf"
same_packets "$RUN" ref.pcap $(ls zf | sort -V | sed 's|^|zf/|')
"$B" constrict in.pcap -o zf/n.pcap -z /no/such/cmd 2>zn.err
expect_eq "$RUN: a command that cannot start: exit 0" "$?" 0
grep -q "could not start: No such file or directory" zn.err && pass "-z: start failure logged" || fail "$(cat zn.err)"
# --post-rotate-jobs 1: never two at once (start/end lines alternate), the rest queued, waited for
printf '#!/bin/sh\necho "start $1" >>"%s/j.log"\nsleep 0.3\necho "end $1" >>"%s/j.log"\n' "$T" "$T" >j.sh && chmod +x j.sh
RUN="--post-rotate-jobs 1" && mkdir j && "$B" constrict in.pcap -o j/r.pcap -C 500k -z "$T/j.sh" --post-rotate-jobs 1 2>j.err
nj=$(ls j | wc -l)
expect_eq "$RUN: every file handed over" "$(grep -c '^end' j.log)" "$nj"
expect_eq "$RUN: one at a time" "$(cut -d' ' -f1 j.log | uniq -c | awk '$1 != 1' | wc -l)" 0
grep -q "waiting up to 30 s for [0-9]* post-rotate command(s) to finish" j.err && pass "$RUN: the wait at exit is said" || fail "$RUN: $(cat j.err)"
rm -f j.log && mkdir j3 && "$B" constrict in.pcap -o j3/r.pcap -C 500k -z "$T/j.sh" --post-rotate-jobs 3 2>/dev/null
[ "$(cut -d' ' -f1 j.log | uniq -c | awk '$1 > 1' | wc -l)" -gt 0 ] && pass "--post-rotate-jobs 3: several at once" || fail "--post-rotate-jobs 3: $(cat j.log)"

# --- -F and the output's extension: PCAP <-> PCAPNG, same packets -----------------
RUN="-F pcapng" && "$B" constrict in.pcap -o f1.out -F pcapng
expect_eq "$RUN: PCAPNG written" "$(od -An -tx1 -N4 f1.out | xargs)" "0a 0d 0d 0a"
same_packets "$RUN" ref.pcap f1.out
RUN="extension .pcapng" && "$B" constrict in.pcap -o f2.pcapng
same_bytes "$RUN: as -F pcapng" f2.pcapng f1.out
expect_eq "$RUN: if_tsresol 6 for a µs PCAP" "$(capinfos f2.pcapng 2>/dev/null | grep -c 'Time precision = microseconds (6)')" 1
RUN="back to PCAP" && "$B" constrict f2.pcapng -o f3.pcap
same_bytes "$RUN: PCAP -> PCAPNG -> PCAP gives the PCAP output" f3.pcap ref.pcap
RUN="no extension" && "$B" constrict in.pcap -o f4.out
same_bytes "$RUN: the input's format, as before" f4.out ref.pcap
RUN="-F pcap wins over .pcapng" && "$B" constrict in.pcap -o f5.pcapng -F pcap
same_bytes "$RUN" f5.pcapng ref.pcap
RUN="nanosecond PCAP" && editcap -F nsecpcap in.pcap ns.pcap 2>/dev/null && "$B" constrict ns.pcap -o nsref.pcap && "$B" constrict ns.pcap -o ns.pcapng
expect_eq "$RUN: if_tsresol 9" "$(capinfos ns.pcapng 2>/dev/null | grep -c 'Time precision = nanoseconds (9)')" 1
same_packets "$RUN" nsref.pcap ns.pcapng
RUN="-F rotation pcap->pcapng" && mkdir fr && "$B" constrict in.pcap -o fr/r.pcapng -C 300k
same_packets "$RUN" ref.pcap $(ls fr | sort -V | sed 's|^|fr/|')
"$B" constrict in.pcap -o f6.pcap -F pcapx 2>f6.err && fail "-F pcapx accepted"
grep -q "invalid value for -F: 'pcapx' (pcap|pcapng)" f6.err && pass "-F pcapx refused" || fail "$(cat f6.err)"

# PCAPNG input: comments dropped with a count; two link types refused naming the file
editcap -a 1:hello -a 5:world ref.pcap cm.pcapng 2>/dev/null
RUN="PCAPNG -> PCAP" && "$B" constrict cm.pcapng -o cm.pcap 2>cm.err
expect_eq "$RUN: exit" "$?" 0
grep -q "no place for 0 PCAPNG block(s) .* and the options of 2 packet(s)" cm.err && pass "$RUN: dropped comments counted" || fail "$RUN: $(cat cm.err)"
same_packets "$RUN" ref.pcap cm.pcap
editcap -T rawip ref.pcap raw.pcap 2>/dev/null && mergecap -F pcapng -w two.pcapng ref.pcap raw.pcap 2>/dev/null
"$B" constrict two.pcapng -o two.pcap 2>two.err
expect_eq "$RUN: two link types: exit" "$?" 1
grep -q "^error: two.pcapng: PCAPNG input has interfaces of link types 1 and 101; classic PCAP holds one link type" two.err &&
	pass "$RUN: two link types refused, file named" || fail "$RUN: $(cat two.err)"
expect_eq "$RUN: nothing left behind" "$(ls | grep -c '^two\.pcap$\|^two\.pcap.*part$')" 0
RUN="PCAPNG rotation" && mkdir nr && "$B" constrict cm.pcapng -o nr/r.pcapng -C 300k
same_packets "$RUN" cm.pcapng $(ls nr | sort -V | sed 's|^|nr/|')
expect_eq "$RUN: comments kept" "$(for f in nr/*; do tshark -n -r "$f" -T fields -e frame.comment 2>/dev/null; done | grep -c .)" 2

# --- reinflate keeps its options ---------------------------------------------------
"$B" reinflate ref.pcap -o ri.pcap -C 10 2>ri.err && fail "reinflate -C accepted"
grep -q "supported only with constrict mode" ri.err && pass "reinflate: -C refused" || fail "$(cat ri.err)"
finish
