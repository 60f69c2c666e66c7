#!/bin/bash
# Golden constrict cases from constrict.testlist: exit code, output bytes
# (golden scenarios), stats lines, and an independent check with tshark:
# the handshake messages (TLS handshake, QUIC long headers) of the input all
# survive in the output, and the output has no malformed frame the input did
# not have.
source "$CST_SRC/tests/lib.sh"
need_fixtures
LIST="$CST_SRC/tests/golden/constrict.testlist"
HAVE_TSHARK=1
command -v tshark >/dev/null 2>&1 || HAVE_TSHARK=0

trim() { local s="$1"; s="${s#"${s%%[![:space:]]*}"}"; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# Handshake-bearing frames and what tshark sees in them.
handshakes() {
	tshark -n -r "$1" -Y 'tls.handshake or quic.long.packet_type' \
		-T fields -e frame.number -e tls.handshake.type -e quic.long.packet_type 2>/dev/null
}
malformed() { tshark -n -r "$1" -Y '_ws.malformed' -T fields -e frame.number 2>/dev/null; }

while IFS= read -r line; do
	case "$line" in '#'* | '') continue ;; esac
	IFS='|' read -r name input config expected want_rc stats <<<"$line"
	name=$(trim "$name"); input=$(trim "$input"); config=$(trim "$config")
	expected=$(trim "$expected"); want_rc=$(trim "$want_rc"); stats=$(trim "$stats")
	out="$T/$name.out"
	args=(constrict "$FIX/$input" -o "$out" --stats)
	[ "$config" != "-" ] && args+=(--config "$FIX/$config")
	"$CST_BIN" "${args[@]}" >"$T/$name.stats" 2>"$T/$name.err"
	expect_eq "$name: exit code" "$?" "$want_rc"
	[ "$expected" != "-" ] && same_bytes "$name: output equals golden" "$out" "$FIX/$expected"
	IFS=';' read -ra lines <<<"$stats"
	for want in "${lines[@]}"; do
		label="${want%%: *}"
		got=$(grep -m1 "^$label: " "$T/$name.stats")
		expect_eq "$name: $label" "$got" "$want"
	done
	if [ "$HAVE_TSHARK" = 1 ]; then
		tshark_reads "$out"
		[ -n "$(handshakes "$FIX/$input")" ] || fail "$name: tshark sees no handshake in the input"
		expect_eq "$name: handshakes survive" "$(handshakes "$out" | md5sum)" \
			"$(handshakes "$FIX/$input" | md5sum)"
		new_bad=$(comm -13 <(malformed "$FIX/$input" | sort) <(malformed "$out" | sort))
		expect_eq "$name: no new malformed frames" "$new_bad" ""
	fi
done <"$LIST"
[ "$HAVE_TSHARK" = 1 ] || echo "note: tshark not installed, independent checks skipped"
finish
