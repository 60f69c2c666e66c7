#!/bin/bash
# The systemd unit (docs/examples/constrictor-capture@.service) asks for
# CAP_NET_RAW only (issue 18 item 8; CAP_NET_ADMIN was never needed: the
# promiscuous membership and the ring need none).  This test reads the
# unit's capability lines and runs its ExecStart options as an unprivileged
# user holding exactly those capabilities (ambient, inheritable, bounding),
# as systemd would with DynamicUser: the capture records, the interface
# goes promiscuous, and the process holds CAP_NET_RAW alone.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_root
need_tool setpriv
need_tool python3
need_tool tshark
id nobody >/dev/null 2>&1 || skip "no user nobody"
UNIT="$CST_SRC/docs/examples/constrictor-capture@.service"

amb=$(sed -n 's/^AmbientCapabilities=//p' "$UNIT")
bnd=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
expect_eq "unit: AmbientCapabilities" "$amb" CAP_NET_RAW
expect_eq "unit: CapabilityBoundingSet" "$bnd" CAP_NET_RAW
# the unit's list in setpriv's words: CAP_NET_RAW -> +net_raw
caps=$(for c in $amb; do printf ',+%s' "$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"; done)

ns_setup
chmod 755 "$T"
mkdir -p "$T/bin" "$T/out"
chown nobody "$T/out"
cp "$CST_BIN" "$T/bin/constrictor" # a plain copy: no file capability, no setuid
chmod 755 "$T/bin" "$T/bin/constrictor"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

args=$(sed -n 's|^ExecStart=/usr/bin/constrictor capture -i %i ||p' "$UNIT" | sed "s|/var/lib/constrictor/%i|$T/out|")
[ -n "$args" ] || fail "unit: no ExecStart with capture -i %i"
ip netns exec "$NS_A" python3 "$PCAPTOOL" stream "$IF_A" 0.01 3000 &
NS_PIDS="$NS_PIDS $!"
# shellcheck disable=SC2086 # the unit's arguments, split as systemd splits them
ip netns exec "$NS_B" setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups \
	--inh-caps="-all$caps" --ambient-caps="-all$caps" --bounding-set="-all$caps" \
	"$T/bin/constrictor" capture -i "$IF_B" $args -c 30 --duration 20 2>"$T/u.log" &
PID=$!
NS_PIDS="$NS_PIDS $PID"
for i in $(seq 100); do grep -q "listening on" "$T/u.log" && break; kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if grep -q "listening on" "$T/u.log"; then
	expect_eq "unit capabilities: effective" "$(sed -n 's/^CapEff:\t//p' "/proc/$PID/status")" 0000000000002000
	expect_eq "unit capabilities: promiscuous without CAP_NET_ADMIN" \
		"$(ip -n "$NS_B" -d link show "$IF_B" | grep -o 'promiscuity [0-9]*')" "promiscuity 1"
fi
wait "$PID"
expect_eq "unit capabilities: exit status" "$?" 0
expect_eq "unit capabilities: packets captured" "$(stat_of "$T/u.log" "packets captured")" 30
f=$(ls "$T/out" | head -1)
[ -n "$f" ] && tshark_reads "$T/out/$f" || fail "unit capabilities: no file in $T/out ($(cat "$T/u.log"))"
finish
