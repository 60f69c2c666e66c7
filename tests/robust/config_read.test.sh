#!/usr/bin/env bash
# A config file that cannot be read to its end is an error, never "empty":
# /dev/zero has no line end, so getline() fails (ENOMEM under a memory limit)
# before EOF; the run must stop with the read error instead of going on with
# the defaults (it did before the fix in config.c read_lines()).
source "$CST_SRC/tests/lib.sh"
need_fixtures
[ -n "${CST_SANITIZED:-}" ] && skip "ulimit -v cannot apply to a sanitizer build (shadow memory)"
(ulimit -v 400000 && exec "$CST_BIN" --version) >/dev/null 2>&1 ||
	skip "the binary does not start under ulimit -v 400000 (sanitizer build?)"
(ulimit -v 400000 && exec timeout 60 "$CST_BIN" constrict "$FIX/tls_test_2/input.pcap" \
	-o "$T/out.pcap" --config /dev/zero) >/dev/null 2>"$T/err"
rc=$?
expect_eq "unreadable config: exit and message" "$rc $(cat "$T/err")" \
	"1 error: failed while reading config file"
[ -e "$T/out.pcap" ] && fail "an output was written despite the config error" || pass "no output written"
finish
