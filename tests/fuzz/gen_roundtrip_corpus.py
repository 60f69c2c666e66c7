#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_pcapng_roundtrip (layout in
fuzz_pcapng_roundtrip.c): both writers, both byte orders, µs and ns, cut
and whole packets, options, several interfaces and sections, other blocks.
Deterministic.  Usage: gen_roundtrip_corpus.py [CORPUS_DIR]
(default: corpus beside this script).
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
FRAME = bytes(range(14)) + b"\x45\x00\x00\x30" + bytes(40) + b"\x17\x03\x03\x00\x20" + bytes(32)
TS = 1700000000123456789


def rec(op, data=b"", keep=None, extra=0, opts=b"", iface=0, ts=TS):
    keep = len(data) if keep is None else keep
    head = struct.pack("<HHHBBQ", len(data), keep, extra, len(opts) // 4, iface, ts)
    return bytes([op]) + head + data + opts


def seeds():
    epb_flags = struct.pack("<HHIHH", 2, 4, 1, 0, 0)
    comment = struct.pack("<HH", 1, 5) + b"hello\x00\x00\x00" + struct.pack("<HH", 0, 0)
    pkts = [rec(0, FRAME), rec(0, FRAME, keep=60, extra=1400), rec(0, FRAME[:33], opts=epb_flags),
            rec(0, b"", iface=1), rec(0, FRAME, keep=0, opts=comment, ts=TS + 1000)]
    yield "offline_le_us", bytes([0, 0]) + b"".join(pkts)
    yield "offline_be_ns", bytes([2 | 4, 1]) + b"".join(pkts)
    yield "offline_sections", bytes([0, 2]) + pkts[0] + rec(1 | 4) + rec(2 | 4, iface=3) + \
        pkts[1] + rec(2, iface=0) + rec(0, FRAME, iface=1) + rec(1) + pkts[2]
    yield "offline_other_blocks", bytes([0, 0]) + rec(3, b"name\x00") + rec(3 | 0x50, b"x" * 7) + \
        rec(3 | 0x30, bytes(20)) + pkts[0]
    yield "offline_unknown_if", bytes([0, 0]) + rec(0, FRAME, iface=1) + rec(0, FRAME, iface=5)
    dpk = [rec(0, FRAME), rec(4, FRAME, keep=54, extra=9000), rec(8, FRAME[:20]),
           rec(12, FRAME, keep=70, ts=TS + 5), rec(0, FRAME, iface=1), rec(4, FRAME, iface=7)]
    yield "dumper_us", bytes([1, 0]) + b"".join(dpk)
    yield "dumper_ns_isb", bytes([1 | 4 | 16, 0x18]) + b"".join(dpk)
    yield "dumper_per_if", bytes([1 | 8 | 16, 3]) + b"".join(dpk)
    yield "dumper_per_if_empty_isb", bytes([1 | 8 | 16, 3])
    yield "dumper_big_ts", bytes([1, 1]) + rec(0, FRAME, ts=(1 << 64) - 1) + rec(0, FRAME, ts=0)


def main():
    d = os.path.join(OUT, "pcapng_roundtrip")
    os.makedirs(d, exist_ok=True)
    for name, blob in seeds():
        with open(os.path.join(d, name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main()
