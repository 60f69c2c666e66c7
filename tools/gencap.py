#!/usr/bin/env python3
"""gencap — deterministic synthetic capture generator (Python 3 standard library only).

The output is a pure function of the arguments: the same arguments give the
same bytes, another --seed gives another capture.

  gencap.py OUT.pcap [--size 64M | --packets N] [--seed S] [--flows-concurrent N]
                     [--format pcap|pcapng] [--nsec]
  gencap.py OUT.pcap --short-flows N [--seed S] [--format ...] [--nsec] [--python]

Mixed mode interleaves about --flows-concurrent flows (default 48) of:
  * TLS 1.3 (85 %) and 1.2 over TCP/443 and 8443: 3-way handshake with options,
    ClientHello/ServerHello that dissect in Wireshark, CCS, the TLS 1.3 encrypted
    flight as Application Data records, a TLS 1.2 DER certificate chain, requests and
    responses whose records are 16 KiB, segment-sized, 1369-then-16 KiB, 1-8 KiB or
    small (several per segment), cut into MSS-sized segments; some flows send
    GRO-style super segments; a few segments are reordered or retransmitted.
  * QUIC v1 on UDP/443: client Initials (some zero padded after the packet),
    server Initial+Handshake, Handshake, Handshake+1-RTT, client Handshake+1-RTT,
    short headers whose DCID is the peer's SCID.
  * DNS (A, AAAA, HTTPS; some large TXT answers fragmented at the IP layer),
    plain HTTP/1.1 on 80/8080, ICMP/ICMPv6 echo, NTP, ARP.
  * IPv4 and IPv6 (about a third), 802.1Q (13 %) and QinQ (2 %); valid IPv4,
    TCP, UDP and ICMP checksums.
--short-flows N writes N tiny TCP/TLS flows (SYN, SYN-ACK, ClientHello,
ServerHello+CCS+AppData) with distinct 4-tuples, for flow-table tests; it runs
the C helper `genflows` when built (same bytes, much faster) unless --python.
Sizes take K/M/G suffixes (powers of 1024); generation stops at the first
packet boundary at or after --size.  OUT may be '-' for stdout.
"""

import argparse
import heapq
import os
import random
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gencap_flows as flows  # noqa: E402
import gencap_wire as w  # noqa: E402

SNAPLEN = 262144
EPOCH_NS = 1_750_000_000 * 1_000_000_000
LINKTYPE_ETHERNET = 1


