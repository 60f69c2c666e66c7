#!/usr/bin/env python3
"""Rewrite a little-endian classic PCAP or PCAPNG file in big-endian byte order.

Test helper (standard library only): editcap writes only little-endian files,
so the big-endian round trips start from a file converted here.  Usage:
    byteswap.py IN OUT
PCAPNG: every section must be little-endian; SHB, IDB, EPB, SPB, ISB fields
and option code/length are swapped, plus the numeric options constrictor's
tests meet (if_speed, if_tsoffset, epb_flags, epb_dropcount, isb counters).
Other block bodies are copied unchanged.
"""
import struct
import sys

# (block type, option code) -> struct format of the value
NUMERIC_OPTS = {
    (1, 8): "Q", (1, 14): "q",           # IDB if_speed, if_tsoffset
    (6, 2): "I", (6, 4): "Q",            # EPB epb_flags, epb_dropcount
    (5, 2): "II", (5, 3): "II",          # ISB isb_starttime, isb_endtime
    (5, 4): "Q", (5, 5): "Q", (5, 6): "Q", (5, 7): "Q", (5, 8): "Q",
}


def swap_pcap(data):
    magic, vmaj, vmin, zone, sig, snap, lt = struct.unpack_from("<IHHiIII", data, 0)
    out = [struct.pack(">IHHiIII", magic, vmaj, vmin, zone, sig, snap, lt)]
    off = 24
    while off + 16 <= len(data):
        sec, frac, cap, orig = struct.unpack_from("<IIII", data, off)
        out.append(struct.pack(">IIII", sec, frac, cap, orig))
        out.append(data[off + 16:off + 16 + cap])
        off += 16 + cap
    out.append(data[off:])
    return b"".join(out)


def swap_options(btype, opts):
    out, off = [], 0
    while off + 4 <= len(opts):
        code, length = struct.unpack_from("<HH", opts, off)
        value = opts[off + 4:off + 4 + length]
        padded = (length + 3) & ~3
        fmt = NUMERIC_OPTS.get((btype, code))
        if fmt and struct.calcsize("<" + fmt) == length:
            value = struct.pack(">" + fmt, *struct.unpack("<" + fmt, value))
        out.append(struct.pack(">HH", code, length) + value + opts[off + 4 + length:off + 4 + padded])
        off += 4 + padded
        if code == 0:
            break
    out.append(opts[off:])
    return b"".join(out)


def swap_body(btype, body):
    if btype == 0x0A0D0D0A:
        magic, vmaj, vmin, slen = struct.unpack_from("<IHHq", body, 0)
        return struct.pack(">IHHq", magic, vmaj, vmin, slen) + swap_options(btype, body[16:])
    if btype == 1:
        lt, res, snap = struct.unpack_from("<HHI", body, 0)
        return struct.pack(">HHI", lt, res, snap) + swap_options(btype, body[8:])
    if btype == 6:
        ifid, hi, lo, cap, orig = struct.unpack_from("<IIIII", body, 0)
        end = 20 + ((cap + 3) & ~3)
        return struct.pack(">IIIII", ifid, hi, lo, cap, orig) + body[20:end] + swap_options(btype, body[end:])
    if btype == 3:
        return struct.pack(">I", struct.unpack_from("<I", body, 0)[0]) + body[4:]
    if btype == 5:
        ifid, hi, lo = struct.unpack_from("<III", body, 0)
        return struct.pack(">III", ifid, hi, lo) + swap_options(btype, body[12:])
    return body


def swap_pcapng(data):
    out, off = [], 0
    while off + 12 <= len(data):
        btype, total = struct.unpack_from("<II", data, off)
        body = data[off + 8:off + total - 4]
        out.append(struct.pack(">II", btype, total) + swap_body(btype, body) + struct.pack(">I", total))
        off += total
    out.append(data[off:])
    return b"".join(out)


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        out = swap_pcapng(data)
    elif data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        out = swap_pcap(data)
    else:
        sys.exit("byteswap.py: input must be little-endian pcap or pcapng")
    open(sys.argv[2], "wb").write(out)


if __name__ == "__main__":
    main()
