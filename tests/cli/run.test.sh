#!/usr/bin/env bash
# Run sequence of SPEC 2.1 through the real pipeline: same-file check
# (symlink, hard link), format detection errors, order of the checks,
# incomplete tail (warnings, stats, exit 1), fatal errors (no stats),
# stats text/JSON, --policy, -o -, and the caplen > origlen warning.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool python3

TLS1="$FIX/single/tls_test_1.pcap"
TAIL="$FIX/single/truncated_tail_test_1.pcap"
cp "$TLS1" "$T/in.pcap"

# Same file: the path itself, another spelling, a symlink, a hard link.
ln -s "$T/in.pcap" "$T/link.pcap"
ln "$T/in.pcap" "$T/hard.pcap"
mkdir "$T/sub"
for out in "$T/in.pcap" "$T/sub/../in.pcap" "$T/link.pcap" "$T/hard.pcap"; do
	expect_run_error "same file ($out)" "input and output paths refer to the same file" constrict "$T/in.pcap" -o "$out"
done
expect_run_error "same file (reinflate, symlink input)" "input and output paths refer to the same file" reinflate "$T/link.pcap" -o "$T/in.pcap"
cp "$T/in.pcap" "$T/append.pcap"
"$CST_BIN" constrict "$T/append.pcap" -o - >>"$T/append.pcap" 2>"$T/err"
expect_eq "same file via -o - >> input: exit" "$?" 1
expect_eq "same file via -o - >> input: stderr" "$(cat "$T/err")" "error: input and output paths refer to the same file"
same_bytes "same-file errors leave the input alone" "$T/in.pcap" "$TLS1"
same_bytes "same-file error (stdout) leaves the input alone" "$T/append.pcap" "$TLS1"

# Format detection (after the same-file check).
expect_run_error "missing input" "failed to open input file: $T/missing.pcap: No such file or directory" constrict "$T/missing.pcap" -o "$T/o.pcap"
: >"$T/empty.pcap"
expect_run_error "empty input" "input file is too small to detect capture format" constrict "$T/empty.pcap" -o "$T/o.pcap"
printf '\xd4\xc3\xb2' >"$T/tiny.pcap"
expect_run_error "3-byte input" "input file is too small to detect capture format" reinflate "$T/tiny.pcap" -o "$T/o.pcap"
printf 'GIF89a garbage that is not a capture' >"$T/garbage.pcap"
expect_run_error "garbage input" "unsupported input capture format" restore "$T/garbage.pcap" -o "$T/o.pcap"
expect_run_error "directory input" "failed to open input file: $T/sub: Is a directory" constrict "$T/sub" -o "$T/o.pcap"
[ ! -e "$T/o.pcap" ] && pass "detection errors create no output" || fail "detection error created the output"
# Order: decision-log mode before same file, same file before detection.
expect_run_error "decision-log before same-file" "--decision-log is supported only with constrict mode" \
	reinflate "$T/garbage.pcap" -o "$T/garbage.pcap" --decision-log "$T/d.csv"
expect_run_error "same file before detection" "input and output paths refer to the same file" \
	constrict "$T/garbage.pcap" -o "$T/garbage.pcap"

# A plain run: exit 0, nothing on stdout without --stats, one summary line on
# stderr (issue 18; -q: nothing), output read by tshark.
SUM1="constrictor: 17 packets, 14674 bytes -> 10922 bytes, saved 25.6%"
cst_run constrict "$TLS1" -o "$T/o.pcap"
expect_eq "constrict exit" "$RC" 0
expect_eq "constrict stdout" "$OUT" ""
expect_eq "constrict stderr" "$ERR" "$SUM1"
cst_run constrict "$TLS1" -o "$T/o.pcap" -q
expect_eq "constrict -q stderr" "$ERR" ""
[ -s "$T/o.pcap" ] && pass "output written" || fail "no output"
command -v tshark >/dev/null && tshark_reads "$T/o.pcap"

