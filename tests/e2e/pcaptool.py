#!/usr/bin/env python3
"""Helpers of the live-capture tests (standard library only).

  pcaptool.py dump FILE              one line per packet: origlen caplen sha1(bytes)
  pcaptool.py send IFACE FILE        send every frame of a capture file on IFACE (AF_PACKET)
  pcaptool.py vlan IFACE N VID PRIO  send N 802.1Q-tagged UDP frames
  pcaptool.py mix IFACE N            send N frames each of TCP/443, TCP/80, UDP/53, ARP
  pcaptool.py stream IFACE SEC N     send N UDP/9999 frames, one every SEC seconds
  pcaptool.py tlscheck FILE KR KC    cut TLS packets end KR bytes into a record / KC of a continuation
  pcaptool.py info FILE              pcapng: block types and options of interest

The reader understands classic PCAP (both byte orders, us/ns) and PCAPNG
(SHB, IDB, EPB, SPB, ISB; little- or big-endian sections).
"""
import hashlib
import socket
import struct
import sys


def read_records(path):
    """Yield dicts: caplen, origlen, data, and for pcapng: flags, block types seen."""
    with open(path, "rb") as f:
        buf = f.read()
    magic = buf[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        yield from read_pcapng(buf)
        return
    le = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
          b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}[magic]
    off = 24
    while off + 16 <= len(buf):
        sec, frac, incl, orig = struct.unpack(le + "IIII", buf[off:off + 16])
        data = buf[off + 16:off + 16 + incl]
        if len(data) < incl:
            break
        yield {"caplen": incl, "origlen": orig, "data": data, "type": 6, "flags": None}
        off += 16 + incl


def options(bo, body):
    out = {}
    o = 0
    while o + 4 <= len(body):
        code, ln = struct.unpack(bo + "HH", body[o:o + 4])
        if code == 0:
            break
        out.setdefault(code, []).append(body[o + 4:o + 4 + ln])
        o += 4 + ((ln + 3) & ~3)
    return out


