#!/bin/bash
# make-corpus.sh [OUTDIR] — remake the real-traffic corpus (tests/real/corpus).
#
# Runs real clients and servers (nginx + curl, openssl s_server/s_client,
# ngtcp2 gtlsserver/gtlsclient, python3) between network namespaces that it
# creates and always deletes, and records each case with tcpdump (never with
# constrictor, so the corpus is independent of the code it tests).  Loss,
# reordering and VLAN tags come from tests/real/relay.py in a middle
# namespace (this kernel has no netem and no 8021q module).  Each capture
# <case>.pcap gets its TLS key log <case>.keys beside it.  Needs root; takes a
# few minutes.  CST_CORPUS_SCALE=4 makes every body four times larger.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mkdir -p "${1:-$HERE/corpus}" && cd "${1:-$HERE/corpus}" && pwd)
PY=/usr/bin/python3
SCALE=${CST_CORPUS_SCALE:-1}
KIB=$((1024 * SCALE))

[ "$(id -u)" = 0 ] || { echo "make-corpus.sh: needs root (network namespaces)" >&2; exit 1; }
for tool in ip tcpdump nginx curl openssl gtlsserver gtlsclient "$PY"; do
	command -v "$tool" >/dev/null || { echo "make-corpus.sh: $tool not installed" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/cst-corpus.XXXXXX)
chmod 755 "$WORK"
PFX="cstc$$"
NS_C="$PFX-c" NS_S="$PFX-s" NS_M="$PFX-m"
C4=10.77.0.1 S4=10.77.0.2
PIDS=()

log() { echo "[make-corpus] $*" >&2; }

# Stop what this script started (by pid), delete its namespaces.
teardown() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
	for ns in "$NS_C" "$NS_S" "$NS_M"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}
cleanup() {
	teardown
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_c() { ip netns exec "$NS_C" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }
in_m() { ip netns exec "$NS_M" "$@"; }

# Client and server joined by one veth pair; offloads left on, so tcpdump
# sees segmentation-offload super-frames.
topo_direct() {
	ip netns add "$NS_C"
	ip netns add "$NS_S"
	ip link add c0 netns "$NS_C" type veth peer name s0 netns "$NS_S"
	in_c ip addr add $C4/24 dev c0
	in_s ip addr add $S4/24 dev s0
	in_c ip addr add fd77::1/64 dev c0 nodad
	in_s ip addr add fd77::2/64 dev s0 nodad
	for ns in "$NS_C" "$NS_S"; do ip netns exec "$ns" ip link set lo up; done
	in_c ip link set c0 up
	in_s ip link set s0 up
}

# Client — relay — server: c0|m0 and m1|s0, plus m2|m2p where the relay
# mirrors VLAN-tagged copies.  Offloads off on the endpoints (see offload.py).
topo_relay() {
	ip netns add "$NS_C"
	ip netns add "$NS_S"
	ip netns add "$NS_M"
	ip link add c0 netns "$NS_C" type veth peer name m0 netns "$NS_M"
	ip link add s0 netns "$NS_S" type veth peer name m1 netns "$NS_M"
	ip link add m2 netns "$NS_M" type veth peer name m2p netns "$NS_M"
	in_c ip addr add $C4/24 dev c0
	in_s ip addr add $S4/24 dev s0
	for ns in "$NS_C" "$NS_S" "$NS_M"; do ip netns exec "$ns" ip link set lo up; done
	in_c ip link set c0 up
	in_s ip link set s0 up
	for i in m0 m1 m2 m2p; do in_m ip link set "$i" up; done
	in_m ip link set m2 mtu 1504
	in_m ip link set m2p mtu 1504
	in_c "$PY" "$HERE/offload.py" c0 off
	in_s "$PY" "$HERE/offload.py" s0 off
	ip netns exec "$NS_M" "$PY" "$HERE/relay.py" --a m0 --b m1 --mirror m2 "$@" 2>"$WORK/relay.log" &
	PIDS+=($!)
	wait_for 'grep -q "relay ready" "$WORK/relay.log"'
}

wait_for() { # wait_for SHELL-CONDITION: up to 10 s
	local i
	for i in $(seq 100); do
		eval "$1" && return 0
		sleep 0.1
	done
	log "timed out waiting for: $1"
	return 1
}

# wait_listen tcp|udp PORT: a server in the server namespace listens (no
# probe connection: it would use up an s_server -naccept)
wait_listen() {
	wait_for "ip netns exec $NS_S ss -Hln --$1 'sport = :$2' | grep -q ."
}

CAP_PID=
capture_start() { # capture_start NS IF FILE
	rm -f "$WORK/tcpdump.log"
	ip netns exec "$1" tcpdump -n -s 0 -B 65536 -U --immediate-mode -i "$2" -w "$3" 2>"$WORK/tcpdump.log" &
	CAP_PID=$!
	PIDS+=($CAP_PID)
	wait_for 'grep -q "listening on" "$WORK/tcpdump.log"'
}
capture_stop() { # immediate mode + a pause: nothing left in the ring
	sleep 1
	kill -INT "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" 2>/dev/null || true
}

make_certs() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-subj "/CN=corpus.test" -addext "subjectAltName=IP:$S4,DNS:corpus.test" \
		-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
	mkdir -p "$WORK/www"
	head -c $((768 * KIB)) /dev/urandom >"$WORK/www/big.bin"
	head -c $((256 * KIB)) /dev/urandom >"$WORK/www/mid.bin"
	head -c $((64 * KIB)) /dev/urandom >"$WORK/www/small.bin"
	head -c $((1950 * KIB)) /dev/urandom >"$WORK/www/long.bin"
	head -c $((160 * KIB)) /dev/urandom >"$WORK/www/short.bin"
	chmod -R a+rX "$WORK"
}