# --stats: the SPEC 2.10 block on stdout.
cst_run constrict "$TLS1" -o "$T/o.pcap" --stats --stats
expect_eq "stats exit" "$RC" 0
expect_eq "stats stderr" "$ERR" "$SUM1"
expect_eq "stats first line" "$(head -n 1 "$T/out")" "input format: pcap"
expect_eq "stats line count" "$(wc -l <"$T/out")" 60
expect_eq "stats total packets" "$(grep '^total packets: ' "$T/out")" "total packets: 17"
expect_eq "stats policy label" "$(grep '^TLS AppData continuation policy: ' "$T/out")" "TLS AppData continuation policy: final_only"
expect_eq "stats tail" "$(tail -n 4 "$T/out" | tr '\n' '|')" "time precision: microsecond|endianness: little|link type: 1|snaplen: 65535|"

# --policy overrides the config; the label follows.
printf '[tls]\napp_data_continuation_policy = stream\n' >"$T/stream.ini"
cst_run constrict "$TLS1" -o "$T/o.pcap" --config "$T/stream.ini" --stats
expect_eq "config policy label" "$(grep '^TLS AppData' "$T/out")" "TLS AppData continuation policy: stream"
cst_run constrict "$TLS1" -o "$T/o.pcap" --config "$T/stream.ini" --policy track --stats
expect_eq "--policy label" "$(grep '^TLS AppData' "$T/out")" "TLS AppData continuation policy: track"
cst_run constrict "$TLS1" -o "$T/o.pcap" --policy bulk --config "$T/stream.ini" --stats
expect_eq "--policy wins whatever the order" "$(grep '^TLS AppData' "$T/out")" "TLS AppData continuation policy: bulk"

# --stats-format json: one valid JSON object, implies --stats.
cst_run constrict "$TLS1" -o "$T/o.pcap" --stats-format json --policy track
expect_eq "json exit" "$RC" 0
expect_eq "json one line" "$(wc -l <"$T/out")" 1
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["input_format"] == "pcap", d
assert d["tls_policy"] == "track", d
assert d["total_packets"] == 17, d
assert d["snaplen"] == 65535 and d["link_type"] == 1
for k in ("tls_bytes_saved", "quic_kept_dcid_mismatch", "flows_evicted", "checksum_skipped_fragment"):
    assert isinstance(d[k], int), k
' "$T/out"; then pass "json parses with the expected keys"; else fail "json: $OUT"; fi
cst_run constrict "$TLS1" -o "$T/o.pcap" --stats-format json --stats-format text
expect_eq "last --stats-format wins" "$(head -n 1 "$T/out")" "input format: pcap"

# -o - : the capture on stdout, stats on stderr.
"$CST_BIN" constrict "$TLS1" -o - >"$T/stdout.pcap" 2>"$T/err"
expect_eq "-o - exit" "$?" 0
"$CST_BIN" constrict "$TLS1" -o "$T/file.pcap"
same_bytes "-o - writes the same bytes" "$T/stdout.pcap" "$T/file.pcap"
"$CST_BIN" constrict "$TLS1" -o - --stats >"$T/stdout.pcap" 2>"$T/err"
same_bytes "-o - with --stats keeps stdout clean" "$T/stdout.pcap" "$T/file.pcap"
expect_eq "-o - stats on stderr" "$(head -n 1 "$T/err")" "input format: pcap"

# Incomplete tail: warnings on stderr, stats on stdout, exit 1 (SPEC 2.3).
cst_run constrict "$TAIL" -o "$T/tail.pcap" --stats
expect_eq "tail exit" "$RC" 1
expect_eq "tail stderr" "$ERR" "Warning: packet 4 at file offset 2750: unexpected EOF while reading packet payload; expected 4438 byte(s), available 1774 byte(s), missing 2664 byte(s)
Warning: output contains only packets successfully processed before the incomplete tail.
constrictor: 3 packets, 2678 bytes -> 2678 bytes, saved 0.0%"
expect_eq "tail stats incomplete" "$(grep -E '^input (incomplete|trailing|missing)' "$T/out" | tr '\n' '|')" \
	"input incomplete tail: 1|input incomplete packet records: 1|input trailing unprocessed bytes: 1774|input missing packet payload bytes: 2664|"
