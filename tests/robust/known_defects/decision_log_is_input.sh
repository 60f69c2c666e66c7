#!/usr/bin/env bash
# constrict IN -o OUT --decision-log IN must refuse (input untouched).
source "$(dirname "$0")/common.sh"
cp "$CST_FIXTURES/tls_test_2/input.pcap" "$W/in.pcap"
"$CST_BIN" constrict "$W/in.pcap" -o "$W/out.pcap" --decision-log "$W/in.pcap"
echo "exit $?"
cmp -s "$W/in.pcap" "$CST_FIXTURES/tls_test_2/input.pcap" ||
	defect "the input capture was overwritten ($(stat -c %s "$W/in.pcap") bytes left, starts: $(head -c 40 "$W/in.pcap"))"
fixed "input untouched"
