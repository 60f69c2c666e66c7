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
[quic]\nrequire_dcid_match = TRUE\n|error: config line 2: invalid value for quic.require_dcid_match; expected true or false
[quic]\nallow_short_header_without_known_dcid = 0\n|error: config line 2: invalid value for quic.allow_short_header_without_known_dcid; expected true or false
[reinflate]\nfill_byte = 0x100\n|error: config line 2: invalid value for reinflate.fill_byte; expected byte value 0..255 or random
[reinflate]\nchecksum_policy = none\n|error: config line 2: invalid value for reinflate.checksum_policy; expected preserve or recompute
\n[tls] x\n|error: config line 2: invalid section header
[Tls]\n|error: config line 1: unknown config section: Tls
[ ]\n|error: config line 1: unknown config section: 
[tls]\nkey only\n|error: config line 2: expected key = value
[tls]\n = 5\n|error: config line 2: expected non-empty key and value
[tls]\nx = # nothing\n|error: config line 2: expected non-empty key and value
; comment\nmin_saved_bytes_per_packet = 1\n|error: config line 2: key appears before any section
[quic]\nfill_byte = 1\n|error: config line 2: unknown config key: quic.fill_byte
\xef\xbb\xbf[general]\n|error: config line 1: expected key = value
CASES

# Accepted: the constrictor keys, track, and comments anywhere.
printf '[general]\nmax_flows = 10 ; note\n[tls]\napp_data_continuation_policy = track#x\nports = 443, 8443\n[reinflate]\nfill_byte = random\nseed = 7\n' >"$T/ok.ini"
"$CST_BIN" constrict "$T/missing.pcap" -o "$T/o.pcap" --config "$T/ok.ini" >"$T/out" 2>"$T/err"
expect_eq "valid config reaches the input check" "$(cat "$T/err")" "error: failed to open input file: $T/missing.pcap: No such file or directory"

finish
