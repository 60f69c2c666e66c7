# shellcheck shell=bash
# Sourced by the reproducers: CST_BIN, CST_FIXTURES, a scratch dir in $W.
set -u
: "${CST_BIN:?set CST_BIN to the constrictor binary}"
: "${CST_FIXTURES:=/work/shared/fixtures/upstream}"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
defect() { echo "DEFECT: $*"; exit 1; }
fixed() { echo "fixed: $*"; exit 0; }