def read_pcapng(buf):
    off = 0
    bo = "<"
    while off + 12 <= len(buf):
        btype = struct.unpack("<I", buf[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bo = "<" if buf[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        blen = struct.unpack(bo + "I", buf[off + 4:off + 8])[0]
        body = buf[off + 8:off + blen - 4]
        if btype == 6:
            ifid, hi, lo, cap, orig = struct.unpack(bo + "IIIII", body[:20])
            data = body[20:20 + cap]
            opts = options(bo, body[20 + ((cap + 3) & ~3):])
            flags = struct.unpack(bo + "I", opts[2][0])[0] if 2 in opts else None
            yield {"caplen": cap, "origlen": orig, "data": data, "type": 6, "flags": flags}
        else:
            yield {"type": btype, "body": body, "bo": bo}
        off += blen


def cmd_dump(path):
    for r in read_records(path):
        if r["type"] == 6:
            print(r["origlen"], r["caplen"], hashlib.sha1(r["data"]).hexdigest())


def cmd_info(path):
    """Print block types, and the options the live writer must set."""
    for r in read_records(path):
        t = r["type"]
        if t == 6:
            print("EPB flags=%s" % r["flags"])
        elif t == 0x0A0D0D0A:
            o = options(r["bo"], r["body"][16:])
            print("SHB os=%s userappl=%s" % (o.get(3, [b""])[0].decode(), o.get(4, [b""])[0].decode()))
        elif t == 1:
            link, _, snap = struct.unpack(r["bo"] + "HHI", r["body"][:8])
            o = options(r["bo"], r["body"][8:])
            print("IDB link=%d snaplen=%d name=%s tsresol=%d" % (
                link, snap, o.get(2, [b""])[0].decode(), o.get(9, [b"\x06"])[0][0]))
        elif t == 5:
            o = options(r["bo"], r["body"][12:])
            recv = struct.unpack(r["bo"] + "Q", o[4][0])[0] if 4 in o else -1
            drop = struct.unpack(r["bo"] + "Q", o[5][0])[0] if 5 in o else -1
            print("ISB ifrecv=%d ifdrop=%d" % (recv, drop))
        else:
            print("BLOCK type=%d" % t)


def raw_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    return s


def cmd_send(iface, path):
    s = raw_socket(iface)
    n = 0
    for r in read_records(path):
        if r["type"] == 6:
            s.send(r["data"])
            n += 1
    print(n)


MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ipv4(proto, payload, src="10.99.0.1", dst="10.99.0.2"):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def tcp(sport, dport, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x18, 65535, 0, 0) + payload


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def eth(ethertype, payload):
    return MAC_B + MAC_A + struct.pack("!H", ethertype) + payload


def cmd_vlan(iface, n, vid, prio):
    s = raw_socket(iface)
    tci = (prio << 13) | vid
    for i in range(n):
        inner = ipv4(17, udp(5000 + i, 9999, b"vlan test %d" % i))
        s.send(MAC_B + MAC_A + struct.pack("!HHH", 0x8100, tci, 0x0800) + inner)
    print(n)


def cmd_mix(iface, n):
    s = raw_socket(iface)
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_A, socket.inet_aton("10.99.0.1"),
                      b"\0" * 6, socket.inet_aton("10.99.0.2"))
    for i in range(n):
        s.send(eth(0x0800, ipv4(6, tcp(40000 + i, 443, b"x" * 100))))
        s.send(eth(0x0800, ipv4(6, tcp(40000 + i, 80, b"y" * 100))))
        s.send(eth(0x0800, ipv4(17, udp(40000 + i, 53, b"z" * 30))))
        s.send(eth(0x0806, arp))
    print(4 * n)


def cmd_stream(iface, interval, count):
    """Send `count` numbered UDP/9999 frames, one every `interval` seconds."""
    import time
    s = raw_socket(iface)
    for i in range(count):
        s.send(eth(0x0800, ipv4(17, udp(7000, 9999, struct.pack("!I", i) + b"s" * 60))))
        time.sleep(interval)


def tcp_payload(data):
    """(payload bytes, True) of an Ethernet/IPv4/TCP frame, or (None, False)."""
    if len(data) < 34 or data[12:14] != b"\x08\x00" or data[23] != 6:
        return None, False
    ihl = (data[14] & 15) * 4
    t = 14 + ihl
    if len(data) < t + 13:
        return None, False
    return data[t + (data[t + 12] >> 4) * 4:], True


def cmd_tlscheck(path, keep_record, keep_cont):
    """Every cut TCP packet must keep keep_record bytes (header included) of its
    last TLS record (an Application Data start), or hold keep_cont bytes of a
    continuation.  Prints: cut, ok, bad."""
    cut = ok = bad = 0
    for r in read_records(path):
        if r["type"] != 6 or r["caplen"] >= r["origlen"]:
            continue
        pl, is_tcp = tcp_payload(r["data"])
        if not is_tcp or not pl:
            continue
        cut += 1
        looks_record = pl[0] in (20, 21, 22, 23) and pl[1] == 3
        if not looks_record:
            ok += len(pl) == keep_cont
            bad += len(pl) != keep_cont
            continue
        pos = 0
        good = False
        while pos + 5 <= len(pl):
            ln = struct.unpack("!H", pl[pos + 3:pos + 5])[0]
            if pos + 5 + ln > len(pl):
                good = pl[pos] == 23 and len(pl) - pos == keep_record
                break
            pos += 5 + ln
        ok += good
        bad += not good
    print(cut, ok, bad)


def main(argv):
    cmd = argv[1]
    if cmd == "dump":
        cmd_dump(argv[2])
    elif cmd == "info":
        cmd_info(argv[2])
    elif cmd == "send":
        cmd_send(argv[2], argv[3])
    elif cmd == "vlan":
        cmd_vlan(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    elif cmd == "stream":
        cmd_stream(argv[2], float(argv[3]), int(argv[4]))
    elif cmd == "tlscheck":
        cmd_tlscheck(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "mix":
        cmd_mix(argv[2], int(argv[3]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
