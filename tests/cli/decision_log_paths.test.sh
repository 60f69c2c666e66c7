# The decision log must never be written over the input or into the output.
source "$CST_SRC/tests/lib.sh"
need_fixtures
IN="$T/in.pcap"
cp "$FIX/tls_test_2/input.pcap" "$IN"
sum_before=$(sha256sum <"$IN")

err=$("$CST_BIN" constrict "$IN" -o "$T/out.pcap" --decision-log "$IN" 2>&1); rc=$?
expect_eq "log = input: exit" "$rc" 1
expect_eq "log = input: message" "$err" "error: decision log and input paths refer to the same file"
expect_eq "log = input: input untouched" "$(sha256sum <"$IN")" "$sum_before"

err=$("$CST_BIN" constrict "$IN" -o "$T/new.pcap" --decision-log "$T/../$(basename "$T")/new.pcap" 2>&1); rc=$?
expect_eq "log = output (not yet existing): exit" "$rc" 1
expect_eq "log = output: message" "$err" "error: decision log and output paths refer to the same file"

"$CST_BIN" constrict "$IN" -o - --decision-log /dev/stdout >"$T/stdout.bin" 2>"$T/err.txt"; rc=$?
expect_eq "log = stdout with -o -: exit" "$rc" 1
expect_eq "log = stdout with -o -: message" "$(cat "$T/err.txt")" "error: decision log and output paths refer to the same file"

"$CST_BIN" constrict "$IN" -o "$T/ok.pcap" --decision-log "$T/sub/dir/log.csv"; rc=$?
expect_eq "distinct log path: exit" "$rc" 0
expect_eq "distinct log path: header" "$(head -c 12 "$T/sub/dir/log.csv")" "packet_index"
finish
