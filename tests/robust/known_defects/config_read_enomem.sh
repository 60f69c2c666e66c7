#!/usr/bin/env bash
# A config file that cannot be read to the end must be an error, not "empty".
source "$(dirname "$0")/common.sh"
(ulimit -v 400000 && exec timeout 30 "$CST_BIN" constrict "$CST_FIXTURES/tls_test_2/input.pcap" \
	-o "$W/out.pcap" --config /dev/zero) 2>"$W/err"
rc=$?
echo "exit $rc $(cat "$W/err")"
[ "$rc" = 0 ] && defect "getline() failed (ENOMEM) and the config was taken as empty: exit 0 with defaults"
fixed "exit $rc"
