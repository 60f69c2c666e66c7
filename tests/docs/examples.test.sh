#!/bin/bash
# The user documentation matches the program: every example configuration
# loads and runs, the man page renders without warnings, and every long
# option the program's --help texts print is documented in the man page.
source "$CST_SRC/tests/lib.sh"
EX="$CST_SRC/docs/examples"
MAN="$CST_SRC/docs/constrictor.1"

python3 "$CST_SRC/tools/gencap.py" "$T/in.pcap" --packets 200 --seed 1 >/dev/null ||
	skip "tools/gencap.py could not generate a capture"

# constrict.ini: offline dialect, every key
if "$CST_BIN" constrict "$T/in.pcap" -o "$T/c.pcap" --config "$EX/constrict.ini" >"$T/c.out" 2>&1; then
	pass "constrict --config constrict.ini"
else
	fail "constrict --config constrict.ini: $(head -1 "$T/c.out")"
fi
# its values are the defaults: the same bytes as without a config
"$CST_BIN" constrict "$T/in.pcap" -o "$T/d.pcap" >/dev/null 2>&1
same_bytes "constrict.ini holds the defaults" "$T/c.pcap" "$T/d.pcap"

# reinflate.ini: reinflate and restore, reproducible thanks to the seed
for cmd in reinflate restore; do
	if "$CST_BIN" $cmd "$T/c.pcap" -o "$T/$cmd.pcap" --config "$EX/reinflate.ini" >"$T/r.out" 2>&1; then
		pass "$cmd --config reinflate.ini"
	else
		fail "$cmd --config reinflate.ini: $(head -1 "$T/r.out")"
	fi
done
same_bytes "reinflate.ini is reproducible (seed)" "$T/reinflate.pcap" "$T/restore.pcap"
expect_eq "reinflated file is full size" "$(stat -c %s "$T/reinflate.pcap")" "$(stat -c %s "$T/in.pcap")"

# capture.ini: the AFPacket form fed from a file, output redirected into $T
sed "s|^output = .*|output = $T/cap.pcap|" "$EX/capture.ini" >"$T/capture.ini"
if "$CST_BIN" capture --config "$T/capture.ini" --offline-input "$T/in.pcap" >"$T/cap.out" 2>&1; then
	pass "capture --config capture.ini --offline-input"
else
	fail "capture --config capture.ini: $(head -1 "$T/cap.out")"
fi
grep -q "^packets_total: 200$" "$T/cap.out" && pass "capture.ini feed read every packet" ||
	fail "capture.ini feed: $(cat "$T/cap.out")"
[ -s "$T/cap.pcap" ] && pass "capture.ini output written" || fail "capture.ini: no output"
if command -v tshark >/dev/null 2>&1; then tshark_reads "$T/cap.pcap"; fi
# the same file also configures the tcpdump-style form
if "$CST_BIN" capture -r "$T/in.pcap" -w "$T/r.pcap" --config "$T/capture.ini" >"$T/cr.out" 2>&1; then
	pass "capture -r --config capture.ini"
else
	fail "capture -r --config capture.ini: $(head -1 "$T/cr.out")"
fi

# systemd unit: its recording options are accepted, run on a file instead of
# the interface (no root needed): -i %i becomes -r, the state directory $T
unit="$EX/constrictor-capture@.service"
grep -q '^ExecStart=/usr/bin/constrictor capture -i %i ' "$unit" && pass "unit runs capture -i %i" ||
	fail "unit ExecStart"
for k in Restart=on-failure 'AmbientCapabilities=CAP_NET_RAW' \
	'CapabilityBoundingSet=CAP_NET_RAW' ProtectSystem=strict NoNewPrivileges=yes; do
	grep -qx "$k" "$unit" && pass "unit has $k" || fail "unit lacks $k"
done
args=$(sed -n 's|^ExecStart=/usr/bin/constrictor capture -i %i ||p' "$unit" | sed "s|/var/lib/constrictor/%i|$T/unit|")
mkdir -p "$T/unit"
# shellcheck disable=SC2086 # the unit's argument list, split as systemd splits it
if "$CST_BIN" capture -r "$T/in.pcap" $args >"$T/u.out" 2>&1 && ls "$T/unit" | grep -q .; then
	pass "unit's options accepted (capture -r ... $args)"
else
	fail "unit's options: $(head -1 "$T/u.out")"
fi

# man page renders without warnings
if command -v groff >/dev/null 2>&1; then
	w=$(groff -man -Tutf8 -ww "$MAN" 2>&1 >/dev/null)
	expect_eq "man page renders without warnings" "$w" ""
else
	echo "SKIP (partly): groff not installed, man page not rendered"
fi

# every long option of the --help texts is in the man page
page=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$MAN")
helps=$({ "$CST_BIN" --help; "$CST_BIN" capture --help; "$CST_BIN" audit --help; } 2>&1)
opts=$(printf '%s\n' "$helps" | grep -o -- '--[a-z][a-z-]*' | sort -u)
[ -n "$opts" ] || fail "no long option found in the --help texts"
for o in $opts; do
	printf '%s\n' "$page" | grep -q -- "$o\\b" && pass "man page documents $o" || fail "man page lacks $o"
done
# examples/ (the library's example programs): each is listed in
# examples/README.md, and the README's install commands exist in the Makefile
for c in "$CST_SRC"/examples/*.c; do
	grep -q "\`$(basename "$c")\`" "$CST_SRC/examples/README.md" && pass "examples/README.md lists $(basename "$c")" ||
		fail "examples/README.md does not list $(basename "$c")"
done
grep -q '^make install PREFIX=/usr DESTDIR=' "$CST_SRC/README.md" && pass "README shows make install" ||
	fail "README lacks the make install line"
grep -q '^install:' "$CST_SRC/Makefile" && pass "Makefile has install" || fail "Makefile lacks install"
# the man page's configuration section describes the one grammar of every command
printf '%s\n' "$page" | grep -q 'reads the same grammar and the same keys' &&
	pass "man page: one configuration grammar" || fail "man page: configuration grammar"
finish