class PcapWriter:
    """Classic PCAP, little-endian, µs or ns magic."""

    def __init__(self, out, nsec):
        self.out, self.nsec, self.buf, self.held, self.bytes = out, nsec, [], 0, 0
        magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
        self._put(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET))
        self.hdr = struct.Struct("<IIII").pack

    def packet(self, ts_ns, frame):
        frac = ts_ns % 1_000_000_000 if self.nsec else (ts_ns % 1_000_000_000) // 1000
        self._put(self.hdr(ts_ns // 1_000_000_000, frac, len(frame), len(frame)) + frame)

    def _put(self, b):
        self.buf.append(b)
        self.held += len(b)
        self.bytes += len(b)
        if self.held >= 1 << 20:
            self.flush()

    def flush(self):
        self.out.write(b"".join(self.buf))
        self.buf, self.held = [], 0


def pcapng_option(code, value):
    pad = (-len(value)) % 4
    return struct.pack("<HH", code, len(value)) + value + b"\x00" * pad


def pcapng_block(btype, body):
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


class PcapngWriter(PcapWriter):
    """PCAPNG: one SHB, one Ethernet IDB (if_tsresol 6 or 9), EPBs."""

    def __init__(self, out, nsec):
        self.out, self.nsec, self.buf, self.held, self.bytes = out, nsec, [], 0, 0
        shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
        shb += pcapng_option(4, b"constrictor gencap") + pcapng_option(0, b"")
        idb = struct.pack("<HHI", LINKTYPE_ETHERNET, 0, SNAPLEN)
        idb += pcapng_option(2, b"gen0") + pcapng_option(9, bytes([9 if nsec else 6]))
        idb += pcapng_option(0, b"")
        self._put(pcapng_block(0x0A0D0D0A, shb) + pcapng_block(1, idb))

    def packet(self, ts_ns, frame):
        ts = ts_ns if self.nsec else ts_ns // 1000
        pad = (-len(frame)) % 4
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
        self._put(pcapng_block(6, body + frame + b"\x00" * pad))


def parse_size(text):
    t = text.strip().upper().rstrip("B")
    mult = 1
    if t and t[-1] in "KMGT":
        mult = 1024 ** ("KMGT".index(t[-1]) + 1)
        t = t[:-1]
    return int(float(t) * mult)


def mixed(writer, seed, target_bytes, max_packets, concurrent):
    """Interleave flows by timestamp; a finished flow is replaced by a new one."""
    master = random.Random(seed)
    noise = w.Noise(random.Random(seed * 2654435761 + 12345))
    heap, order, packets = [], 0, 0

    def next_frame(gen, t):
        for delay_us, frame in gen:
            t += delay_us * 1000
            if frame is not None:
                return t, frame
        return None

    def spawn(t):
        nonlocal order
        while True:
            kind = master.choices(flows.KINDS, flows.WEIGHTS)[0]
            gen = kind(random.Random(master.getrandbits(64)), noise)
            ev = next_frame(gen, t)
            if ev:
                heapq.heappush(heap, (ev[0], order, ev[1], gen))
                order += 1
                return

    for i in range(concurrent):
        spawn(i * 41_000)
    while heap and writer.bytes < target_bytes and packets < max_packets:
        t, _, frame, gen = heapq.heappop(heap)
        writer.packet(EPOCH_NS + t + master.randrange(1000), frame)
        packets += 1
        ev = next_frame(gen, t)
        if ev:
            heapq.heappush(heap, (ev[0], order, ev[1], gen))
            order += 1
        else:
            spawn(t + master.randrange(1, 300) * 1000)
    writer.flush()
    return packets


# --- short flows (kept byte-identical with tools/genflows.c) ----------------

MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.x = seed & MASK64

    def next(self):
        self.x = (self.x + 0x9E3779B97F4A7C15) & MASK64
        z = self.x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def bytes(self, n):
        return b"".join(self.next().to_bytes(8, "little") for _ in range(n // 8))


def short_flow_frames(i, sm):
    """The four frames of short flow i (SYN, SYN-ACK, ClientHello, ServerHello+CCS+AppData)."""
    cisn, sisn = sm.next() & 0xFFFFFFFF, sm.next() & 0xFFFFFFFF
    crand, ckey, srand, skey, app = sm.bytes(32), sm.bytes(32), sm.bytes(32), sm.bytes(32), sm.bytes(40)
    caddr = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
    saddr = bytes([192, 0, 2, 1 + i % 200])
    cport, sport = 1024 + (i >> 24) * 8 + (i % 8), 443
    mac_c, mac_s = b"\x02\x42\x0a\x00\x00\x01", b"\x00\x16\x3e\x00\x00\x02"

    def seg(c, seq, ack, flags, payload):
        src, dst = (caddr, saddr) if c else (saddr, caddr)
        ports = (cport, sport) if c else (sport, cport)
        tcp = struct.pack("!HHIIBBHHH", ports[0], ports[1], seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          0x50, flags, 64240, 0, 0)
        cs = w.checksum(src + dst + struct.pack("!xBH", 6, 20 + len(payload)), tcp, payload)
        ip = struct.pack("!BBHHHBBH", 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0) + src + dst
        ip = ip[:10] + struct.pack("!H", w.checksum(ip)) + ip[12:]
        eth = (mac_s + mac_c if c else mac_c + mac_s) + b"\x08\x00"
        return eth + ip + tcp[:16] + struct.pack("!H", cs) + tcp[18:] + payload

    ch_exts = w.ext(43, b"\x02\x03\x04") + w.ext(51, w.vec16(b"\x00\x1d\x00\x20" + ckey))
    ch = w.record(0x16, w.handshake(1, b"\x03\x03" + crand + b"\x00" + w.vec16(b"\x13\x01")
                                    + b"\x01\x00" + w.vec16(ch_exts)), 0x0301)
    sh_exts = w.ext(43, b"\x03\x04") + w.ext(51, b"\x00\x1d\x00\x20" + skey)
    sh = w.record(0x16, w.handshake(2, b"\x03\x03" + srand + b"\x00\x13\x01\x00" + w.vec16(sh_exts)))
    flight = sh + w.record(0x14, b"\x01") + w.record(0x17, app)
    return [seg(True, cisn, 0, w.SYN, b""),
            seg(False, sisn, cisn + 1, w.SYN | w.ACK, b""),
            seg(True, cisn + 1, sisn + 1, w.PSH | w.ACK, ch),
            seg(False, sisn + 1, (cisn + 1 + len(ch)) & 0xFFFFFFFF, w.PSH | w.ACK, flight)]


SHORT_BATCH = 64
SHORT_STEP_NS = 10_000


def short_flows(writer, seed, count):
    sm, packets, t = SplitMix64(seed), 0, EPOCH_NS
    for base in range(0, count, SHORT_BATCH):
        batch = [short_flow_frames(i, sm) for i in range(base, min(base + SHORT_BATCH, count))]
        for k in range(4):
            for frames in batch:
                writer.packet(t, frames[k])
                t += SHORT_STEP_NS
                packets += 1
    writer.flush()
    return packets


def find_genflows():
    here = os.path.dirname(os.path.abspath(__file__))
    for cand in (os.environ.get("GENCAP_GENFLOWS"), shutil.which("genflows"),
                 os.path.join(here, "..", "build", "tools", "genflows")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output", help="output capture path ('-' = stdout)")
    ap.add_argument("--size", default=None, help="target size, e.g. 32M (default 64M without --packets)")
    ap.add_argument("--packets", type=int, default=0, help="stop after N packets")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--flows-concurrent", type=int, default=48)
    ap.add_argument("--format", choices=("pcap", "pcapng"), default="pcap")
    ap.add_argument("--nsec", action="store_true", help="nanosecond timestamps")
    ap.add_argument("--short-flows", type=int, default=0, metavar="N")
    ap.add_argument("--python", action="store_true", help="--short-flows without the C helper")
    a = ap.parse_args()
    if a.seed < 0 or a.flows_concurrent < 1 or a.packets < 0 or a.short_flows < 0:
        ap.error("--seed, --packets, --short-flows must be >= 0 and --flows-concurrent >= 1")
    if a.short_flows and not a.python:
        native = find_genflows()
        if native:
            cmd = [native, a.output, "--flows", str(a.short_flows), "--seed", str(a.seed),
                   "--format", a.format] + (["--nsec"] if a.nsec else [])
            sys.exit(subprocess.call(cmd))
    try:
        target = parse_size(a.size) if a.size else (1 << 62 if a.packets else 64 << 20)
    except ValueError:
        ap.error("invalid --size %r (expected a number with an optional K/M/G suffix)" % a.size)
    try:
        out = sys.stdout.buffer if a.output == "-" else open(a.output, "wb")
    except OSError as e:
        sys.exit("gencap: cannot open %s: %s" % (a.output, e.strerror))
    writer = (PcapngWriter if a.format == "pcapng" else PcapWriter)(out, a.nsec)
    if a.short_flows:
        packets = short_flows(writer, a.seed, a.short_flows)
    else:
        packets = mixed(writer, a.seed, target, a.packets or (1 << 62), a.flows_concurrent)
    out.flush()
    if out is not sys.stdout.buffer:
        out.close()
    print("gencap: wrote %d packets, %d bytes" % (packets, writer.bytes), file=sys.stderr)


if __name__ == "__main__":
    main()
