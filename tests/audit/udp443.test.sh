#!/bin/bash
# Issue 17 item 5: UDP/443 traffic that is not QUIC (QUIC look-alikes with a
# valid long header and random contents, TURN ChannelData, DTLS, WireGuard,
# OpenVPN, plain UDP; tests/audit/gen_udp443.c) is all needed: the audit
# proves a QUIC connection only by its client Initial (RFC 9001 §5.2).  With
# one real QUIC connection added, exactly its short-header bodies are not
# needed.
source "$CST_SRC/tests/lib.sh"
GEN="$CST_BUILD/tests/gen_udp443"
[ -x "$GEN" ] || skip "gen_udp443 not built"
"$GEN" "$T/udp443.pcap" >/dev/null || { fail "gen_udp443"; finish; }
body=$("$GEN" "$T/udp443_quic.pcap" --with-quic | sed -n 's/^quic_short_body=//p')
[ -n "$body" ] || fail "gen_udp443 --with-quic printed no quic_short_body"

# field FILE.json DOTTED.PATH
field() { python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"; }

"$CST_BIN" audit --json "$T/udp443.pcap" "$T/udp443.pcap" >"$T/a.json"
expect_eq "identity audit passes" "$?" 0
expect_eq "no QUIC server proven" "$(field "$T/a.json" reassembly.quic_server_endpoints)" 0
expect_eq "both look-alike Initials refused" "$(field "$T/a.json" reassembly.quic_initials_unproven)" 2
expect_eq "no QUIC packet" "$(field "$T/a.json" reassembly.quic_short_packets)" 0
expect_eq "oracle keeps every byte" "$(field "$T/a.json" caplen_oracle)" "$(field "$T/a.json" caplen_original)"
for k in tls_appdata_body tls_unsynced quic_short_body link_trailer; do
	expect_eq "not needed: $k" "$(field "$T/a.json" not_needed.$k)" 0
done
expect_eq "every payload byte is other_udp" "$(field "$T/a.json" classes.other_udp.needed)" \
	"$(($(field "$T/a.json" caplen_original) - $(field "$T/a.json" classes.headers.needed)))"

"$CST_BIN" audit --json "$T/udp443_quic.pcap" "$T/udp443_quic.pcap" >"$T/q.json"
expect_eq "with QUIC: one server proven" "$(field "$T/q.json" reassembly.quic_server_endpoints)" 1
expect_eq "with QUIC: one Initial proven" "$(field "$T/q.json" reassembly.quic_initials_proven)" 1
expect_eq "with QUIC: not needed = its short-header bodies" \
	"$(field "$T/q.json" not_needed.quic_short_body)" "$body"
expect_eq "with QUIC: oracle saves exactly those" \
	"$(($(field "$T/q.json" caplen_original) - $(field "$T/q.json" caplen_oracle)))" "$body"
finish
