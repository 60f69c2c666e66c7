#!/bin/bash
# issue 20 item 3: a real TLS 1.3 session (openssl s_server in namespace A,
# curl in namespace B writing SSLKEYLOGFILE) recorded twice with its key
# log: live with `capture --tls-keylog` (the key log does not exist when the
# capture starts and is followed as it grows), and offline (tcpdump, then
# `constrict --tls-keylog`, a PCAP input giving PCAPNG output).  tshark,
# given no key option, decrypts the handshake from the file alone (the
# Certificate and both Finished messages), while the Application Data stays
# cut; the same file without the key log shows neither.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool openssl
need_tool curl
need_tool tshark
ns_setup
ns_addr

mkdir -p "$T/www"
head -c 300000 /dev/urandom >"$T/www/f.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=constrictor.test \
	-days 1 -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null || fail "cannot make a certificate"
(cd "$T/www" && exec ip netns exec "$NS_A" openssl s_server -quiet -WWW -accept 443 -tls1_3 \
	-cert "$T/cert.pem" -key "$T/key.pem" >/dev/null 2>&1) &
NS_PIDS="$NS_PIDS $!"
for i in $(seq 50); do inA ss -ltn 2>/dev/null | grep -q ':443 ' && break; sleep 0.1; done

# fetch KEYLOG: one TLS 1.3 download in namespace B, its secrets in KEYLOG
fetch() {
	inB env SSLKEYLOGFILE="$1" curl -sk --tlsv1.3 -o "$T/got" "https://10.77.0.1/f.bin"
	expect_eq "download complete ($(basename "$1"))" "$(stat -c %s "$T/got" 2>/dev/null)" 300000
}

# check NAME FILE: what tshark reads from FILE alone
check() {
	local f="$2" n
	tshark_reads "$f"
	if command -v capinfos >/dev/null 2>&1; then
		n=$(capinfos "$f" 2>/dev/null | sed -n 's/^Number of decryption secrets in file: *//p')
		[ "${n:-0}" -ge 1 ] && pass "$1: $n Decryption Secrets Block(s)" || fail "$1: no DSB"
	fi
	n=$(tshark -n -r "$f" -Y 'tls.handshake.type == 11' 2>/dev/null | wc -l)
	expect_eq "$1: the encrypted Certificate decrypted (tls.handshake.type == 11)" "$n" 1
	n=$(tshark -n -r "$f" -Y 'tls.handshake.type == 20' -T fields -e tls.handshake.type 2>/dev/null |
		tr ',' '\n' | grep -c '^20$')
	expect_eq "$1: both Finished decrypted (tls.handshake.type == 20)" "$n" 2
	# Application Data stays cut: its records are cut, and although the secrets are in
	# the file, no HTTP (the request, the response) can be read from it
	n=$(tshark -n -r "$f" -Y 'tls.record.opaque_type == 23 && frame.cap_len < frame.len' 2>/dev/null | wc -l)
	[ "$n" -ge 3 ] && pass "$1: $n Application Data frames cut" || fail "$1: only $n Application Data frames cut"
	expect_eq "$1: no HTTP decrypted" "$(tshark -n -r "$f" -Y http 2>/dev/null | wc -l)" 0
}

# live: the key log appears only once curl writes it
cap_start "$T/live.log" -i "$IF_B" -w "$T/live.pcapng" --tls-keylog "$T/live.keys" tcp port 443 ||
	fail "live: capture did not start"
fetch "$T/live.keys"
sleep 0.5
kill -INT "$CAP_PID"
cap_wait
expect_eq "live: exit status" "$CAP_RC" 0
expect_eq "live: no warning" "$(grep -c warning "$T/live.log")" 0
check live "$T/live.pcapng"

