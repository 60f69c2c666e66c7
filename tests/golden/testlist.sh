# The golden table tests/golden/TESTLIST, read by constrict.test.sh and
# reinflate.test.sh (sourced after tests/lib.sh).
# CST_TESTLIST: another table (e.g. further golden cases kept outside the repo, with CST_FIXTURES)
TESTLIST="${CST_TESTLIST:-$CST_SRC/tests/golden/TESTLIST}"
SEP=$'\x1f' # field separator of testlist_rows: not whitespace, so "-" and empty fields survive read

trim() { local s="$1"; s="${s#"${s%%[![:space:]]*}"}"; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# testlist_rows CMD: the cases of command CMD, one per line, fields trimmed and
# separated by $SEP.  A malformed line (field count, unknown command, duplicate
# name) is a failure of the test that reads the table, reported on stderr.
testlist_rows() {
	local want=$1 line n=0 f i out seen=" "
	while IFS= read -r line; do
		n=$((n + 1))
		case "$line" in '#'* | '') continue ;; esac
		IFS='|' read -ra f <<<"$line"
		if [ "${#f[@]}" -ne 9 ]; then
			echo "TESTLIST line $n: ${#f[@]} fields, want 9" >&2
			echo "${SEP}bad"
			continue
		fi
		for i in "${!f[@]}"; do f[i]=$(trim "${f[i]}"); done
		case "${f[1]}" in constrict | reinflate) ;; *)
			echo "TESTLIST line $n: unknown command [${f[1]}]" >&2
			echo "${SEP}bad"
			continue
			;;
		esac
		case "$seen" in *" ${f[0]} "*)
			echo "TESTLIST line $n: duplicate name ${f[0]}" >&2
			echo "${SEP}bad"
			;;
		esac
		seen="$seen${f[0]} "
		[ "${f[1]}" = "$want" ] || continue
		out="${f[0]}"
		for i in 1 2 3 4 5 6 7 8; do out="$out$SEP${f[i]}"; done
		printf '%s\n' "$out"
	done <"$TESTLIST"
}

# caplens FILE: the captured length of every packet of a classic PCAP or
# PCAPNG file, one per line.
caplens() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
m = d[:4]
if m in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
    e = "<" if m[0] in (0xD4, 0x4D) else ">"
    off = 24
    while off + 16 <= len(d):
        cap = struct.unpack_from(e + "I", d, off + 8)[0]
        print(cap)
        off += 16 + cap
elif m == b"\x0a\x0d\x0d\x0a":
    e, off = "<", 0
    while off + 12 <= len(d):
        btype, blen = struct.unpack_from(e + "II", d, off)
        if btype == 0x0A0D0D0A:
            e = "<" if d[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            btype, blen = struct.unpack_from(e + "II", d, off)
        if btype in (6, 2):  # EPB, obsolete PB: captured length at +20
            print(struct.unpack_from(e + "I", d, off + 20)[0])
        elif btype == 3:  # SPB: original length, captured = block body
            print(blen - 16)
        if blen < 12:
            break
        off += blen
PY
}

# check_kept NAME OUTPUT KEPT [DECISION_LOG]: every "#N=CAPLEN[:REASON]" of KEPT.
check_kept() {
	local name=$1 out=$2 kept=$3 log=${4:-} item n want reason got
	local -a lens
	[ "$kept" = - ] && return 0
	mapfile -t lens < <(caplens "$out")
	for item in $kept; do
		n=${item%%=*}
		n=${n#\#}
		want=${item#*=}
		reason=
		case "$want" in *:*) reason=${want#*:} want=${want%%:*} ;; esac
		expect_eq "$name: packet $n captured length" "${lens[n - 1]:-none}" "$want"
		if [ -n "$reason" ]; then
			got=$(awk -F, -v n="$n" '$1 == n { gsub(/"/, "", $15); print $15 }' "$log" 2>/dev/null)
			expect_eq "$name: packet $n reason" "${got:-no row}" "$reason"
		fi
	done
}

# check_stats NAME STATS_FILE STATS: every "label: value" of STATS is a line of the file.
check_stats() {
	local name=$1 file=$2 want label got
	local -a lines
	IFS=';' read -ra lines <<<"$3"
	for want in "${lines[@]}"; do
		[ "$want" = - ] && continue
		label="${want%%: *}"
		got=$(grep -m1 "^$label: " "$file")
		expect_eq "$name: $label" "$got" "$want"
	done
}

# run_case CMD NAME INPUT CONFIG OPTIONS OUTPUT WANT_RC KEPT STATS: one run of
# the program on one case, every field asserted.  Output in $T/NAME.CMD.out,
# stats in $T/NAME.CMD.stats.
run_case() {
	local cmd=$1 name=$2 input=$3 config=$4 options=$5 output=$6 want_rc=$7 kept=$8 stats=$9
	local out="$T/$name.$cmd.out" log="$T/$name.$cmd.csv"
	local -a args=("$cmd" "$FIX/$input" -o "$out" --stats)
	[ "$config" != - ] && args+=(--config "$FIX/$config")
	# shellcheck disable=SC2206 # options are words, as on a command line
	[ "$options" != - ] && args+=($options)
	case "$kept" in *:*) args+=(--decision-log "$log") ;; esac
	"$CST_BIN" "${args[@]}" >"$T/$name.$cmd.stats" 2>"$T/$name.$cmd.err"
	expect_eq "$name $cmd: exit code" "$?" "$want_rc"
	[ "$output" != - ] && same_bytes "$name $cmd: output equals golden $output" "$out" "$FIX/$output"
	check_stats "$name $cmd" "$T/$name.$cmd.stats" "$stats"
	check_kept "$name $cmd" "$out" "$kept" "$log"
}
