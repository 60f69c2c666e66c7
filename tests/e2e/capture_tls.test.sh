#!/bin/bash
# Real TLS: an openssl s_server in namespace A serves a 3 MB file to curl in
# namespace B, once with TLS 1.2 and once with TLS 1.3, while constrictor
# records on B's interface with the final_only policy (track, the default of
# capture -i, is checked at the end).  The file opens in
# tshark, every plaintext handshake message is there, Application Data is
# cut (captured length < wire length on the bulk packets, each cut packet
# small) and far fewer bytes are written than were captured.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool openssl
need_tool curl
need_tool tshark
need_fixtures
ns_setup
ns_addr

mkdir -p "$T/www"
head -c 3000000 /dev/urandom >"$T/www/big.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=constrictor.test \
	-days 1 -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null || fail "cannot make a certificate"
(cd "$T/www" && exec ip netns exec "$NS_A" openssl s_server -quiet -WWW -accept 443 \
	-cert "$T/cert.pem" -key "$T/key.pem" >/dev/null 2>&1) &
NS_PIDS="$NS_PIDS $!"
for i in $(seq 50); do inA ss -ltn 2>/dev/null | grep -q ':443 ' && break; sleep 0.1; done

# download NAME "CURL-OPTIONS" CAPTURE-ARGS...: record on B (port 443) while
# curl there fetches big.bin, then stop the capture with SIGINT; checks the
# download, the exit status and the file; sets cap_bytes and wr_bytes from
# the capture's summary.
download() {
	local name="$1" curl_opts="$2"
	shift 2
	cap_start "$T/$name.log" -i "$IF_B" -w "$T/$name.pcap" "$@" tcp port 443 || fail "$name: capture did not start"
	inB curl -sk $curl_opts -o "$T/$name.got" "https://10.77.0.1/big.bin"
	expect_eq "$name: download complete" "$(stat -c %s "$T/$name.got" 2>/dev/null)" 3000000
	sleep 0.3
	kill -INT "$CAP_PID"
	cap_wait
	expect_eq "$name: exit status" "$CAP_RC" 0
	tshark_reads "$T/$name.pcap"
	read -r cap_bytes wr_bytes < <(sed -n 's/^\([0-9]*\) bytes captured, \([0-9]*\) bytes written.*/\1 \2/p' "$T/$name.log")
}

for v in 1.2 1.3; do
	for be in tpacket_v3 recvmsg; do
		name="tls$v.$be"
		download "$name" "--tlsv$v --tls-max $v" --backend "$be" --policy final_only
		f="$T/$name.pcap"
		types=$(tshark -n -r "$f" -T fields -e tls.handshake.type 2>/dev/null | tr ',' '\n' | grep . | sort -un | xargs)
		want="1 2"
		[ "$v" = 1.2 ] && want="1 2 11 12 14 16"
		expect_eq "$name: plaintext handshake messages" "$types" "$want"
		vfield=tls.handshake.version
		[ "$v" = 1.3 ] && vfield=tls.handshake.extensions.supported_version
		expect_eq "$name: version negotiated" \
			"$(tshark -n -r "$f" -Y 'tls.handshake.type == 2' -T fields -e "$vfield" 2>/dev/null | head -1)" \
			"$([ "$v" = 1.3 ] && echo 0x0304 || echo 0x0303)"
		cut=$(tshark -n -r "$f" -Y 'frame.cap_len < frame.len' 2>/dev/null | wc -l)
		[ "$cut" -ge 3 ] && pass "$name: $cut packets cut" || fail "$name: only $cut packets cut"
		# Each cut packet keeps app_data_keep_record_bytes (8, header included) of its last
		# record, an Application Data record, or keeps 8 bytes of a continuation.
		read -r ncut nok nbad < <(python3 "$PCAPTOOL" tlscheck "$f" 8 8)
		expect_eq "$name: every cut packet keeps 8 bytes of an Application Data record or continuation" "$nok $nbad" "$ncut 0"
		[ "${cap_bytes:-0}" -gt 3000000 ] && [ "${wr_bytes:-0}" -lt "$((cap_bytes - 10000))" ] &&
			pass "$name: $wr_bytes bytes written of $cap_bytes captured" ||
			fail "$name: written $wr_bytes of $cap_bytes captured"
	done
done

# final_only keeps middle continuations whole, so bulk savings depend on how
# segments fall on records; the track policy cuts every record: a bulk
# transfer recorded with it must shrink by at least a tenth (how much depends
# on how segments fall on records).
name=track
download "$name" "" --policy track
[ "${cap_bytes:-0}" -gt 3000000 ] && [ -n "${wr_bytes:-}" ] && [ "$((wr_bytes * 10))" -lt "$((cap_bytes * 9))" ] &&
	pass "track: $wr_bytes bytes written of $cap_bytes captured" ||
	fail "track: written ${wr_bytes:-?} of ${cap_bytes:-?} captured"
finish
