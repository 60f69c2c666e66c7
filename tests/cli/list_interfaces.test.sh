#!/usr/bin/env bash
# capture -D / --list-interfaces (issue 18 item 7): the interfaces as tcpdump
# -D lists them ("1.eth0 [Up, Running, Connected]"), numbered from 1, then
# the "any" pseudo-device; the names are exactly those of `ip -o link`, the
# flags those the kernel reports (loopback Up/Running/Loopback, a link that
# is down without Up).  Root adds a namespace with a veth pair whose state
# is known.
source "$CST_SRC/tests/lib.sh"
need_tool ip

check_listing() { # NAME OUT: compare with `ip -o link` of the same namespace (stdin)
	local want got
	want=$(sed -n 's/^[0-9]*: \([^:@]*\)[@:].*/\1/p' | xargs)
	got=$(sed -n 's/^[0-9]*\.\([^ ]*\).*/\1/p' "$2" | grep -vx any | xargs)
	expect_eq "$1: names as ip -o link" "$got" "$want"
	expect_eq "$1: numbered 1..N" "$(cut -d. -f1 "$2" | xargs)" "$(seq "$(wc -l <"$2")" | xargs)"
	expect_eq "$1: any last" "$(tail -1 "$2" | sed 's/^[0-9]*\.//')" \
		"any (Pseudo-device that captures on all interfaces) [Up, Running]"
	bad=$(grep -v '^[0-9]*\.any ' "$2" | grep -cvE '^[0-9]+\.[^ ]+( \[(Up|Running|Loopback|Connected|Disconnected)(, (Up|Running|Loopback|Connected|Disconnected))*\])?$')
	expect_eq "$1: every line in tcpdump's form" "$bad" 0
}

# Other tests running in parallel add and remove interfaces in this namespace:
# list until `ip -o link` is the same before and after -D.
for try in 1 2 3 4 5 6 7 8 9 10; do
	ip -o link >"$T/before"
	"$CST_BIN" capture -D >"$T/d.out" 2>"$T/d.err"
	rc=$?
	ip -o link >"$T/after"
	cmp -s "$T/before" "$T/after" && break
	sleep 0.5
done
expect_eq "-D: exit" "$rc" 0
expect_eq "-D: nothing on stderr" "$(cat "$T/d.err")" ""
check_listing "host" "$T/d.out" <"$T/before"
"$CST_BIN" capture --list-interfaces >"$T/l.out"
same_bytes "--list-interfaces = -D" "$T/d.out" "$T/l.out"

if [ "$(id -u)" = 0 ] && ip netns add "cstD$$" 2>/dev/null; then
	trap 'ip netns del "cstD$$" 2>/dev/null' EXIT
	ip -n "cstD$$" link add cstup type veth peer name cstdown
	ip -n "cstD$$" link set lo up
	ip -n "cstD$$" link set cstup up # its peer stays down: no carrier
	ip netns exec "cstD$$" "$CST_BIN" capture -D >"$T/ns.out"
	ip -n "cstD$$" -o link | check_listing "namespace" "$T/ns.out"
	expect_eq "loopback flags" "$(grep '^1\.lo ' "$T/ns.out")" "1.lo [Up, Running, Loopback]"
	expect_eq "a down veth" "$(grep -o 'cstdown.*' "$T/ns.out")" "cstdown [Disconnected]"
	expect_eq "an up veth without carrier" "$(grep -o 'cstup.*' "$T/ns.out")" "cstup [Up, Disconnected]"
	ip -n "cstD$$" link set cstdown up
	sleep 0.2
	ip netns exec "cstD$$" "$CST_BIN" capture -D >"$T/ns2.out"
	expect_eq "an up veth with carrier" "$(grep -o 'cstup.*' "$T/ns2.out")" "cstup [Up, Running, Connected]"
else
	skip_part "not root: the namespace with known interface states is not built"
fi
finish
