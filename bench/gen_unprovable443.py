#!/usr/bin/python3
"""gen_unprovable443 - a classic PCAP of TCP connections on port 443 that carry
pseudo-random bytes both ways: nothing in it is TLS, so `track` must keep every
byte and scans every unproven flow for a record chain (issue 21's cost bound:
no slower than 1.5x `stream` on such a capture).

  gen_unprovable443.py OUT.pcap [--size 256M] [--flows 64] [--seed 1]

Half the connections start with a SYN handshake, half are already open (no SYN);
1448-byte segments, flows interleaved round robin, microsecond timestamps.  The
same options always give the same file.
"""
import argparse
import random
import struct


def size_arg(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(s[:-1]) * mult[s[-1].upper()] if s[-1].upper() in mult else int(s)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0,
                     src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip + tcp + payload


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--size", type=size_arg, default=256 << 20)
    p.add_argument("--flows", type=int, default=64)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    flows = []
    for i in range(a.flows):
        cli = bytes([10, 1, i >> 8 & 255, i & 255])
        flows.append({"c": cli, "s": bytes([192, 0, 2, 1 + i % 200]), "cp": 20000 + i,
                      "seq": [rng.getrandbits(32), rng.getrandbits(32)], "syn": i % 2 == 0})
    ts, written = 1700000000 * 1000000, 24
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))

        def put(fr):
            nonlocal ts, written
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), len(fr)))
            f.write(fr)
            ts += 20
            written += 16 + len(fr)

        for fl in flows:  # handshakes first
            if fl["syn"]:
                c, s = fl["seq"]
                put(frame(fl["c"], fl["s"], fl["cp"], 443, c, 0, 0x02, b""))
                put(frame(fl["s"], fl["c"], 443, fl["cp"], s, c + 1, 0x12, b""))
                fl["seq"] = [(c + 1) & 0xFFFFFFFF, (s + 1) & 0xFFFFFFFF]
        k = 0
        while written < a.size:
            fl = flows[k % len(flows)]
            d = 1 if k % 4 else 0  # mostly server to client
            k += 1
            pl = rng.randbytes(1448)
            src, dst = (fl["s"], fl["c"]) if d else (fl["c"], fl["s"])
            sp, dp = (443, fl["cp"]) if d else (fl["cp"], 443)
            put(frame(src, dst, sp, dp, fl["seq"][d], fl["seq"][d ^ 1], 0x18, pl))
            fl["seq"][d] = (fl["seq"][d] + len(pl)) & 0xFFFFFFFF


if __name__ == "__main__":
    main()
