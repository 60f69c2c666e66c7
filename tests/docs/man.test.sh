#!/bin/bash
# The man pages (issue 18 item 8): constrictor(1) and constrictor.conf(5)
# render without a warning through groff (-ww -z) and man -l, and the .5
# page names every [stats]... key (every key and its default is checked
# against the library by tests/unit/test_config_doc.c).
source "$CST_SRC/tests/lib.sh"
command -v groff >/dev/null 2>&1 || skip "groff not installed"
for page in constrictor.1 constrictor.conf.5; do
	f="$CST_SRC/docs/$page"
	w=$(groff -man -ww -z "$f" 2>&1)
	expect_eq "$page: groff -man -ww -z without warnings" "$w" ""
	if command -v man >/dev/null 2>&1; then
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" 2>"$T/man.err")
		expect_eq "$page: man -l without warnings" "$(cat "$T/man.err")" ""
		[ -n "$out" ] && pass "$page: man -l renders text" || fail "$page: man -l printed nothing"
	else
		skip_part "man not installed: only groff checked"
	fi
done
# the .1 page points to the .5 page, and documents the options of issue 18
page=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$CST_SRC/docs/constrictor.1")
for o in 'constrictor.conf (5)' --stats-interval --stats-file --metrics-listen --list-interfaces --quiet; do
	printf '%s\n' "$page" | grep -q -- "$o" && pass "constrictor.1 mentions $o" || fail "constrictor.1 lacks $o"
done
finish
