#!/usr/bin/env python3
"""mutate — deterministic mutants of a PCAP/PCAPNG file for robustness sweeps.

  mutate.py IN OUTDIR [--seed S] [--count N] [--prefix NAME]

Writes about N mutants of IN into OUTDIR (standard library only; the same
arguments give the same files), named PREFIX.KIND.I, of these kinds:
  trunc   (twice as many) the file cut at a length: tiny lengths, header and record/block
          boundaries and one byte either side, evenly spaced lengths;
  flip    1-4 bytes changed (one bit or a random value);
  len     one length field of the format set to 0, 1, its value -1/+1, 65535,
          262144, 262145, 0x7FFFFFFF or 0xFFFFFFFF: classic record caplen /
          origlen, header snaplen, PCAPNG block total length (leading or
          trailing copy), EPB captured / original length, SHB section length,
          IDB snaplen, an option length;
  splice  a random chunk of the file copied over, inserted into, or deleted
          from another place, or the file cut and its head repeated.
Length fields are located by walking the real structure (either byte order),
so they hit the places a reader trusts.  Prints the number of mutants.
"""
import argparse
import os
import random
import struct


def classic_fields(data):
    """(offset, endian) of every length field of a classic PCAP file."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return [], []
    fields, bounds = [(16, e)], [24]
    off = 24
    while off + 16 <= len(data):
        cap = struct.unpack_from(e + "I", data, off + 8)[0]
        fields += [(off + 8, e), (off + 12, e)]
        off += 16 + cap
        bounds.append(off)
    return fields, bounds


def pcapng_options(data, start, end, e, fields):
    off = start
    while off + 4 <= end:
        code, olen = struct.unpack_from(e + "HH", data, off)
        fields.append((off + 2, e + "H"))
        if code == 0:
            break
        off += 4 + olen + (-olen % 4)


def pcapng_fields(data):
    fields, bounds = [], [0]
    off, e = 0, "<"
    while off + 12 <= len(data):
        if data[off:off + 4] == b"\x0a\x0d\x0d\x0a" and off + 12 <= len(data):
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, total = struct.unpack_from(e + "II", data, off)
        if total < 12 or off + total > len(data):
            fields.append((off + 4, e))
            break
        fields += [(off + 4, e), (off + total - 4, e)]
        if btype == 0x0A0D0D0A and total >= 28:
            fields.append((off + 16, e + "Q"))
            pcapng_options(data, off + 24, off + total - 4, e, fields)
        elif btype == 1 and total >= 20:
            fields.append((off + 12, e))
            pcapng_options(data, off + 16, off + total - 4, e, fields)
        elif btype == 6 and total >= 32:
            cap = struct.unpack_from(e + "I", data, off + 20)[0]
            fields += [(off + 20, e), (off + 24, e)]
            pcapng_options(data, off + 28 + cap + (-cap % 4), off + total - 4, e, fields)
        off += total
        bounds.append(off)
    return fields, bounds


def set_field(data, field, value):
    off, fmt = field
    if len(fmt) == 1:
        fmt += "I"
    size = struct.calcsize(fmt)
    value &= (1 << (8 * size)) - 1
    out = bytearray(data)
    struct.pack_into(fmt, out, off, value)
    return bytes(out)


def get_field(data, field):
    off, fmt = field
    if len(fmt) == 1:
        fmt += "I"
    return struct.unpack_from(fmt, data, off)[0]


def truncations(data, bounds, rng, n):
    size = len(data)
    lens = {0, 1, 3, 4, 5, 8, 12, 16, 23, 24, 25, 28, 39, 40, 41}
    for b in bounds[:6] + bounds[-3:]:
        lens.update((b - 1, b, b + 1, b + 9, b + 17))
    lens.update(size * k // n for k in range(1, n))
    lens.update(rng.randrange(size) for _ in range(n // 2) if size)
    return [data[:x] for x in sorted(lens) if 0 <= x < size]


def flips(data, rng, n):
    out = []
    for _ in range(n if data else 0):
        b = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b))
            b[i] = b[i] ^ (1 << rng.randrange(8)) if rng.random() < 0.5 else rng.randrange(256)
        out.append(bytes(b))
    return out


def length_mutants(data, fields, rng, n):
    values = (0, 1, 65535, 262144, 262145, 0x7FFFFFFF, 0xFFFFFFFF)
    picks = fields[:8] + fields[-4:] + [rng.choice(fields) for _ in range(n)] if fields else []
    out = []
    for f in picks[:n]:
        v = get_field(data, f)
        choice = rng.choice(values + (v - 1, v + 1))
        out.append(set_field(data, f, choice))
    return out


def splices(data, rng, n):
    out = []
    size = len(data)
    for _ in range(n if size > 8 else 0):
        a = rng.randrange(size)
        b = min(size, a + rng.randint(1, 256))
        c = rng.randrange(size)
        chunk = data[a:b]
        kind = rng.randrange(4)
        if kind == 0:
            m = data[:c] + chunk + data[c + len(chunk):]
        elif kind == 1:
            m = data[:c] + chunk + data[c:]
        elif kind == 2:
            m = data[:a] + data[b:]
        else:
            m = data[:c] + data[:rng.randint(1, size)]
        out.append(m)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=40, help="approximate number of mutants")
    ap.add_argument("--prefix", default=None)
    a = ap.parse_args()
    with open(a.input, "rb") as f:
        data = f.read()
    rng = random.Random("%d:%s" % (a.seed, os.path.basename(a.input)))
    prefix = a.prefix or os.path.basename(a.input)
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        fields, bounds = pcapng_fields(data)
    else:
        fields, bounds = classic_fields(data)
    q = max(a.count // 4, 1)
    kinds = {
        "trunc": truncations(data, bounds, rng, q),
        "flip": flips(data, rng, q),
        "len": length_mutants(data, fields, rng, q),
        "splice": splices(data, rng, q),
    }
    os.makedirs(a.outdir, exist_ok=True)
    total = 0
    for kind, mutants in kinds.items():
        if kind == "trunc" and len(mutants) > 2 * q:  # evenly thinned, tiny ones first
            step = len(mutants) / (2 * q)
            mutants = [mutants[int(i * step)] for i in range(2 * q)]
        for i, m in enumerate(mutants):
            with open(os.path.join(a.outdir, "%s.%s.%d" % (prefix, kind, i)), "wb") as f:
                f.write(m)
            total += 1
    print(total)


if __name__ == "__main__":
    main()
