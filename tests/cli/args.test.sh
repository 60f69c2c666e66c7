#!/usr/bin/env bash
# Command line of SPEC 2.1: usage, --help/--version scanning, every parse
# error with its exact message, stream (stdout/stderr) and exit code.
source "$CST_SRC/tests/lib.sh"

# The SPEC 2.1 usage text with constrictor's name (the first 14 lines of ours).
cat >"$T/spec_usage" <<'USAGE'
Usage:
  constrictor constrict input.pcap -o output.pcap [--config config.ini] [--stats] [--decision-log decisions.csv]
  constrictor reinflate input.pcap -o output.pcap [--config config.ini] [--stats]
  constrictor restore input.pcap -o output.pcap [--config config.ini] [--stats]
  constrictor --version
  constrictor --help

Notes:
  input/output may be classic PCAP (.pcap) or PCAPNG (.pcapng).
  restore is an alias for reinflate.

Current behavior:
  constrict preserves format and applies conservative suffix-only truncation when safe.
  reinflate/restore preserves format, pads truncated packets, and can preserve or recompute checksums via config.
USAGE

"$CST_BIN" --help >"$T/usage" 2>"$T/usage_err"
expect_eq "--help exit" "$?" 0
expect_eq "--help stderr empty" "$(cat "$T/usage_err")" ""
head -n 14 "$T/usage" >"$T/usage_head"
same_bytes "usage starts with the SPEC text" "$T/usage_head" "$T/spec_usage"
grep -q -- '--policy final_only|stream|bulk|track' "$T/usage" && pass "usage names --policy" || fail "usage lacks --policy"
grep -q -- '--stats-format text|json' "$T/usage" && pass "usage names --stats-format" || fail "usage lacks --stats-format"
grep -q 'constrictor capture ' "$T/usage" && grep -q 'constrictor audit ' "$T/usage" &&
	pass "usage names capture and audit" || fail "usage lacks capture/audit"
[ "$(tail -c 1 "$T/usage" | od -An -c | tr -d ' ')" = '\n' ] && pass "usage ends with a newline" || fail "usage does not end with newline"

# 1. no arguments: usage on stderr, exit 2 (issue 17 item 3; SPEC 2.1 printed it
#    on stdout with exit 0, docs/compatibility.md)
"$CST_BIN" >"$T/o" 2>"$T/e"
expect_eq "no args exit" "$?" 2
same_bytes "no args prints usage on stderr" "$T/e" "$T/usage"
expect_eq "no args stdout" "$(cat "$T/o")" ""

# 2. -h / --help / --version anywhere, first one wins, even as an option value
for args in "-h" "--help" "constrict -h" "bogus --help" "constrict in -o --help" "reinflate --config -h" "x y z -h --version"; do
	# shellcheck disable=SC2086
	"$CST_BIN" $args >"$T/o" 2>"$T/e"
	rc=$?
	expect_eq "[$args] exit" "$rc" 0
	same_bytes "[$args] usage on stdout" "$T/o" "$T/usage"
done
for args in "--version" "constrict --version" "bogus x --version -h" "constrict in -o --version"; do
	# shellcheck disable=SC2086
	cst_run $args
	expect_eq "[$args] exit" "$RC" 0
	expect_eq "[$args] version" "$OUT" "constrictor 0.1.0"
	expect_eq "[$args] stderr" "$ERR" ""
done
"$CST_BIN" --version | od -c | grep -q '\\n' && pass "version ends with newline" || fail "version newline"

# Parse errors: "error: <msg>\n\n<usage>" on stderr, nothing on stdout, exit 1.
# expect_usage_error NAME MSG ARGS...
expect_usage_error() {
	local name=$1 msg=$2
	shift 2
	"$CST_BIN" "$@" >"$T/o" 2>"$T/e"
	local rc=$?
	expect_eq "$name: exit" "$rc" 1
	expect_eq "$name: stdout empty" "$(cat "$T/o")" ""
	{ printf 'error: %s\n\n' "$msg"; cat "$T/usage"; } >"$T/want"
	same_bytes "$name: stderr" "$T/e" "$T/want"
}

