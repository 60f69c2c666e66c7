#!/usr/bin/env bash
# constrict IN -o OUT --decision-log OUT must refuse, not write a corrupt OUT.
source "$(dirname "$0")/common.sh"
"$CST_BIN" constrict "$CST_FIXTURES/tls_test_2/input.pcap" -o "$W/out.pcap" --decision-log "$W/out.pcap"
rc=$?
echo "exit $rc"
if [ "$rc" = 0 ] && ! "$CST_BIN" constrict "$W/out.pcap" -o /dev/null 2>/dev/null; then
	defect "exit 0 but the output is unreadable (CSV and PCAP bytes interleaved): $(head -c 40 "$W/out.pcap" | tr -cd "[:print:]")"
fi
fixed "refused or readable"
