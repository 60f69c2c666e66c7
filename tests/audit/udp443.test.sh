#!/bin/bash
# Issue 17 item 5: UDP/443 traffic that is not QUIC (QUIC look-alikes with a
# valid long header and random contents, TURN ChannelData, DTLS, WireGuard,
# OpenVPN, plain UDP; tests/audit/gen_udp443.c) is all needed: the audit
# proves a QUIC connection only by its client Initial (RFC 9001 §5.2).  With
# one real QUIC connection added, exactly its short-header bodies are not
# needed.  `track` cuts none of it, and still cuts the real connection.
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

# The policies (issue 17 item 5): `track` proves each Initial and cuts 0 bytes
# of the look-alikes; with the real connection added it still cuts that one.
# The compatible policies stay as they were (they cut the look-alikes) unless
# [quic] require_initial_proof = true.
"$CST_BIN" constrict "$T/udp443.pcap" -o "$T/track.pcap" --policy track --stats-format json >"$T/track.stats"
expect_eq "track: exit code" "$?" 0
same_bytes "track cuts 0 bytes of the non-QUIC capture" "$T/udp443.pcap" "$T/track.pcap"
expect_eq "track: look-alike Initials refused" "$(field "$T/track.stats" quic_initials_not_proven)" 2
[ "$(field "$T/track.stats" quic_kept_not_proven)" -gt 0 ] && pass "track: keep.quic_not_proven counted" ||
	fail "track: no packet kept as not proven"
"$CST_BIN" constrict "$T/udp443_quic.pcap" -o "$T/trackq.pcap" --policy track --stats-format json >"$T/trackq.stats"
expect_eq "track with QUIC: one Initial proven" "$(field "$T/trackq.stats" quic_initials_proven)" 1
[ "$(field "$T/trackq.stats" quic_truncated)" -gt 0 ] && pass "track with QUIC: the real connection is cut" ||
	fail "track with QUIC: nothing cut"
"$CST_BIN" audit "$T/udp443_quic.pcap" "$T/trackq.pcap" --quic-short-keep 32 >/dev/null
expect_eq "track with QUIC: audit passes" "$?" 0
printf '[quic]\nrequire_initial_proof = true\n' >"$T/proof.ini"
for pol in final_only stream bulk; do
	"$CST_BIN" constrict "$T/udp443.pcap" -o "$T/$pol.pcap" --policy "$pol" >/dev/null
	if cmp -s "$T/udp443.pcap" "$T/$pol.pcap"; then fail "$pol: cut nothing (it should stay as it was)"; else pass "$pol: unchanged behaviour (cuts the look-alikes)"; fi
	"$CST_BIN" constrict "$T/udp443.pcap" -o "$T/$pol.proof.pcap" --policy "$pol" --config "$T/proof.ini" >/dev/null
	same_bytes "$pol with require_initial_proof: 0 bytes cut" "$T/udp443.pcap" "$T/$pol.proof.pcap"
done
finish
