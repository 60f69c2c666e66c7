#!/usr/bin/env bash
# Replays the decode fuzz corpus (tests/fuzz/corpus/decode) through the
# onefile driver: every input must decode without a crash, an overread (the
# sanitizer build) or a broken invariant (the target traps).
source "$CST_SRC/tests/lib.sh"
drv="$CST_BUILD/tests/fuzz/fuzz_decode_replay"
corpus="$CST_SRC/tests/fuzz/corpus/decode"
[ -x "$drv" ] || { fail "driver $drv not built"; finish; }
n=$(find "$corpus" -maxdepth 1 -type f | wc -l)
[ "$n" -ge 20 ] || fail "corpus has only $n inputs"
if out=$("$drv" "$corpus" 2>&1); then
	expect_eq "replayed all corpus inputs" "$out" "onefile: replayed $n input(s)"
else
	fail "replay failed: $out"
fi
finish
