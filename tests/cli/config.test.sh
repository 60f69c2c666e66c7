#!/usr/bin/env bash
# Every configuration message of SPEC 2.2 as the program prints it:
# "error: config line N: <msg>" on stderr, nothing on stdout, exit 1, before
# any file is opened (the input here does not exist).  One case per line:
# config text (printf format) | expected stderr.
source "$CST_SRC/tests/lib.sh"

while IFS='|' read -r text want; do
	[ -z "$text" ] && continue
	printf "$text" >"$T/c.ini"
	"$CST_BIN" constrict "$T/missing.pcap" -o "$T/o.pcap" --config "$T/c.ini" >"$T/out" 2>"$T/err"
	rc=$?
	expect_eq "[$text] exit" "$rc" 1
	expect_eq "[$text] stdout" "$(cat "$T/out")" ""
	expect_eq "[$text] stderr" "$(cat "$T/err")" "$want"
done <<'CASES'
[general]\nmin_saved_bytes_per_packet = 1e3\n|error: config line 2: invalid value for general.min_saved_bytes_per_packet
[general]\nmin_saved_bytes_per_packet = 4294967296\n|error: config line 2: invalid value for general.min_saved_bytes_per_packet
[tls]\napp_data_keep_record_bytes = 4\n|error: config line 2: invalid value for tls.app_data_keep_record_bytes; expected integer >= 5
[tls]\napp_data_continuation_keep_bytes = +5\n|error: config line 2: invalid value for tls.app_data_continuation_keep_bytes; expected integer >= 0
[tls]\napp_data_continuation_policy = FINAL_ONLY\n|error: config line 2: invalid value for tls.app_data_continuation_policy; expected final_only, stream, or bulk
[quic]\nshort_header_keep_packet_bytes = 0x\n|error: config line 2: invalid value for quic.short_header_keep_packet_bytes; expected integer >= 1
[quic]\nrequire_dcid_match = TRUEE\n|error: config line 2: invalid value for quic.require_dcid_match; expected true or false
[quic]\nallow_short_header_without_known_dcid = 2\n|error: config line 2: invalid value for quic.allow_short_header_without_known_dcid; expected true or false
[reinflate]\nfill_byte = 0x100\n|error: config line 2: invalid value for reinflate.fill_byte; expected byte value 0..255 or random
[reinflate]\nchecksum_policy = none\n|error: config line 2: invalid value for reinflate.checksum_policy; expected preserve or recompute
\n[tls] x\n|error: config line 2: invalid section header
[Tlsx]\n|error: config line 1: unknown config section: Tlsx
[ ]\n|error: config line 1: unknown config section: 
[tls]\nkey only\n|error: config line 2: expected key = value
[tls]\n = 5\n|error: config line 2: expected non-empty key and value
[tls]\nx = # nothing\n|error: config line 2: expected non-empty key and value
; comment\nmin_saved_bytes_per_packet = 1\n|error: config line 2: key appears before any section
[quic]\nfill_byte = 1\n|error: config line 2: unknown config key: quic.fill_byte
\n\xef\xbb\xbf[general]\n|error: config line 2: expected key = value
CASES

# Accepted: the constrictor keys, track, and comments anywhere.
printf '[general]\nmax_flows = 10 ; note\n[tls]\napp_data_continuation_policy = track#x\nports = 443, 8443\n[reinflate]\nfill_byte = random\nseed = 7\n' >"$T/ok.ini"
"$CST_BIN" constrict "$T/missing.pcap" -o "$T/o.pcap" --config "$T/ok.ini" >"$T/out" 2>"$T/err"
expect_eq "valid config reaches the input check" "$(cat "$T/err")" "error: failed to open input file: $T/missing.pcap: No such file or directory"

# One grammar for every command (issue 16): the forms only the live recorder
# accepted (BOM, [TLS], TRUE, 1/0) and those only the offline tool accepted
# (0x hex, ';' right after a value) load in constrict too.
printf '\xef\xbb\xbf[TLS]\nEnabled = TRUE\nApp_Data_Keep_Record_Bytes = 0x10;hex\n[quic]\nrequire_dcid_match = 0\n' >"$T/both.ini"
"$CST_BIN" constrict "$T/missing.pcap" -o "$T/o.pcap" --config "$T/both.ini" >"$T/out" 2>"$T/err"
case "$(cat "$T/err")" in
"error: failed to open input file"*) pass "both dialects' forms reach the input check" ;;
*) fail "both dialects' forms: $(cat "$T/err")" ;;
esac

# Every shipped example loads wherever --config is accepted, and the run works.
need_fixtures
in="$FIX/tls_test_2/input.pcap"
for ex in "$CST_SRC"/docs/examples/*.ini; do
	name=$(basename "$ex")
	# capture.ini records to /var/lib/...: the copy writes into $T instead.
	sed "s|^output = .*|output = $T/feed-$name.pcap|" "$ex" >"$T/$name"
	for cmd in constrict reinflate; do
		"$CST_BIN" $cmd "$in" -o "$T/$cmd-$name.pcap" --config "$T/$name" >"$T/out" 2>"$T/err"
		expect_eq "$cmd --config $name: exit" "$?" 0
		# constrict's one summary line (issue 18), nothing else
		expect_eq "$cmd --config $name: stderr" "$(grep -v '^constrictor: [0-9]* packets, ' "$T/err")" ""
		[ -s "$T/$cmd-$name.pcap" ] || fail "$cmd --config $name wrote nothing"
	done
	(cd "$T" && "$CST_BIN" capture --config "$T/$name" --offline-input "$in") >"$T/out" 2>"$T/err"
	expect_eq "capture --config $name --offline-input: exit" "$?" 0
	expect_eq "capture --config $name --offline-input: stderr" "$(cat "$T/err")" ""
	grep -q '^Offline feed completed.' "$T/out" || fail "capture --config $name: no completion line"
	"$CST_BIN" capture -r "$in" --config "$T/$name" -w "$T/r-$name.pcap" >"$T/out" 2>"$T/err"
	expect_eq "capture -r --config $name: exit" "$?" 0
	[ -s "$T/r-$name.pcap" ] || fail "capture -r --config $name wrote nothing"
done

finish
