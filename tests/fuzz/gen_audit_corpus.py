#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_audit from the hand-made seeds of
fuzz_pcap and fuzz_pcapng (files not named fz-*), in the layout of
fuzz_audit.c: a 7-byte header (mode, KR - 5, QUIC short keep, original
length LE32), the original, then the constricted file (mode 0).

Per seed: the file against itself (mode 2), against constrict's output
under one of the four policies (mode 1), and, for classic PCAP, against a
copy with every record cut to 60 bytes (mode 0: losses and not-prefix
cases).  Deterministic; rerun after changing the layout.
Usage: gen_audit_corpus.py [CORPUS_DIR] (default: corpus beside this script).
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")


def header(mode, policy, orig_len, kr=8, qshort=0x80, no_enc=False):
    b0 = mode | (policy << 2) | (0x10 if no_enc else 0)
    return struct.pack("<BBBI", b0, kr - 5, qshort, orig_len)


def cut_pcap(data, keep):
    """Every record of a classic little- or big-endian PCAP cut to `keep` bytes."""
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None
    out, off = bytearray(data[:24]), 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        body = data[off + 16:off + 16 + incl]
        if len(body) < incl:
            break
        k = min(incl, keep)
        out += struct.pack(e + "IIII", sec, frac, k, orig) + body[:k]
        off += 16 + incl
    return bytes(out)


def main():
    dst = os.path.join(OUT, "audit")
    os.makedirs(dst, exist_ok=True)
    n = 0
    for fmt in ("pcap", "pcapng"):
        src = os.path.join(OUT, fmt)
        for name in sorted(os.listdir(src)):
            if name.startswith("fz-") or name.startswith("."):
                continue
            with open(os.path.join(src, name), "rb") as f:
                data = f.read()
            seeds = {
                "self": header(2, 0, len(data), kr=8 + n % 4, no_enc=n % 2 == 1) + data,
                "constrict": header(1, n % 4, len(data), qshort=0x80 if n % 3 else 9) + data,
            }
            cut = cut_pcap(data, 60) if fmt == "pcap" else None
            if cut is not None:
                seeds["cut60"] = header(0, 0, len(data)) + data + cut
            for kind, blob in seeds.items():
                with open(os.path.join(dst, "%s_%s_%s" % (fmt, name, kind)), "wb") as f:
                    f.write(blob)
            n += 1


if __name__ == "__main__":
    main()
