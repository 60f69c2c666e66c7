#!/usr/bin/env python3
"""pcap_disorder — drop and swap packets of a classic PCAP file (deterministic).

  pcap_disorder.py IN OUT --drop 0.01 --swap 0.01 --seed 1

Simulates capture loss and reordering for the `track` policy tests: the
audit must still find no needed byte lost in the constricted output.
"""
import argparse
import random
import struct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--drop", type=float, default=0.01)
    ap.add_argument("--swap", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    data = open(a.inp, "rb").read()
    magic = struct.unpack_from("<I", data, 0)[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    recs, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack_from(end + "I", data, off + 8)[0]
        recs.append(bytearray(data[off:off + 16 + incl]))
        off += 16 + incl
    kept = [r for r in recs if rng.random() >= a.drop]
    i = 0
    while i + 1 < len(kept):
        if rng.random() < a.swap:
            ts_a, ts_b = kept[i][:8], kept[i + 1][:8]
            kept[i], kept[i + 1] = kept[i + 1], kept[i]
            kept[i][:8], kept[i + 1][:8] = ts_a, ts_b  # timestamps stay in order
            i += 1
        i += 1
    with open(a.out, "wb") as f:
        f.write(data[:24])
        for r in kept:
            f.write(r)


if __name__ == "__main__":
    main()
