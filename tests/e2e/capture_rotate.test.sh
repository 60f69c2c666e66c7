#!/bin/bash
# Unattended recording as tcpdump does it: -C size rotation (FILE, FILE1 ...;
# with -W a ring FILE0..FILE<N-1>), -G time rotation with a strftime name (and
# -W as a file count limit), each file complete (tshark reads it; pcapng ones
# carry SHB, IDB and a closing ISB), no packet lost across files, -U writes
# each batch at once, -Z hands every file to another user.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool python3
need_tool tshark
ns_setup

count_in() { tshark -n -r "$1" 2>/dev/null | wc -l; }
# sum_files FILES...: packets across the files; tshark must read each without a complaint
sum_files() {
	local f n=0 c
	for f in "$@"; do
		c=$(tshark -n -r "$f" 2>"$T/tshark.err" | wc -l)
		grep -v 'Running as user' "$T/tshark.err" | grep -q . && echo "tshark on $f: $(head -1 "$T/tshark.err")" >&2 && c=-100000
		n=$((n + c))
	done
	echo "$n"
}
burst() { inA python3 "$PCAPTOOL" burst "$IF_A" "$1" "$2"; }

# -C without -W: FILE, FILE1, FILE2 ... all kept; 300 x 1000 bytes over 50 KiB files
for be in recvmsg tpacket_v3; do
	d="$T/size.$be" && mkdir -p "$d"
	cap_start "$d.log" -i "$IF_B" -w "$d/s.pcap" -C 50k -c 300 --backend "$be" udp port 9999 || fail "$be -C start"
	burst 300 1000
	cap_wait
	expect_eq "$be -C: exit status" "$CAP_RC" 0
	expect_eq "$be -C: first file keeps the -w name" "$(ls "$d" | head -1)" "s.pcap"
	n=$(ls "$d" | wc -l)
	[ "$n" -ge 6 ] && pass "$be -C 50k: $n files" || fail "$be -C 50k: only $n files"
	expect_eq "$be -C: names" "$(ls "$d" | sort -V | tail -1)" "s.pcap$((n - 1))"
	expect_eq "$be -C: packets across files = packets sent" "$(sum_files "$d"/*)" 300
	big=$(find "$d" -type f -size +51200c | wc -l)
	expect_eq "$be -C: no file above 50 KiB" "$big" 0
done