start_nginx() { # start_nginx [LISTEN-ADDRESS]
	local listen=${1:-$S4:443 ssl http2}
	mkdir -p "$WORK/nginx/logs" "$WORK/up"
	cat >"$WORK/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 64; }
http {
	access_log off;
	server {
		listen $listen;
		ssl_certificate $WORK/cert.pem;
		ssl_certificate_key $WORK/key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		keepalive_requests 100;
		client_max_body_size 64m;
		root $WORK/www;
		location /upload/ {
			root $WORK/up;
			dav_methods PUT;
			create_full_put_path on;
			client_body_temp_path $WORK/nginx/body;
		}
	}
}
EOF
	ip netns exec "$NS_S" nginx -c "$WORK/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' &
	PIDS+=($!)
	wait_listen tcp 443
}

# finish CASE: stop, move the capture and its key log into OUT
finish_case() {
	capture_stop
	teardown
	grep -h -E 'captured|received|dropped|^relay ' "$WORK/tcpdump.log" "$WORK/relay.log" 2>/dev/null |
		sed "s/^/[make-corpus] $1: /" >&2 || true
	rm -f "$WORK/relay.log"
	mv "$WORK/cap.pcap" "$OUT/$1.pcap"
	if [ -s "$WORK/keys" ]; then mv "$WORK/keys" "$OUT/$1.keys"; else rm -f "$WORK/keys" "$OUT/$1.keys"; fi
	log "$1: $(stat -c %s "$OUT/$1.pcap") bytes"
}

CURL=(curl -sS -k --connect-timeout 5 --max-time 60)

case_https_h1() {
	topo_direct
	start_nginx
	capture_start "$NS_S" s0 "$WORK/cap.pcap"
	# one keep-alive connection: two downloads; then an upload on a second one
	in_c env SSLKEYLOGFILE="$WORK/keys" "${CURL[@]}" --http1.1 \
		"https://$S4/big.bin" -o /dev/null "https://$S4/small.bin" -o /dev/null
	in_c env SSLKEYLOGFILE="$WORK/keys" "${CURL[@]}" --http1.1 --tlsv1.2 --tls-max 1.2 \
		-T "$WORK/www/mid.bin" "https://$S4/upload/a" -o /dev/null
	finish_case https-h1-keepalive-tso
}

case_https_h2() {
	topo_direct
	start_nginx
	capture_start "$NS_S" s0 "$WORK/cap.pcap"
	in_c env SSLKEYLOGFILE="$WORK/keys" "${CURL[@]}" --http2 -Z \
		"https://$S4/mid.bin" -o /dev/null "https://$S4/small.bin" -o /dev/null
	in_c env SSLKEYLOGFILE="$WORK/keys" "${CURL[@]}" --http2 \
		-T "$WORK/www/mid.bin" "https://$S4/upload/b" -o /dev/null
	finish_case https-h2-tso
}

case_https_ipv6() {
	topo_direct
	start_nginx "[fd77::2]:443 ssl"
	capture_start "$NS_S" s0 "$WORK/cap.pcap"
	in_c env SSLKEYLOGFILE="$WORK/keys" "${CURL[@]}" --http1.1 "https://[fd77::2]/small.bin" -o /dev/null
	finish_case https-ipv6
}

# s_server on 4443 with the given options; its input is a FIFO held open by
# this script, so it never sees end-of-input.
start_s_server() {
	rm -f "$WORK/s_server.in"
	mkfifo "$WORK/s_server.in"
	exec 7<>"$WORK/s_server.in"
	(cd "$WORK/www" && exec ip netns exec "$NS_S" openssl s_server -accept 4443 \
		-cert "$WORK/cert.pem" -key "$WORK/key.pem" "$@" <&7 >"$WORK/s_server.log" 2>&1) &
	PIDS+=($!)
	wait_listen tcp 4443
}

