#!/usr/bin/env python3
"""Multi-flow traffic for the fanout-worker tests (standard library only).

  flowmix.py make OUT K IN...   K copies of every input capture (classic PCAP,
                                Ethernet), each copy's flows moved to other
                                ephemeral ports (the higher port + 7*k), all
                                copies interleaved in time: many flows for the
                                fanout hash to spread, each a replica of a
                                real TLS or QUIC conversation
  flowmix.py flows FILE         one line per packet, in file order:
                                flow origlen caplen sha1(bytes); the flow is
                                the sorted address/port pair, so both
                                directions of a connection share it
"""
import hashlib
import struct
import sys


def read_pcap(path):
    with open(path, "rb") as f:
        buf = f.read()
    le = {b"\xd4\xc3\xb2\xa1": ("<", 1000), b"\x4d\x3c\xb2\xa1": ("<", 1),
          b"\xa1\xb2\xc3\xd4": (">", 1000), b"\xa1\xb2\x3c\x4d": (">", 1)}
    if buf[:4] not in le:
        sys.exit(f"{path}: not a classic pcap file")
    bo, mult = le[buf[:4]]
    off, out = 24, []
    while off + 16 <= len(buf):
        sec, frac, incl, orig = struct.unpack(bo + "IIII", buf[off:off + 16])
        out.append((sec * 1000000000 + frac * mult, orig, buf[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out


def l4(frame):
    """(offset of the transport header, proto, src ip, dst ip) or None (Ethernet, IPv4/IPv6)."""
    if len(frame) < 14:
        return None
    et, off = struct.unpack(">H", frame[12:14])[0], 14
    while et in (0x8100, 0x88A8) and len(frame) >= off + 4:
        et, off = struct.unpack(">H", frame[off + 2:off + 4])[0], off + 4
    if et == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 15) * 4
        return off + ihl, frame[off + 9], frame[off + 12:off + 16], frame[off + 16:off + 20]
    if et == 0x86DD and len(frame) >= off + 40:
        return off + 40, frame[off + 6], frame[off + 8:off + 24], frame[off + 24:off + 40]
    return None


def shift_ports(frame, k):
    t = l4(frame)
    if k == 0 or not t or t[1] not in (6, 17) or len(frame) < t[0] + 4:
        return frame
    o = t[0]
    sp, dp = struct.unpack(">HH", frame[o:o + 4])
    if sp >= dp:
        sp = (sp + 7 * k) & 0xFFFF
    else:
        dp = (dp + 7 * k) & 0xFFFF
    return frame[:o] + struct.pack(">HH", sp, dp) + frame[o + 4:]


def cmd_make(out, k, inputs):
    recs = []
    for n, path in enumerate(inputs):
        pkts = read_pcap(path)
        t0 = pkts[0][0] if pkts else 0
        for c in range(k):
            for i, (ts, orig, data) in enumerate(pkts):
                # copies start 1 ms apart: interleaved, each in its own order
                recs.append((ts - t0 + c * 1000000 + n * 37000, n, c, i, orig, shift_ports(data, c)))
    recs.sort()
    base = 1700000000 * 10**9
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 1))
        for ts, _, _, _, orig, data in recs:
            t = base + ts
            f.write(struct.pack("<IIII", t // 10**9, t % 10**9, len(data), orig) + data)


def cmd_flows(path):
    for _, orig, data in read_pcap(path):
        t = l4(data)
        key = "other"
        if t and t[1] in (6, 17) and len(data) >= t[0] + 4:
            sp, dp = struct.unpack(">HH", data[t[0]:t[0] + 4])
            a, b = (t[2].hex(), sp), (t[3].hex(), dp)
            key = "%d-%s:%d-%s:%d" % ((t[1],) + min(a, b) + max(a, b))
        print(key, orig, len(data), hashlib.sha1(data).hexdigest())


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "make":
        cmd_make(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    elif len(sys.argv) == 3 and sys.argv[1] == "flows":
        cmd_flows(sys.argv[2])
    else:
        sys.exit(__doc__)