expect_usage_error "unsupported command" "unsupported command: compress" compress in -o out
expect_usage_error "unsupported command (option)" "unsupported command: --stats" --stats
expect_usage_error "unsupported command (empty)" "unsupported command: " ""
expect_usage_error "missing -o value" "missing output path after -o" constrict in -o
expect_usage_error "missing --output value" "missing output path after --output" constrict in --output
expect_usage_error "missing --config value" "missing config path after --config" reinflate in -o out --config
expect_usage_error "missing --decision-log value" "missing path after --decision-log" constrict in -o out --decision-log
expect_usage_error "unknown option" "unknown option: --stat" constrict in -o out --stat
# A lone "-" is standard input now (issue 17 item 4; SPEC 2.1 called it an unknown option).
# Words after the input are a filter expression now (issue 20 item 4; SPEC 2.1 said
# "unexpected extra positional argument"): see the end of this file.
# Long options are spelled out: no abbreviations (SPEC 2.1 knows none).
expect_usage_error "abbreviated option" "unknown option: --out" constrict in --out x
expect_usage_error "abbreviated option=value" "unknown option: --pol=track" constrict in -o x --pol=track
expect_usage_error "flag with a value" "unknown option: --stats=1" constrict in -o x --stats=1
expect_usage_error "bad --policy=" "invalid value for --policy; expected final_only, stream, bulk, or track" constrict in -o out --policy=Track
expect_usage_error "unknown short option" "unknown option: -O" restore in -O out
expect_usage_error "missing input" "missing input path" constrict -o out --stats
expect_usage_error "missing input (nothing)" "missing input path" reinflate
expect_usage_error "missing output" "missing output path; use -o output.pcap" constrict in --stats
# The first error stops parsing (left to right).
expect_usage_error "first error wins" "unknown option: --x" constrict a --x b c -o
expect_usage_error "first error wins (2)" "unknown option: --x" constrict a b --x
# An option value is taken as is, even when it looks like an option.
expect_usage_error "value looks like option" "missing input path" constrict -o --stats
# constrictor's options
expect_usage_error "missing --policy value" "missing policy name after --policy" constrict in -o out --policy
expect_usage_error "bad --policy" "invalid value for --policy; expected final_only, stream, bulk, or track" constrict in -o out --policy Track
expect_usage_error "missing --stats-format value" "missing format after --stats-format" constrict in -o out --stats-format
expect_usage_error "bad --stats-format" "invalid value for --stats-format; expected text or json" constrict in -o out --stats-format xml

# Run-sequence errors: "error: <msg>" on stderr only (no usage), exit 1.
printf '[general]\nmin_saved_bytes_per_packet = 16\n[tls]\napp_data_keep_record_bytes = 4\n' >"$T/bad.ini"
printf '[general]\nmin_saved_bytes_per_packet = 16\n' >"$T/good.ini"
# 1. the config is loaded first, before any file is opened
expect_run_error "config value error" "config line 4: invalid value for tls.app_data_keep_record_bytes; expected integer >= 5" \
	reinflate "$T/missing.pcap" -o "$T/o.pcap" --config "$T/bad.ini" --decision-log "$T/d.csv"
expect_run_error "config missing" "failed to open config file: $T/nope.ini: No such file or directory" constrict "$T/missing.pcap" -o "$T/o.pcap" --config "$T/nope.ini"
expect_run_error "config unreadable" "failed while reading config file" constrict "$T/missing.pcap" -o "$T/o.pcap" --config "$T"
printf '\n\xef\xbb\xbf[general]\n' >"$T/bom.ini" # a BOM is skipped only at the start
expect_run_error "config BOM" "config line 2: expected key = value" constrict in -o out --config "$T/bom.ini"
# 2. --decision-log only with constrict, checked before the files
for cmd in reinflate restore; do
	expect_run_error "$cmd --decision-log" "--decision-log is supported only with constrict mode" \
		$cmd "$T/missing.pcap" -o "$T/o.pcap" --decision-log "$T/d.csv" --config "$T/good.ini"
done
[ ! -e "$T/o.pcap" ] && [ ! -e "$T/d.csv" ] && pass "no file created by early errors" || fail "early error created a file"

# capture / audit are dispatched to their commands (or reported missing)
cst_run capture --help
if [ "$RC" = 1 ] && [ "$ERR" = "error: the capture command is not available in this build" ]; then
	pass "capture reported unavailable"
else
	[ "$RC" = 0 ] && pass "capture --help handled by the capture command" || fail "capture --help: rc=$RC err=$ERR"
fi
cst_run audit --help
if [ "$RC" = 1 ] && [ "$ERR" = "error: the audit command is not available in this build" ]; then
	pass "audit reported unavailable"
else
	[ "$RC" = 0 ] && pass "audit --help handled by the audit command" || fail "audit --help: rc=$RC err=$ERR"
fi

# issue 20 item 4: words after the input are a tcpdump filter expression, -c N a limit.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0' >"$T/empty.pcap"
cst_run constrict "$T/empty.pcap" -o "$T/f.pcap" tcp port
expect_eq "bad filter: exit" "$RC" 1
case "$ERR" in
"error: bad filter expression 'tcp port': "*) [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] &&
	pass "bad filter: one line naming the expression" || fail "bad filter: more than one line: $ERR" ;;
*) fail "bad filter: message: $ERR" ;;
esac
cst_run reinflate "$T/empty.pcap" -o "$T/f.pcap" 'ether host'
expect_eq "reinflate bad filter: exit" "$RC" 1
case "$ERR" in "error: bad filter expression 'ether host': "*) pass "reinflate bad filter" ;;
*) fail "reinflate bad filter: $ERR" ;; esac
cst_run constrict "$T/empty.pcap" -o "$T/f.pcap" -q tcp port 443
expect_eq "good filter of words: exit" "$RC:$ERR" "0:"
cst_run constrict "$T/empty.pcap" -o "$T/f.pcap" -c x
expect_eq "bad -c" "$RC:$ERR" "1:error: invalid value for -c: 'x'"
cst_run constrict "$T/empty.pcap" -o "$T/f.pcap" -c 0
expect_eq "-c 0" "$RC:$ERR" "1:error: invalid value for -c: '0'"
expect_usage_error "missing -c value" "missing packet count after -c" constrict in -o out -c
expect_usage_error "missing --tls-keylog value" "missing key log path after --tls-keylog" constrict in -o out --tls-keylog

finish
