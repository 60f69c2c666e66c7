#!/usr/bin/env bash
# All three benchmarks (see bench/README.md); results land in bench/results/.
# usage: bench/run-all.sh BUILD_DIR
set -euo pipefail
BUILD=${1:?usage: bench/run-all.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
"$here/offline.sh" "$BUILD"
"$here/engine.sh" "$BUILD"
if [ "$(id -u)" = 0 ]; then
	"$here/live.sh" "$BUILD"
else
	echo "bench: live.sh skipped (needs root)" >&2
fi