cst_run constrict "$TAIL" -o "$T/tail.pcap"
expect_eq "tail without --stats: exit" "$RC" 1
expect_eq "tail without --stats: stdout" "$OUT" ""

# Fatal reader error: error on stderr, no stats, exit 1.
python3 - "$T" <<'PY'
import struct, sys
t = sys.argv[1]
hdr = lambda ver: struct.pack('<IHHiIII', 0xa1b2c3d4, ver[0], ver[1], 0, 0, 65535, 1)
open(t + '/v3.pcap', 'wb').write(hdr((3, 4)))
rec = lambda cap, orig, data: struct.pack('<IIII', 1, 0, cap, orig) + data
open(t + '/big.pcap', 'wb').write(hdr((2, 4)) + rec(10, 5, b'\0' * 10) + rec(4, 4, b'abcd'))
PY
expect_run_error "fatal reader error" "file offset 4: unsupported classic PCAP version 3.4" constrict "$T/v3.pcap" -o "$T/v3o.pcap" --stats

# caplen > origlen: kept whole, warned on stderr after the run (contracts).
cst_run constrict "$T/big.pcap" -o "$T/bigo.pcap" --stats-format json
expect_eq "caplen>origlen exit" "$RC" 0
expect_eq "caplen>origlen counted" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["caplen_exceeds_origlen_packets"])' "$T/out" 2>&1)" 1
expect_eq "caplen>origlen warning" "$ERR" "Warning: 1 packet(s) had a captured length above the original length and were kept whole.
constrictor: 2 packets, 14 bytes -> 14 bytes, saved 0.0%"
same_bytes "caplen>origlen packet kept whole" "$T/bigo.pcap" "$T/big.pcap"

# reinflate/restore and --decision-log through the pipeline (the golden
# bytes of every case are in tests/golden/cases; here: the run sequence).
cst_run reinflate "$FIX/tls_test_2/constricted.pcap" -o "$T/r.pcap" --config "$FIX/tls_test_2/reinflate_recompute.ini" --stats
expect_eq "reinflate exit" "$RC" 0
expect_eq "reinflate stderr" "$ERR" ""
same_bytes "reinflate golden (recompute)" "$T/r.pcap" "$FIX/tls_test_2/reinflated_recompute_checksum.pcap"
expect_eq "reinflate stats first line" "$(head -n 1 "$T/out")" "input format: pcap"
cst_run restore "$FIX/tls_test_2/constricted.pcap" -o "$T/r2.pcap" --config "$FIX/tls_test_2/reinflate_preserve.ini"
expect_eq "restore exit" "$RC" 0
expect_eq "restore without --stats: stdout" "$OUT" ""
same_bytes "restore golden (preserve)" "$T/r2.pcap" "$FIX/tls_test_2/reinflated_preserve_checksum.pcap"
cst_run constrict "$TLS1" -o "$T/o.pcap" --decision-log "$T/logs/new/d.csv"
expect_eq "decision-log exit" "$RC" 0
expect_eq "decision-log header" "$(head -n 1 "$T/logs/new/d.csv" 2>&1)" \
	"packet_index,src_ip,src_port,dst_ip,dst_port,transport,tcp_seq,tcp_ack,tcp_flags,captured_length_before,captured_length_after,original_length,transport_payload_size,decision,reason,bytes_saved,tls_state_before,tls_state_after,tls_active_record_remaining_before,tls_active_record_remaining_after,tls_record_event,decode_note"
# one row per packet whose bytes or decision the engine looked at: at least
# the ClientHello (#4) and the cut AppData start (#7)
expect_eq "decision-log rows for #4 and #7" \
	"$(cut -d, -f1,14 "$T/logs/new/d.csv" 2>&1 | grep -E '^(4|7),' | tr '\n' ' ')" '4,"keep" 7,"truncate" '

finish
