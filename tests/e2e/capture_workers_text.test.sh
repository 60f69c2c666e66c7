#!/bin/bash
# Text lines and annotations with fanout workers (issue 19 with issue 20's
# outputs): a one-worker capture and a --workers 2 capture run side by side
# on the same replayed traffic (TLS and QUIC conversations, sent from one
# CPU so both see it in one order), and
#  1. without -w (-v, then -X): the workers print the lines of one worker,
#     in the same order (time of day aside: each socket stamps its own),
#     ordered by time;
#  2. --annotate, merged file: every packet's comment (or none) is one
#     worker's, in the same order;
#  3. --annotate with "%w": the worker files' comments together are one
#     worker's.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
mix_setup --one-cpu 4 "$FIX/tls_test_2/input.pcap" "$FIX/quic_test_2/input.pcap"

# pair NAME W1 W2 ARGS...: one worker (NAME1, -w W1 unless empty) and two
# (NAME2, -w W2) on one replay; standard output to NAME1.out / NAME2.out
pair() {
	local name="$1" w1="${2:+-w $2}" w2="${3:+-w $3}" p1 p2
	shift 3
	cap_start "$T/${name}1.log" -i "$IF_B" -c "$N" --duration 30 $w1 "$@" >"$T/${name}1.out" || { fail "$name: one worker did not start: $(head -2 "$T/${name}1.log")"; return 1; }
	p1=$CAP_PID
	cap_start "$T/${name}2.log" -i "$IF_B" -c "$N" --duration 30 --workers 2 $w2 "$@" >"$T/${name}2.out" || { fail "$name: workers did not start: $(head -2 "$T/${name}2.log")"; return 1; }
	p2=$CAP_PID
	send_mix
	wait "$p1"
	expect_eq "$name: one worker's exit status" "$?" 0
	wait "$p2"
	expect_eq "$name: workers' exit status" "$?" 0
}

notime() { sed -E 's/^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9} //' "$1"; }

# 1: text lines
for mode in v X; do
	if pair "t$mode" "" "" "-$mode"; then
		lines=$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9} ' "$T/t${mode}2.out")
		expect_eq "t$mode: one line per packet" "$lines" "$N"
		notime "$T/t${mode}1.out" >"$T/t${mode}1.lines"
		notime "$T/t${mode}2.out" >"$T/t${mode}2.lines"
		same_bytes "t$mode: the lines of one worker, in its order" "$T/t${mode}1.lines" "$T/t${mode}2.lines"
		if grep -oE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9} ' "$T/t${mode}2.out" | sort -c; then
			pass "t$mode: ordered by time"
		else
			fail "t$mode: not ordered by time"
		fi
	fi
done
grep -q "^	0x0000:  4500 " "$T/tX2.out" && pass "tX: hex dumps" || fail "tX: no hex dump: $(head -3 "$T/tX2.out")"

# 2, 3: annotations
comments() { for f in "$@"; do tshark -n -r "$f" -T fields -e frame.comment 2>/dev/null || echo "unreadable $f"; done; }
if pair an "$T/an1.pcapng" "$T/an2.pcapng" --annotate -F pcapng; then
	comments "$T/an1.pcapng" >"$T/an1.c"
	comments "$T/an2.pcapng" >"$T/an2.c"
	expect_eq "an: packets" "$(wc -l <"$T/an2.c")" "$N"
	cut=$(grep -c '^cut ' "$T/an1.c")
	if [ "$cut" -gt 0 ]; then pass "an: $cut cut packets carry a comment"; else fail "an: no comment in the one-worker file"; fi
	same_bytes "an: merged comments are one worker's, in its order" "$T/an1.c" "$T/an2.c"
fi
if pair aw "$T/aw1.pcapng" "$T/aw2-%w.pcapng" --annotate -F pcapng; then
	comments "$T/aw1.pcapng" | sort >"$T/aw1.c"
	comments "$T/aw2-0.pcapng" "$T/aw2-1.pcapng" | sort >"$T/aw2.c"
	expect_eq "aw: packets" "$(wc -l <"$T/aw2.c")" "$N"
	same_bytes "aw: the worker files' comments are one worker's" "$T/aw1.c" "$T/aw2.c"
fi
finish
