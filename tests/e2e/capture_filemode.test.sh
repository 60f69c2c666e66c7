#!/bin/bash
# Issue 17, privileges (files were 0644 & ~umask on main 6eb4818).
#
# A live capture's files hold other people's traffic: they are created 0600
# (open(2) mode 0600, so the umask can only remove bits), whatever the umask
# leaves for group and others: the first file of -w, every file rotation
# creates (-C/-W), with and without -Z, and PCAPNG as PCAP.
source "$CST_SRC/tests/lib.sh"
source "$CST_SRC/tests/e2e/netns.sh"
need_tool python3
ns_setup

# modes DIR: "name mode" for every file of DIR
modes() { (cd "$1" && stat -c '%n %a' * | sort | xargs); }

# run_case NAME UMASK ARGS...: a capture of 2 s in $T/NAME with that umask
run_case() {
	local name="$1" um="$2"
	shift 2
	mkdir -p "$T/$name"
	chown nobody "$T/$name" 2>/dev/null
	(umask "$um" && cap_start "$T/$name.log" "$@" --duration 2 && cap_wait) ||
		fail "$name: capture did not start: $(cat "$T/$name.log")"
}

stream 100000
run_case plain 022 -i "$IF_B" -w "$T/plain/c.pcap"
expect_eq "umask 022: -w file" "$(modes "$T/plain")" "c.pcap 600"

run_case open 000 -i "$IF_B" -w "$T/open/c.pcapng" --format pcapng
expect_eq "umask 000: -w pcapng file" "$(modes "$T/open")" "c.pcapng 600"

run_case strict 0277 -i "$IF_B" -w "$T/strict/c.pcap"
expect_eq "umask 0277: the umask still removes bits" "$(modes "$T/strict")" "c.pcap 400"

run_case rot 022 -i "$IF_B" -w "$T/rot/r.pcap" -C 1k -W 3
m=$(cd "$T/rot" && stat -c %a * | sort -u | xargs)
n=$(ls "$T/rot" | wc -l)
[ "$n" -ge 2 ] && pass "rotation made $n files" || fail "rotation made $n file(s)"
expect_eq "umask 022: every rotated file" "$m" 600

if id nobody >/dev/null 2>&1; then
	run_case dropped 022 -i "$IF_B" -w "$T/dropped/d.pcap" -C 1k -W 3 -Z nobody
	m=$(cd "$T/dropped" && stat -c %a:%U * | sort -u | xargs)
	expect_eq "-Z nobody: every file 0600 and nobody's" "$m" 600:nobody
fi
stream_stop
finish
