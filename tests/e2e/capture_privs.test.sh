#!/bin/bash
# Privileges of a live capture (issue 17, docs/security.md):
#  1. a copy of the binary with only `setcap cap_net_raw+ep`, run as the
#     unprivileged user nobody (no groups, no inherited capabilities), captures
#     in a test namespace; the running process holds exactly CAP_NET_RAW;
#     the interface is in promiscuous mode (no CAP_NET_ADMIN needed); the
#     same copy without the file capability is refused with a message that
#     names CAP_NET_RAW;
#  2. `-Z nobody` started as root with extra supplementary groups: the running
#     capture (/proc/PID/status) has nobody's uid, gid and groups only and no
#     capability left; its first file and the files rotation creates later
#     belong to nobody.
# Needs root (namespaces, setcap), setcap and setpriv; skips otherwise.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_root
need_tool setcap
need_tool setpriv
need_tool python3
need_tool tshark
id nobody >/dev/null 2>&1 || skip "no user nobody"
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
ns_setup

# Where nobody can reach the binary copies and write its files.
chmod 755 "$T"
mkdir -p "$T/bin" "$T/out"
chown nobody "$T/out"
cp "$CST_BIN" "$T/bin/constrictor-netraw"
cp "$CST_BIN" "$T/bin/constrictor-nocap"
chmod 755 "$T/bin" "$T/bin/"*
setcap cap_net_raw+ep "$T/bin/constrictor-netraw" 2>/dev/null ||
	skip "cannot set file capabilities on $T (filesystem without security xattrs?)"
# A sanitizer build cannot stop the world for the leak check of a
# non-dumpable (file-capability) process; leaks are checked by every other test.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# start LOG CMD...: run CMD in namespace B (CMD execs the recorder, so $! is
# its PID), wait at most 10 s for "listening on".
start() {
	local log="$1" i
	shift
	ip netns exec "$NS_B" "$@" 2>"$log" &
	PID=$!
	NS_PIDS="$NS_PIDS $PID"
	for i in $(seq 100); do
		grep -q "listening on" "$log" 2>/dev/null && return 0
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# status_field PID NAME: the value of NAME in /proc/PID/status, tabs as spaces
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' '  ' | sed 's/ $//'; }
CAP_NET_RAW_MASK=0000000000002000 # bit 13 (linux/capability.h)

# 1a. nobody without the capability: refused, the message says what is missing.
out=$(ip netns exec "$NS_B" setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
	--inh-caps=-all "$T/bin/constrictor-nocap" capture -i "$IF_B" -w "$T/out/nocap.pcap" -c 1 \
	--duration 5 2>&1)
rc=$?
[ "$rc" -ne 0 ] && pass "nobody without CAP_NET_RAW: refused (exit $rc)" ||
	fail "nobody without CAP_NET_RAW: exit 0"
case "$out" in
*CAP_NET_RAW*) pass "refusal names CAP_NET_RAW" ;;
*) fail "refusal does not name CAP_NET_RAW: $out" ;;
esac
expect_eq "refusal is one line" "$(printf '%s\n' "$out" | grep -c .)" 1

# 1b. nobody with cap_net_raw+ep on the binary: captures, holds CAP_NET_RAW only.
for be in tpacket_v3 recvmsg; do
	stream 3000
	if start "$T/raw.$be.log" setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
		--inh-caps=-all "$T/bin/constrictor-netraw" capture -i "$IF_B" -w "$T/out/raw.$be.pcap" \
		-c 20 --duration 20 --backend "$be"; then
		expect_eq "$be CAP_NET_RAW only: uid" "$(status_field "$PID" Uid)" \
			"$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
		expect_eq "$be CAP_NET_RAW only: effective capabilities" "$(status_field "$PID" CapEff)" \
			"$CAP_NET_RAW_MASK"
		expect_eq "$be CAP_NET_RAW only: permitted capabilities" "$(status_field "$PID" CapPrm)" \
			"$CAP_NET_RAW_MASK"
		# promiscuous membership (tcpdump's default) needs no CAP_NET_ADMIN
		expect_eq "$be CAP_NET_RAW only: promiscuous" \
			"$(ip -n "$NS_B" -d link show "$IF_B" | grep -o 'promiscuity [0-9]*')" "promiscuity 1"
		wait "$PID"
		rc=$?
		expect_eq "$be CAP_NET_RAW only: exit status" "$rc" 0
		expect_eq "$be CAP_NET_RAW only: packets captured" "$(stat_of "$T/raw.$be.log" "packets captured")" 20
		expect_eq "$be CAP_NET_RAW only: file owner" "$(stat -c %U "$T/out/raw.$be.pcap")" nobody
		tshark_reads "$T/out/raw.$be.pcap"
		expect_eq "$be CAP_NET_RAW only: packets in the file" \
			"$(tshark -n -r "$T/out/raw.$be.pcap" 2>/dev/null | wc -l)" 20
	else
		fail "$be: capture as nobody with CAP_NET_RAW did not start: $(cat "$T/raw.$be.log")"
	fi
	stream_stop
done

# 2. -Z nobody from root with supplementary groups 4 and 6: all of them go.
mkdir -p "$T/z"
chown nobody "$T/z"
stream 100000
if start "$T/z.log" setpriv --groups 4,6 "$CST_BIN" capture -i "$IF_B" -w "$T/z/z.pcap" -Z nobody \
	-C 2k -W 3 --duration 20; then
	sleep 0.3 # past the drop: "listening on" is printed after it
	expect_eq "-Z: uid (real, effective, saved, fs)" "$(status_field "$PID" Uid)" \
		"$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
	expect_eq "-Z: gid (real, effective, saved, fs)" "$(status_field "$PID" Gid)" \
		"$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID"
	expect_eq "-Z: supplementary groups" "$(status_field "$PID" Groups | tr ' ' '\n' | sort -n | xargs)" \
		"$(id -G nobody | tr ' ' '\n' | sort -n | xargs)"
	expect_eq "-Z: effective capabilities" "$(status_field "$PID" CapEff)" 0000000000000000
	expect_eq "-Z: permitted capabilities" "$(status_field "$PID" CapPrm)" 0000000000000000
	# Rotation: at 100 frames/s of ~60 bytes, 2 KiB files roll every ~0.3 s.
	for i in $(seq 50); do
		[ "$(ls "$T/z" | wc -l)" -ge 3 ] && break
		sleep 0.1
	done
	kill -TERM "$PID"
	wait "$PID"
	expect_eq "-Z: exit status after SIGTERM" "$?" 0
	n=$(ls "$T/z" | wc -l)
	[ "$n" -ge 2 ] && pass "-Z with -C 2k: $n files" || fail "-Z with -C 2k: $n file(s), rotation never happened"
	owners=$(stat -c %U:%G "$T/z"/* | sort -u | xargs)
	expect_eq "-Z: every file belongs to nobody" "$owners" "nobody:$(id -gn nobody)"
	for f in "$T/z"/*; do tshark_reads "$f"; done
else
	fail "-Z nobody: capture did not start: $(cat "$T/z.log")"
fi
stream_stop
finish
