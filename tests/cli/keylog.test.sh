# issue 20 item 3 without a network: constrict --tls-keylog / general.tls_keylog on
# the golden inputs.  The DSB is where tshark finds it (capinfos counts it), the
# packets are those of the output without a key log, PCAP input needs a PCAPNG
# output, rotation repeats the secrets in every file, errors name the file.
source "$CST_SRC/tests/lib.sh"
need_fixtures
need_tool tshark
need_tool capinfos
R=$(printf 'a%.0s' $(seq 64))
printf '# keys\nCLIENT_RANDOM %s %s\nSERVER_TRAFFIC_SECRET_0 %s %s\r\nbogus\n' \
	"$R" "$(printf 'b%.0s' $(seq 96))" "$R" "$(printf 'c%.0s' $(seq 64))" >"$T/keys.log"
dsbs() { capinfos "$1" 2>/dev/null | sed -n 's/^Number of decryption secrets in file: *//p'; }
pkts() { tshark -n -r "$1" -T fields -e frame.time_epoch -e frame.cap_len -e frame.len 2>/dev/null | md5sum; }

IN="$FIX/tls_test_2/input.pcap"
"$CST_BIN" constrict "$IN" -o "$T/out.pcapng" -q --tls-keylog "$T/keys.log" 2>"$T/err"
expect_eq "pcap -> .pcapng: exit" "$?" 0
expect_eq "pcap -> .pcapng: one DSB" "$(dsbs "$T/out.pcapng")" 1
expect_eq "malformed line named" "$(cat "$T/err")" "Warning: $T/keys.log:4: malformed key log line (expected LABEL CLIENT_RANDOM SECRET)"
"$CST_BIN" constrict "$IN" -o "$T/plain.pcap" -q
expect_eq "pcap -> .pcapng: the same packets" "$(pkts "$T/out.pcapng")" "$(pkts "$T/plain.pcap")"
# the secrets as written: both good lines, LF-terminated, in the DSB (type TLSK)
python3 - "$T/out.pcapng" >"$T/dsb.txt" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read(); o = 0
while o < len(d):
    t, l = struct.unpack('<II', d[o:o + 8])
    if t == 10:
        st, sl = struct.unpack('<II', d[o + 8:o + 16])
        print(hex(st)); sys.stdout.write(d[o + 16:o + 16 + sl].decode())
    o += l
PY
expect_eq "DSB content" "$(cat "$T/dsb.txt")" "$(printf '0x544c534b\nCLIENT_RANDOM %s %s\nSERVER_TRAFFIC_SECRET_0 %s %s' \
	"$R" "$(printf 'b%.0s' $(seq 96))" "$R" "$(printf 'c%.0s' $(seq 64))")"

err=$("$CST_BIN" constrict "$IN" -o "$T/x.pcap" -q --tls-keylog "$T/keys.log" 2>&1); rc=$?
expect_eq "pcap -> .pcap refused" "$rc:$err" "1:error: --tls-keylog needs PCAPNG output: name it .pcapng or add -F pcapng"
"$CST_BIN" constrict "$IN" -o "$T/f.out" -F pcapng -q --tls-keylog "$T/keys.log" 2>/dev/null
expect_eq "-F pcapng: one DSB" "$(dsbs "$T/f.out")" 1
err=$("$CST_BIN" constrict "$IN" -o "$T/y.pcapng" -q --tls-keylog "$T/none.log" 2>&1); rc=$?
expect_eq "missing key log" "$rc:$err" "1:error: cannot open TLS key log $T/none.log: No such file or directory"
[ ! -e "$T/y.pcapng" ] && pass "missing key log: no output" || fail "missing key log: output left"
err=$("$CST_BIN" reinflate "$IN" -o "$T/r.pcap" --tls-keylog "$T/keys.log" 2>&1); rc=$?
expect_eq "reinflate --tls-keylog refused" "$rc:$err" "1:error: --tls-keylog is supported only with constrict mode"

# PCAPNG input: copied blocks, the DSB after the SHB; its own DSBs kept
PNG="$FIX/single/tls_quic_test_1.pcapng"
printf '[general]\ntls_keylog = %s\n' "$T/keys.log" >"$T/k.ini"
"$CST_BIN" constrict "$PNG" -o "$T/ng.pcapng" -q --config "$T/k.ini" 2>/dev/null
expect_eq "general.tls_keylog: one DSB" "$(dsbs "$T/ng.pcapng")" 1
"$CST_BIN" constrict "$T/ng.pcapng" -o "$T/ng2.pcapng" -q --tls-keylog "$T/keys.log" 2>/dev/null
expect_eq "a PCAPNG input's DSB kept, the new one added" "$(dsbs "$T/ng2.pcapng")" 2
"$CST_BIN" constrict "$PNG" -o "$T/plain.pcapng" -q
expect_eq "pcapng: the same packets" "$(pkts "$T/ng.pcapng")" "$(pkts "$T/plain.pcapng")"
# rotation: every file reads on its own, with the secrets
mkdir -p "$T/rot"
"$CST_BIN" constrict "$PNG" -o "$T/rot/r.pcapng" -C 8k -q --tls-keylog "$T/keys.log" 2>/dev/null
n=0 bad=0
for f in "$T"/rot/r.pcapng*; do n=$((n + 1)); [ "$(dsbs "$f")" = 1 ] || bad=$((bad + 1)); done
[ "$n" -ge 2 ] && [ "$bad" = 0 ] && pass "rotation: $n files, each with the DSB" || fail "rotation: $bad of $n files without the DSB"
err=$("$CST_BIN" constrict "$IN" -o "$T/rot/p.pcapng" -C 8k -q --tls-keylog "$T/keys.log" 2>&1); rc=$?
expect_eq "pcap input, rotation: refused" "$rc:$err" "1:error: --tls-keylog with -C/-G needs a PCAPNG input"
finish
