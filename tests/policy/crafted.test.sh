#!/bin/bash
# The policy's crafted scenarios as one capture file (tests/policy/gen_crafted.c)
# through `constrictor constrict` with each continuation policy: exit code, the
# counters each scenario must produce, and tshark as an independent reader
# (the file opens, every handshake frame survives, no new malformed frame).
source "$CST_SRC/tests/lib.sh"
need_tool tshark
${CC:-cc} -O2 -I"$CST_SRC/include" -o "$T/gen_crafted" "$CST_SRC/tests/policy/gen_crafted.c" -lpcap ||
	{ fail "build gen_crafted"; finish; }
IN="$T/crafted.pcap"
"$T/gen_crafted" "$IN" || { fail "gen_crafted"; finish; }

handshakes() {
	tshark -n -r "$1" -Y 'tls.handshake or quic.long.packet_type' \
		-T fields -e frame.number -e tls.handshake.type -e quic.long.packet_type 2>/dev/null
}
malformed() { tshark -n -r "$1" -Y '_ws.malformed' -T fields -e frame.number 2>/dev/null; }
stat_of() { grep -m1 "^$2: " "$1" | sed 's/.*: //'; }

# policy | expected "label=value" pairs
while IFS='|' read -r pol want; do
	printf '[tls]\napp_data_continuation_policy = %s\n' "$pol" >"$T/$pol.ini"
	out="$T/out_$pol.pcap"
	"$CST_BIN" constrict "$IN" -o "$out" --config "$T/$pol.ini" --stats >"$T/$pol.stats"
	expect_eq "$pol: exit code" "$?" 0
	for kv in $want; do
		label="${kv%%=*}"
		expect_eq "$pol: ${label//_/ }" "$(stat_of "$T/$pol.stats" "${label//_/ }")" "${kv#*=}"
	done
	tshark_reads "$out"
	[ -n "$(handshakes "$IN")" ] || fail "no handshake frames in the crafted input"
	expect_eq "$pol: handshakes survive" "$(handshakes "$out" | md5sum)" "$(handshakes "$IN" | md5sum)"
	expect_eq "$pol: no new malformed frames" \
		"$(comm -13 <(malformed "$IN" | sort) <(malformed "$out" | sort))" ""
done <<'CASES'
final_only|malformed_packets=0 TLS_packets_kept_middle_continuation=10 TLS_packets_truncated_final_continuation=1 TLS_packets_kept_malformed_record=4 TLS_packets_kept_TCP_seq_mismatch=2 TLS_packets_kept_unsynchronized_non-handshake=1 TLS_packets_kept_uncertain=7 QUIC_packets_truncated=6 QUIC_packets_kept_uncertain=1
stream|TLS_packets_truncated_stream_continuation=10 TLS_packets_kept_middle_continuation=0 TLS_packets_kept_malformed_record=4 QUIC_packets_truncated=6
bulk|TLS_packets_truncated_stream_continuation=10 TLS_packets_truncated_bulk_continuation=7 TLS_packets_kept_uncertain=5 QUIC_packets_kept_uncertain=1
CASES
finish