# -C with -W 3: a ring of s.pcap0..2, the newest packet in it, older ones overwritten
d="$T/ring" && mkdir -p "$d"
cap_start "$d.log" -i "$IF_B" -w "$d/r.pcapng" --format pcapng -C 30k -W 3 -c 300 udp port 9999 || fail "ring start"
burst 300 1000
cap_wait
expect_eq "ring: exit status" "$CAP_RC" 0
expect_eq "ring: three files" "$(ls "$d" | xargs)" "r.pcapng0 r.pcapng1 r.pcapng2"
n=$(sum_files "$d"/*)
[ "$n" -gt 0 ] && [ "$n" -lt 300 ] && pass "ring: $n packets kept of 300" || fail "ring: $n packets"
last=$(for f in "$d"/*; do tshark -n -r "$f" -T fields -e data.data 2>/dev/null; done | cut -c1-8 | sort | tail -1)
expect_eq "ring: the last packet is in the ring" "$last" "0000012b"
for f in "$d"/*; do
	python3 "$PCAPTOOL" info "$f" >"$f.info"
	expect_eq "ring $(basename "$f"): SHB, IDB first, ISB last" \
		"$(grep -o '^[A-Z]*' "$f.info" | sed -n '1p;2p;$p' | xargs)" "SHB IDB ISB"
	rm "$f.info"
done

# -G 1: a new strftime-named file every second; all packets across files
d="$T/time" && mkdir -p "$d"
cap_start "$d.log" -i "$IF_B" -w "$d/t-%s.pcap" -G 1 -c 250 udp port 9999 || fail "-G start"
inA python3 "$PCAPTOOL" stream "$IF_A" 0.01 250
cap_wait
expect_eq "-G: exit status" "$CAP_RC" 0
n=$(ls "$d" | grep -c '^t-[0-9]*\.pcap$')
[ "$n" -ge 2 ] && pass "-G 1: $n files named by strftime" || fail "-G 1: $n files ($(ls "$d" | xargs))"
expect_eq "-G: packets across files = packets sent" "$(sum_files "$d"/*)" 250

# -G 1 -W 2: stops by itself after two files
d="$T/timew" && mkdir -p "$d"
ip netns exec "$NS_A" python3 "$PCAPTOOL" stream "$IF_A" 0.01 1000 &
STREAM_PID=$!
NS_PIDS="$NS_PIDS $STREAM_PID"
cap_start "$d.log" -i "$IF_B" -w "$d/w-%s.pcap" -G 1 -W 2 udp port 9999 || fail "-G -W start"
cap_wait
expect_eq "-G -W 2: exit status" "$CAP_RC" 0
expect_eq "-G -W 2: two files" "$(ls "$d" | wc -l)" 2
kill "$STREAM_PID" 2>/dev/null
wait "$STREAM_PID" 2>/dev/null
expect_eq "-G -W 2: packets across files = packets captured" "$(sum_files "$d"/*)" "$(stat_of "$d.log" "packets captured")"
grep -q "^constrictor capture: stopped after 2 files (-W)$" "$d.log" && pass "-G -W 2: says why it stopped" || fail "-G -W 2: $(cat "$d.log")"

# -U: packets of a busy second are in the file without waiting for the 1 s flush
cap_start "$T/u.log" -i "$IF_B" -w "$T/u.pcap" -U udp port 9999 || fail "-U start"
sleep 1.2
inA python3 "$PCAPTOOL" stream "$IF_A" 0.02 5
for i in $(seq 10); do [ "$(count_in "$T/u.pcap.part")" = 5 ] && break; sleep 0.05; done
kill -KILL "$CAP_PID"
cap_wait 2>/dev/null
# killed: the file keeps its partial name (issue 18), with every packet in it
expect_eq "-U: the packets are in the file, even after SIGKILL" "$(count_in "$T/u.pcap.part")" 5

# -Z nobody: the first file and every rotated one belong to nobody
d="$T/z" && mkdir -p "$d" && chmod 777 "$d"
cap_start "$d.log" -i "$IF_B" -w "$d/z.pcap" -C 50k -c 200 -Z nobody udp port 9999 || fail "-Z start"
burst 200 1000
cap_wait
expect_eq "-Z: exit status" "$CAP_RC" 0
n=$(ls "$d" | wc -l)
[ "$n" -ge 3 ] && pass "-Z: $n files" || fail "-Z: $n files"
expect_eq "-Z: every file owned by nobody" "$(stat -c %U "$d"/* | sort -u | xargs)" "nobody"
expect_eq "-Z: packets across files" "$(sum_files "$d"/*)" 200

# errors: -W alone, rotation to stdout, unknown user
"$CST_BIN" capture -i lo -W 3 2>"$T/e1" && fail "-W alone accepted"
grep -q "^constrictor capture: -W needs -C or -G$" "$T/e1" && pass "-W alone refused" || fail "-W alone: $(cat "$T/e1")"
"$CST_BIN" capture -i lo -w - -C 1 2>"$T/e2" && fail "-C to stdout accepted"
grep -q "need an output file" "$T/e2" && pass "-C to stdout refused" || fail "-C -w -: $(cat "$T/e2")"
inB "$CST_BIN" capture -i "$IF_B" -w "$T/e.pcap" -Z no-such-user-cst 2>"$T/e3" && fail "unknown -Z user accepted"
grep -q "unknown user 'no-such-user-cst' for -Z" "$T/e3" && pass "-Z unknown user refused" || fail "-Z: $(cat "$T/e3")"
finish
