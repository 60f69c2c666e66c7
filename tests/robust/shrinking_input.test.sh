# An input truncated while constrict reads it (mmap'ed) must end with a
# one-line error and exit 1, never a SIGBUS crash, and leave no temporary
# output behind.
source "$CST_SRC/tests/lib.sh"
need_fixtures
make_big() {
	python3 - "$FIX/quic_test_2/input.pcap" "$T/big.pcap" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(d)
    for _ in range(4000):  # ~150 MB
        f.write(d[24:])
PY
}
for i in 1 2 3; do
	make_big
	"$CST_BIN" constrict "$T/big.pcap" -o "$T/out.pcap" 2>"$T/err" &
	pid=$!
	# the run writes OUT.XXXXXX.part until it succeeds
	for _ in $(seq 200); do ls "$T"/out.pcap.*.part >/dev/null 2>&1 && break; sleep 0.01; done
	truncate -s 1000000 "$T/big.pcap"
	wait "$pid"
	rc=$?
	if [ "$rc" -le 1 ]; then pass "run $i: exit $rc"; else fail "run $i: exit $rc ($(head -c 200 "$T/err"))"; fi
	if [ "$rc" = 1 ]; then
		expect_eq "run $i: one error line" "$(grep -c '^error: \|^Warning: ' "$T/err")" "$(wc -l <"$T/err")"
	fi
	if grep -q "shrank" "$T/err"; then
		expect_eq "run $i: SIGBUS leaves no temporary output" "$(ls "$T" | grep -c '\.part$')" 0
		[ ! -e "$T/out.pcap" ] && pass "run $i: no output" || fail "run $i: an output was left"
	fi
	rm -f "$T/out.pcap"
done
finish