case_openssl_small_records() {
	topo_direct
	start_s_server -HTTP -max_send_frag 512
	capture_start "$NS_S" s0 "$WORK/cap.pcap"
	{ printf 'GET /small.bin HTTP/1.0\r\n\r\n'; sleep 2; } |
		in_c openssl s_client -connect $S4:4443 -quiet -max_send_frag 512 -keylogfile "$WORK/keys" \
			>/dev/null 2>&1 || true
	finish_case openssl-small-records
}

case_openssl_keyupdate() {
	topo_direct
	start_s_server -tls1_3 -naccept 1
	capture_start "$NS_S" s0 "$WORK/cap.pcap"
	{ echo hello; sleep 0.4; echo k; sleep 0.4; echo after-keyupdate; sleep 0.4; echo K;
	  sleep 0.4; echo after-keyupdate-requested; sleep 0.4; } |
		in_c openssl s_client -connect $S4:4443 -tls1_3 -keylogfile "$WORK/keys" >/dev/null 2>&1 || true
	finish_case openssl-keyupdate-tls13
}

case_openssl_renegotiation() {
	topo_direct
	start_s_server -tls1_2 -naccept 1 -client_renegotiation
	capture_start "$NS_S" s0 "$WORK/cap.pcap"
	# client-initiated (R on the client), then server-initiated (r on the server)
	(sleep 1.5; echo r >&7) &
	{ echo hello; sleep 0.4; echo R; sleep 0.6; echo after-client-renegotiation; sleep 1.2;
	  echo after-server-renegotiation; sleep 0.4; } |
		in_c openssl s_client -connect $S4:4443 -tls1_2 -keylogfile "$WORK/keys" >/dev/null 2>&1 || true
	finish_case openssl-renegotiation-tls12
}

case_openssl_resumption() {
	topo_direct
	start_s_server -naccept 2
	capture_start "$NS_S" s0 "$WORK/cap.pcap"
	{ echo first; sleep 0.6; } | in_c openssl s_client -connect $S4:4443 -sess_out "$WORK/sess.pem" \
		-keylogfile "$WORK/keys" >/dev/null 2>&1 || true
	{ echo resumed; sleep 0.6; } | in_c openssl s_client -connect $S4:4443 -sess_in "$WORK/sess.pem" \
		-keylogfile "$WORK/keys" >/dev/null 2>&1 || true
	finish_case openssl-resumption
}

start_quic_server() {
	ip netns exec "$NS_S" gtlsserver -q -d "$WORK/www" $S4 4433 "$WORK/key.pem" "$WORK/cert.pem" >"$WORK/quic.log" 2>&1 &
	PIDS+=($!)
	wait_listen udp 4433
}

quic_get() { # quic_get EXTRA-OPTIONS...: download mid.bin over QUIC
	mkdir -p "$WORK/dl"
	in_c env SSLKEYLOGFILE="$WORK/keys" timeout 60 gtlsclient -q --exit-on-all-streams-close \
		--download "$WORK/dl" "$@" $S4 4433 "https://$S4:4433/mid.bin" >/dev/null 2>&1 || true
}

case_quic() {
	topo_direct
	start_quic_server
	capture_start "$NS_S" s0 "$WORK/cap.pcap"
	quic_get --change-local-addr=100ms --key-update=200ms --delay-stream=400ms
	finish_case quic-ngtcp2-migration
}

case_quic_rebinding_loss() {
	topo_relay --drop 31 --swap 17
	start_quic_server
	capture_start "$NS_C" c0 "$WORK/cap.pcap"
	quic_get --change-local-addr=100ms --nat-rebinding --delay-stream=400ms
	finish_case quic-ngtcp2-rebinding-loss
}

case_loss_reorder() {
	topo_relay --drop 47 --swap 23
	start_nginx
	capture_start "$NS_C" c0 "$WORK/cap.pcap"
	in_c env SSLKEYLOGFILE="$WORK/keys" "${CURL[@]}" --http1.1 "https://$S4/big.bin" -o /dev/null
	in_c env SSLKEYLOGFILE="$WORK/keys" "${CURL[@]}" --http1.1 \
		-T "$WORK/www/small.bin" "https://$S4/upload/c" -o /dev/null
	finish_case https-h1-loss-reorder
}

case_vlan() {
	# the mirror also loses 1 data frame in 7: holes in the capture that no
	# retransmission fills (some of them swallow record headers)
	topo_relay --swap 29 --mirror-drop 7
	start_nginx
	capture_start "$NS_M" m2p "$WORK/cap.pcap"
	in_c env SSLKEYLOGFILE="$WORK/keys" "${CURL[@]}" --http2 "https://$S4/mid.bin" -o /dev/null
	finish_case https-h2-vlan-capture-loss
}

