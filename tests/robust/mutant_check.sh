#!/usr/bin/env bash
# Worker of mutations.test.sh (not a test by itself): checks the mutants named
# on the command line and prints one line per finding, "FAIL <mutant>: ..."
# or "ok <mutant> <constrict rc> <reinflate rc>".  Environment: CST_BIN, WORK
# (scratch dir), TSHARK_EVERY (check every Nth clean output with tshark, 0 =
# never), RECOMPUTE_INI (config for every other reinflate: random fill and
# checksum recompute).  Stats (text or JSON) are printed on some runs.  Each mutant runs constrict under one policy (rotating by name hash)
# and reinflate, both under a hard timeout and a file-size limit.
set -u
policies=(final_only stream bulk track)

# stderr must be only "error: ..." / "Warning: ..." lines, at most one error,
# and constrict's summary line (issue 18).
check_stderr() { # NAME FILE RC
	local bad errs
	bad=$(grep -cvE '^(error|Warning): |^constrictor: [0-9]+ packets, [0-9]+ bytes -> [0-9]+ bytes, saved [0-9.]+%$' "$2")
	errs=$(grep -c '^error: ' "$2")
	if [ "$bad" -ne 0 ]; then
		echo "FAIL $1: stderr has non-message lines: $(head -c 300 "$2" | tr '\n' '|')"
		return 1
	fi
	if [ "$errs" -gt 1 ] || { [ "$3" = 0 ] && [ "$errs" -ne 0 ]; } || { [ "$3" = 1 ] && [ ! -s "$2" ]; }; then
		echo "FAIL $1: exit $3 with stderr [$(head -c 300 "$2" | tr '\n' '|')]"
		return 1
	fi
	return 0
}

# run NAME OUT ARGS...: exit code in $RC; fails on a signal, a timeout or rc > 1.
run() {
	local name=$1 out=$2
	shift 2
	rm -f "$out"
	(ulimit -f 1048576 && exec timeout -s KILL 60 "$CST_BIN" "$@" >/dev/null 2>"$out.err")
	RC=$?
	if [ "$RC" -gt 1 ]; then
		echo "FAIL $name: exit $RC ($*) stderr: $(head -c 600 "$out.err" | tr '\n' '|')"
		return 1
	fi
	check_stderr "$name" "$out.err" "$RC"
}

# Whatever a run left behind must read back (also a prefix after an error).
reread() { # NAME FILE
	[ -s "$2" ] || return 0
	if ! "$CST_BIN" constrict "$2" -o /dev/null >/dev/null 2>"$2.re"; then
		echo "FAIL $1: output does not read back: $(head -c 300 "$2.re" | tr '\n' '|')"
		return 1
	fi
}

n=0
for m in "$@"; do
	n=$((n + 1))
	b=$(basename "$m")
	h=$(printf '%s' "$b" | cksum | cut -d' ' -f1)
	pol=${policies[$((h % 4))]}
	o="$WORK/$b.c"
	size=$(stat -c %s "$m")
	extra=()
	[ $((h % 7)) = 0 ] && extra=(--decision-log "$WORK/$b.csv")
	case $((h % 3)) in
	0) extra+=(--stats-format json) ;;
	1) extra+=(--stats) ;;
	esac
	run "$b constrict --policy $pol" "$o" constrict "$m" -o "$o" --policy "$pol" "${extra[@]}" || continue
	crc=$RC
	reread "$b constrict" "$o" || continue
	osize=$(stat -c %s "$o" 2>/dev/null || echo 0)
	if [ "$osize" -gt "$size" ]; then
		echo "FAIL $b: constrict output ($osize bytes) larger than its input ($size)"
		continue
	fi
	if [ "${TSHARK_EVERY:-0}" -gt 0 ] && [ "$crc" = 0 ] && [ $((h % TSHARK_EVERY)) = 0 ]; then
		if ! terr=$(tshark -n -r "$o" 2>&1 >/dev/null) || [ -n "$(printf '%s' "$terr" | grep -v 'Running as user')" ]; then
			echo "FAIL $b: tshark rejects the constrict output: $(printf '%s' "$terr" | grep -v 'Running as' | head -c 300)"
			continue
		fi
		echo "tshark $b"
	fi
	r="$WORK/$b.r"
	rcfg=()
	[ $((h % 2)) = 1 ] && [ -n "${RECOMPUTE_INI:-}" ] && rcfg=(--config "$RECOMPUTE_INI" --stats)
	run "$b reinflate" "$r" reinflate "$m" -o "$r" "${rcfg[@]}" || continue
	rrc=$RC
	rsize=$(stat -c %s "$r" 2>/dev/null || echo 0)
	# SPEC 6 item 16: every record (16 bytes at least) grows to 262144 bytes at most.
	bound=$((size + (size / 16 + 1) * 262144))
	if [ "$rsize" -gt "$bound" ]; then
		echo "FAIL $b: reinflate output $rsize bytes above the bound $bound"
		continue
	fi
	[ "$rrc" = 0 ] && { reread "$b reinflate" "$r" || continue; }
	echo "ok $b $crc $rrc"
	rm -f "$o" "$r" "$o.err" "$r.err" "$o.re" "$r.re"
done
