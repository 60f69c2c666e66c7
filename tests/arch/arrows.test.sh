#!/bin/bash
# The arrows of ARCHITECTURE.md hold: which room of src/ (and cli/) may
# include and call which (tests/arch/check_arrows.py; calls from the built
# objects of $CST_BUILD).
source "$CST_SRC/tests/lib.sh"
need_tool python3
while IFS= read -r line; do
	case "$line" in
	"ok "*) pass "${line#ok }" ;;
	"FAIL "*) fail "${line#FAIL }" ;;
	"SKIP "*) skip_part "${line#SKIP }" ;;
	"KNOWN "*) echo "known: ${line#KNOWN }" ;;
	"exit 0") ;;
	*) fail "check_arrows.py: $line" ;;
	esac
done < <(python3 "$CST_SRC/tests/arch/check_arrows.py" "$CST_SRC" "${CST_BUILD:-}" 2>&1; echo "exit $?")
finish