# Connections already open when the recording starts (issue 21), through the
# relay (drop 1 data frame in DROP, swap 1 in SWAP), captured on the client
# side: a long rate-limited download (LONG_TLS, 1950 KiB at 400 KiB/s; the
# capture starts once 300 KiB have arrived, so about 1.6 MB are recorded), a
# short one (the other TLS version, 160 KiB at 32 KiB/s, about 100 KB
# recorded), and a chatty echo session (`openssl s_server -rev`: one ~150-byte
# record per line each way, every 40 ms), all three started before tcpdump.
# Each file stays under 2 MiB.
#   midstream_case NAME DROP SWAP LONG_TLS(1.2|1.3) CHAT_TLS(-tls1_2|-tls1_3)
midstream_case() {
	local name=$1 drop=$2 swap=$3 long=$4 chat=$5 short=1.2
	[ "$long" = 1.2 ] && short=1.3
	topo_relay --drop "$drop" --swap "$swap"
	start_nginx
	start_s_server -rev -naccept 1
	# a small receive buffer: the wire follows curl's rate limit, not a window of megabytes
	in_c sysctl -qw net.ipv4.tcp_rmem="4096 16384 32768"
	local bg=()
	rm -f "$WORK/long.out"
	in_c env SSLKEYLOGFILE="$WORK/keys" "${CURL[@]}" --http1.1 --tlsv$long --tls-max $long \
		--limit-rate 400k "https://$S4/long.bin" -o "$WORK/long.out" &
	bg+=($!)
	in_c env SSLKEYLOGFILE="$WORK/keys" "${CURL[@]}" --http1.1 --tlsv$short --tls-max $short \
		--limit-rate 32k "https://$S4/short.bin" -o /dev/null &
	bg+=($!)
	"$PY" -c 'import sys, time
for i in range(130):
    sys.stdout.write("%04d %s\n" % (i, "chatty small records, one line per record, " * 3))
    sys.stdout.flush()
    time.sleep(0.04)
time.sleep(1)' | in_c timeout 7 openssl s_client -connect $S4:4443 -quiet $chat \
		-keylogfile "$WORK/keys.chat" >/dev/null 2>&1 &
	bg+=($!)
	wait_for '[ "$(stat -c %s "$WORK/long.out" 2>/dev/null || echo 0)" -ge $((300 * 1024)) ]'
	capture_start "$NS_C" c0 "$WORK/cap.pcap"
	wait "${bg[@]}" || true
	cat "$WORK/keys.chat" >>"$WORK/keys" 2>/dev/null || true
	rm -f "$WORK/keys.chat" "$WORK/long.out"
	finish_case "$name"
}
case_midstream_loss1() { midstream_case midstream-loss1 100 97 1.2 -tls1_3; }
case_midstream_loss5() { midstream_case midstream-loss5 20 19 1.3 -tls1_2; }

# Not TLS, on port 443: HTTP, bytes that start like a TLS record, random UDP.
case_non_tls() {
	topo_direct
	ip netns exec "$NS_S" "$PY" -m http.server --bind $S4 443 --directory "$WORK/www" \
		>/dev/null 2>&1 &
	PIDS+=($!)
	wait_listen tcp 443
	capture_start "$NS_S" s0 "$WORK/cap.pcap"
	in_c curl -sS --max-time 20 "http://$S4:443/small.bin" -o /dev/null
	in_c "$PY" - "$S4" <<'EOF'
import os, socket, sys
host = sys.argv[1]
s = socket.create_connection((host, 443), timeout=5)
s.sendall(b"\x16\x03\x01\x00\x40" + bytes(range(64)) + b"\x17\x03\x03\x00\x10" + b"x" * 16 + b"\r\n\r\n")
try:
    s.recv(4096)
except OSError:
    pass
s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
seed = 12345
for i in range(20):  # deterministic pseudo-random datagrams to UDP 443
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    n = 40 + seed % 400
    u.sendto(bytes((seed >> (k % 24)) & 0xFF for k in range(n)), (host, 443))
EOF
	finish_case non-tls-port-443
}

main() {
	make_certs
	local cases=(case_https_h1 case_https_h2 case_https_ipv6 case_openssl_small_records
		case_openssl_keyupdate case_openssl_renegotiation case_openssl_resumption case_quic
		case_quic_rebinding_loss case_loss_reorder case_vlan case_non_tls case_midstream_loss1
		case_midstream_loss5)
	if [ -n "${CST_CORPUS_ONLY:-}" ]; then cases=($CST_CORPUS_ONLY); fi
	for c in "${cases[@]}"; do
		log "running $c"
		"$c"
	done
	(cd "$OUT" && for f in *.pcap; do
		printf '%s %s packets %s bytes\n' "$f" "$(tcpdump -n -r "$f" 2>/dev/null | wc -l)" "$(stat -c %s "$f")"
	done) >"$OUT/MANIFEST"
	log "done: $OUT"
}

main