# issue 19: with --workers 2, the merged file (the writer follows the key log) and
# "%w" (every worker's pipeline does, for its file): the connection's worker file decrypts
for mode in merged split; do
	out="$T/wk-$mode.pcapng"
	[ $mode = split ] && out="$T/wk-$mode-%w.pcapng"
	cap_start "$T/wk-$mode.log" -i "$IF_B" --workers 2 -w "$out" --tls-keylog "$T/wk-$mode.keys" \
		tcp port 443 || fail "workers $mode: capture did not start: $(head -2 "$T/wk-$mode.log")"
	fetch "$T/wk-$mode.keys"
	sleep 0.5
	kill -INT "$CAP_PID"
	cap_wait
	expect_eq "workers $mode: exit status" "$CAP_RC" 0
	if [ $mode = merged ]; then
		check "workers $mode" "$out"
		continue
	fi
	with=0
	for i in 0 1; do
		f="$T/wk-$mode-$i.pcapng"
		if [ "$(tshark -n -r "$f" 2>/dev/null | wc -l)" -gt 0 ]; then
			with=$((with + 1))
			check "workers $mode, worker $i" "$f"
		fi
	done
	expect_eq "workers $mode: the connection in one worker's file" "$with" 1
done

# a key log that is replaced while the capture runs (a new file, e.g. rotated):
# read again from its start; malformed lines are named with file:line
cap_start "$T/rot.log" -i "$IF_B" -w "$T/rot.pcapng" --tls-keylog "$T/rot.keys" tcp port 443 ||
	fail "rotation: capture did not start"
printf '# an old session\nnot a key line\n' >"$T/rot.keys"
sleep 1.5 # the capture waits up to 1 s for packets between polls on an idle link
mv "$T/rot.keys" "$T/rot.keys.1"
fetch "$T/rot.keys"
sleep 0.5
kill -INT "$CAP_PID"
cap_wait
expect_eq "rotation: exit status" "$CAP_RC" 0
expect_eq "rotation: the malformed line named" \
	"$(grep -c "warning: $T/rot.keys:2: malformed key log line" "$T/rot.log")" 1
check rotation "$T/rot.pcapng"

# offline: tcpdump records, constrict adds the key log
if command -v tcpdump >/dev/null 2>&1; then
	ip netns exec "$NS_B" tcpdump -U -n -i "$IF_B" -w "$T/raw.pcap" tcp port 443 2>"$T/td.log" &
	TD=$!
	NS_PIDS="$NS_PIDS $TD"
	for i in $(seq 50); do grep -q listening "$T/td.log" && break; sleep 0.1; done
	fetch "$T/off.keys"
	sleep 0.5
	kill -INT "$TD"
	wait "$TD"
	printf 'CLIENT_RANDOM 00 11\n' >>"$T/off.keys"
	"$CST_BIN" constrict "$T/raw.pcap" -o "$T/off.pcapng" -q --policy track --tls-keylog "$T/off.keys" 2>"$T/off.err"
	expect_eq "offline: exit status" "$?" 0
	expect_eq "offline: the malformed line named" "$(cat "$T/off.err")" \
		"Warning: $T/off.keys:$(wc -l <"$T/off.keys"): malformed key log line (client random is not 64 hex digits)"
	check offline "$T/off.pcapng"
	# the test can fail: with the whole capture and the key log, tshark reads the HTTP
	n=$(tshark -n -r "$T/raw.pcap" -o "tls.keylog_file:$T/off.keys" -Y http 2>/dev/null | wc -l)
	[ "$n" -ge 1 ] && pass "raw capture + key log: HTTP readable" || fail "raw capture + key log: no HTTP"
	# the same file without the key log: nothing is decrypted
	"$CST_BIN" constrict "$T/raw.pcap" -o "$T/nokeys.pcap" --policy track
	expect_eq "offline without keys: no Certificate" \
		"$(tshark -n -r "$T/nokeys.pcap" -Y 'tls.handshake.type == 11' 2>/dev/null | wc -l)" 0
	# the packets are those of the PCAP output, in PCAPNG
	expect_eq "offline: same packets as the PCAP output" \
		"$(tshark -n -r "$T/off.pcapng" -T fields -e frame.time_epoch -e frame.cap_len -e frame.len 2>/dev/null | md5sum)" \
		"$(tshark -n -r "$T/nokeys.pcap" -T fields -e frame.time_epoch -e frame.cap_len -e frame.len 2>/dev/null | md5sum)"
else
	skip_part "tcpdump not installed: offline recording not checked"
fi
finish
