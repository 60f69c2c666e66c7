#!/usr/bin/env python3
"""A bulk TLS download whose record headers straddle segments (issue 19 item 4).

split_headers.py OUT.pcap [RECORDS]: one TCP direction (10.98.0.2:443 ->
10.98.0.1:40000), recorded mid-stream (no SYN), of Application Data records
of 2000 bytes each, cut into segments so that every odd record's header is
split 3 + 2 bytes across two segments and every even record starts a
segment (1400 bytes of it: the record covers the segment).  `track` proves
the connection by its chained headers and keeps header + KR of each
segment that starts a record; the kernel can cut those segments only if it
follows the split headers.  Deterministic (fixed seed).
"""
import random
import socket
import struct
import sys

REC = 2000  # record size, header included


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def frame(seq, payload):
    tcp = struct.pack("!HHIIBBHHH", 443, 40000, seq & 0xFFFFFFFF, 1, 0x50, 0x18, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0x4000, 64, 6,
                     0, socket.inet_aton("10.98.0.2"), socket.inet_aton("10.98.0.1"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = bytes.fromhex("020000000001020000000002") + b"\x08\x00"
    return eth + ip + tcp + payload


def main(out, records):
    rnd = random.Random(19)
    stream = b"".join(b"\x17\x03\x03" + struct.pack("!H", REC - 5) +
                      bytes(rnd.getrandbits(8) for _ in range(REC - 5)) for _ in range(records))
    cuts = []  # segment boundaries, stream offsets
    for i in range(0, records, 2):
        o = i * REC
        cuts += [o + 1400, o + REC + 3, o + 2 * REC]  # 1400 | 600 + 3 header bytes | 1997
    isn = 0x7FFFF000
    pkts, at = [], 0
    for c in cuts + [len(stream)]:
        c = min(c, len(stream))
        if c > at:
            pkts.append(frame(isn + at, stream[at:c]))
            at = c
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for n, p in enumerate(pkts):
            f.write(struct.pack("<IIII", 1700000000 + n // 1000, (n % 1000) * 1000, len(p), len(p)))
            f.write(p)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)
