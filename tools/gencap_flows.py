"""Flow scripts for gencap.  Each flow is a generator of (delay_us, frame)
events: `frame` is a complete Ethernet frame, or None for a pause (think
time, round trip).  A flow draws every random choice from its own rng, so
flows interleave deterministically whatever the scheduler does.
"""

import struct

import gencap_wire as w

HOSTS = ("www.example.com", "cdn.example.net", "api.example.org", "login.example.com",
         "static.example.net", "video.example.org", "mail.example.com", "news.example.net",
         "shop.example.org", "maps.example.com", "docs.example.net", "cloud.example.org")

TEXT = ("the quick brown fox jumps over the lazy dog while packets flow through the "
        "network and every header stays readable <p>hello</p> <div id=\"main\"></div> "
        "constrictor keeps handshakes and cuts encrypted bulk ").split(" ")


def vlan_tags(rng):
    r = rng.random()
    if r < 0.02:  # QinQ: service tag, then customer tag
        return [(w.TPID_8021AD, rng.randrange(1, 4095)), (w.TPID_8021Q, rng.randrange(1, 4095))]
    if r < 0.15:
        return [(w.TPID_8021Q, (rng.randrange(8) << 13) | rng.randrange(1, 4095))]
    return []


def log_uniform(rng, lo, hi):
    """Roughly log-uniform in [lo, hi] with integer arithmetic only (no libm,
    so the bytes do not depend on the platform's exp/log rounding)."""
    e = rng.randrange(lo.bit_length() - 1, hi.bit_length())
    return min(max(rng.randrange(1 << e, 2 << e), lo), hi)


class Tcp:
    """One TCP connection: sequence numbers, timestamps option, segmentation."""

    def __init__(self, rng, path, cport, sport, timestamps):
        self.rng, self.path = rng, path
        self.ports = {True: (cport, sport), False: (sport, cport)}
        self.seq = {True: rng.getrandbits(32), False: rng.getrandbits(32)}
        self.tsval = {True: rng.getrandbits(31), False: rng.getrandbits(31)}
        self.timestamps = timestamps
        self.mss = (1440 if path.v6 else 1460) - (12 if timestamps else 0)

    def _opts(self, c):
        if not self.timestamps:
            return b""
        self.tsval[c] += 1
        return b"\x01\x01\x08\x0a" + struct.pack("!II", self.tsval[c] & 0xFFFFFFFF,
                                                   self.tsval[not c] & 0xFFFFFFFF)

    def segment(self, c, flags, payload=b"", seq=None, ack=None):
        s = self.seq[c] if seq is None else seq
        a = self.seq[not c] if ack is None else ack
        return self.path.tcp(c, self.ports[c], s, a, flags, payload, self._opts(c))

    def open(self, rtt):
        syn_opts = struct.pack("!BBH", 2, 4, self.mss + (12 if self.timestamps else 0))
        syn_opts += b"\x04\x02\x08\x0a" + struct.pack("!II", self.tsval[True], 0) + b"\x01\x03\x03\x07"
        yield 0, self.path.tcp(True, self.ports[True], self.seq[True], 0, w.SYN, b"", syn_opts, 64240)
        self.seq[True] += 1
        yield rtt, self.path.tcp(False, self.ports[False], self.seq[False], self.seq[True],
                                 w.SYN | w.ACK, b"", syn_opts, 65160)
        self.seq[False] += 1
        yield 25, self.segment(True, w.ACK)

    def send(self, c, data, gro=1, disorder=0.0):
        """Cut data into MSS (or GRO multi-MSS) segments; the peer ACKs every
        second segment.  With `disorder`, neighbours swap places or a segment
        is sent twice (the receiver sees reordering and retransmission)."""
        rng = self.rng
        cuts, off = [], 0
        while off < len(data):
            n = self.mss * (rng.randrange(2, gro + 1) if gro > 1 else 1)
            cuts.append((self.seq[c] + off, data[off:off + n]))
            off += n
        self.seq[c] += len(data)
        i = 0
        while i < len(cuts):
            if disorder and i + 1 < len(cuts) and rng.random() < disorder:
                cuts[i], cuts[i + 1] = cuts[i + 1], cuts[i]
                i += 1
            i += 1
        for k, (seq, chunk) in enumerate(cuts):
            flags = w.ACK | (w.PSH if k == len(cuts) - 1 else 0)
            yield rng.randrange(4, 35), self.segment(c, flags, chunk, seq=seq)
            if disorder and rng.random() < disorder / 2:
                yield rng.randrange(300, 3000), self.segment(c, w.ACK, chunk, seq=seq)
            if k % 2 == 1 or k == len(cuts) - 1:
                yield rng.randrange(2, 25), self.segment(not c, w.ACK, ack=seq + len(chunk))

    def close(self, reset=False):
        if reset:
            yield 40, self.segment(True, w.RST | w.ACK)
            return
        yield 80, self.segment(True, w.FIN | w.ACK)
        self.seq[True] += 1
        yield 250, self.segment(False, w.FIN | w.ACK)
        self.seq[False] += 1
        yield 30, self.segment(True, w.ACK)


def app_records(rng, noise, size, layout, mss):
    """TLS 1.2/1.3 Application Data records carrying `size` plaintext bytes."""
    out, first = [], True
    while size > 0:
        if layout == "max":
            n = 16384
        elif layout == "segment":
            n = mss - 5 - 17
        elif layout == "ramp":
            n = 1369 if first else 16384
        elif layout == "small":
            n = rng.choice((1024, 2048, 4096, 8192))
        else:  # "chatty": several records per segment
            n = rng.randrange(80, 600)
        n = min(n, size)
        out.append(w.record(0x17, noise.take(rng, n + 17)))
        size -= n
        first = False
    return b"".join(out)


def tls_handshake(rng, noise, tcp, rtt, host, tls13):
    ch = w.client_hello(rng, noise, host, tls13, rng.choice((517, 583, 1200, 1750)))
    yield from tcp.send(True, ch)
    yield rtt, None
    if tls13:
        flight = w.server_hello(rng, noise, True) + w.record(0x14, b"\x01")
        for n in (rng.randrange(30, 120), rng.randrange(1800, 4500), 280, 53):
            flight += w.record(0x17, noise.take(rng, n))  # EE, Cert, CV, Finished
        gro = rng.choice((2, 3, 4)) if rng.random() < 0.1 else 1
        yield from tcp.send(False, flight, gro)
        yield rtt // 3 + 20, None
        yield from tcp.send(True, w.record(0x14, b"\x01") + w.record(0x17, noise.take(rng, 53)))
        if rng.random() < 0.6:  # NewSessionTicket
            yield 200, None
            yield from tcp.send(False, w.record(0x17, noise.take(rng, rng.randrange(180, 260))))
        return
    flight = w.server_hello(rng, noise, False) + w.tls12_server_flight(rng, noise, host)
    yield from tcp.send(False, flight)
    yield rtt // 3 + 20, None
    cke = w.record(0x16, w.handshake(16, b"\x20" + noise.take(rng, 32)))
    yield from tcp.send(True, cke + w.record(0x14, b"\x01") + w.record(0x16, noise.take(rng, 40)))
    yield rtt, None
    yield from tcp.send(False, w.record(0x14, b"\x01") + w.record(0x16, noise.take(rng, 40)))


def tls_flow(rng, noise):
    path = w.Path(rng, rng.random() < 0.35, vlan_tags(rng))
    tcp = Tcp(rng, path, rng.randrange(32768, 61000), 443 if rng.random() < 0.9 else 8443,
              rng.random() < 0.8)
    rtt = rng.randrange(400, 30000)
    layout = rng.choices(("max", "segment", "ramp", "small", "chatty"), (45, 15, 20, 12, 8))[0]
    gro = rng.choice((2, 3, 4, 8)) if rng.random() < 0.1 else 1
    yield from tcp.open(rtt)
    yield from tls_handshake(rng, noise, tcp, rtt, rng.choice(HOSTS), rng.random() < 0.85)
    for _ in range(rng.randrange(1, 5)):
        yield rng.randrange(100, 4000), None
        yield from tcp.send(True, app_records(rng, noise, rng.randrange(40, 900), "max", tcp.mss))
        yield rtt, None
        size = log_uniform(rng, 1500, 3_000_000)
        yield from tcp.send(False, app_records(rng, noise, size, layout, tcp.mss), gro, 0.004)
    if rng.random() < 0.5:  # close_notify alert
        yield 50, tcp.segment(True, w.PSH | w.ACK, w.record(0x15, noise.take(rng, 26)))
        tcp.seq[True] += 31
    yield from tcp.close(reset=rng.random() < 0.05)


def http_flow(rng, noise):
    path = w.Path(rng, rng.random() < 0.3, vlan_tags(rng))
    tcp = Tcp(rng, path, rng.randrange(32768, 61000), rng.choice((80, 80, 8080)), rng.random() < 0.6)
    rtt = rng.randrange(400, 20000)
    yield from tcp.open(rtt)
    for _ in range(rng.randrange(1, 4)):
        page = "/%s/%s.html" % (rng.choice(TEXT[:12]), rng.choice(TEXT[:20]))
        req = "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: gencap/1\r\nAccept: */*\r\n\r\n" % (
            page, rng.choice(HOSTS))
        yield rng.randrange(100, 3000), None
        yield from tcp.send(True, req.encode())
        words, n, size = [], 0, log_uniform(rng, 200, 300_000)
        while n < size:
            words.append(rng.choice(TEXT))
            n += len(words[-1]) + 1
        body = " ".join(words).encode()
        head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body)
        yield rtt, None
        yield from tcp.send(False, head.encode() + body)
    yield from tcp.close()


def quic_flow(rng, noise):
    path = w.Path(rng, rng.random() < 0.35, vlan_tags(rng))
    ports = {True: (rng.randrange(32768, 61000), 443)}
    ports[False] = ports[True][::-1]
    mtu = 1232 if path.v6 else 1252
    odcid, sscid = rng.randbytes(8), rng.randbytes(8)
    cscid = rng.randbytes(rng.choice((0, 3, 8, 8)))
    rtt = rng.randrange(400, 30000)

    def dgram(c, payload):
        return path.udp(c, ports[c], payload)

    for _ in range(rng.choice((1, 1, 2))):  # client Initial(s), some Chrome-style zero padded
        if rng.random() < 0.3:
            pkt = w.quic_client_initial(rng, noise, odcid, cscid, rng.randrange(280, 560))
            pkt += b"\x00" * (mtu - len(pkt))
        else:
            pkt = w.quic_long(rng, noise, 0, odcid, cscid, 0)
            pkt = w.quic_client_initial(rng, noise, odcid, cscid, mtu - len(pkt) - 1)
        yield 15, dgram(True, pkt)
    sini = w.quic_long(rng, noise, 0, cscid, sscid, rng.randrange(90, 130))
    hs_room = mtu - len(sini) - len(w.quic_long(rng, noise, 2, cscid, sscid, 0)) - 1
    yield rtt, dgram(False, sini + w.quic_long(rng, noise, 2, cscid, sscid, hs_room))
    for _ in range(rng.randrange(1, 4)):
        pkt = w.quic_long(rng, noise, 2, cscid, sscid, 0)
        yield rng.randrange(4, 30), dgram(False, w.quic_long(rng, noise, 2, cscid, sscid,
                                                             mtu - len(pkt) - 1))
    yield rng.randrange(4, 30), dgram(False, w.quic_long(rng, noise, 2, cscid, sscid, 250)
                                      + w.quic_short(rng, noise, cscid, rng.randrange(100, 500)))
    yield rtt // 3 + 20, dgram(True, w.quic_long(rng, noise, 2, sscid, cscid, 40)
                               + w.quic_short(rng, noise, sscid, rng.randrange(60, 200)))
    for _ in range(rng.randrange(1, 5)):
        yield rng.randrange(50, 3000), dgram(True, w.quic_short(rng, noise, sscid,
                                                               rng.randrange(60, 700)))
        yield rtt, None
        left, n = log_uniform(rng, 2000, 3_000_000), 0
        while left > 0:
            size = min(mtu, max(left, 40))
            yield rng.randrange(4, 35), dgram(False, w.quic_short(rng, noise, cscid, size))
            left -= size
            n += 1
            if n % 3 == 0:
                yield rng.randrange(2, 25), dgram(True, w.quic_short(rng, noise, sscid,
                                                                     rng.randrange(30, 55)))
    yield 80, dgram(True, w.quic_short(rng, noise, sscid, rng.randrange(30, 45)))


def dns_flow(rng, noise):
    path = w.Path(rng, rng.random() < 0.35, vlan_tags(rng))
    ports = (rng.randrange(1024, 65535), 53)
    txid, host = rng.randrange(65536), rng.choice(HOSTS)
    big = not path.v6 and rng.random() < 0.03
    qtype = 16 if big else rng.choice((1, 1, 28, 65))
    yield 0, path.udp(True, ports, w.dns_query(txid, host, qtype))
    yield rng.randrange(300, 25000), None
    if not big:
        answer = w.dns_answer(rng, noise, txid, host, qtype, rng.randrange(1, 4))
        yield 0, path.udp(False, ports[::-1], answer)
        return
    # A large TXT answer, fragmented at the IP layer (RFC 791 §2.3).
    txt = b""
    for _ in range(8):
        s = " ".join(rng.choice(TEXT) for _ in range(60)).encode()[:250]
        txt += b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 300, len(s) + 1) + bytes([len(s)]) + s
    msg = struct.pack("!6H", txid, 0x8180, 1, 8, 0, 0) + w.dns_name(host) + b"\x00\x10\x00\x01" + txt
    l4 = path.udp_segment(False, ports[::-1], msg)
    yield 0, path.ip(False, w.IP_UDP, l4[:1480], frag=0x2000)
    yield 4, path.ip(False, w.IP_UDP, l4[1480:], frag=1480 // 8, next_id=False)


def misc_flow(rng, noise):
    kind = rng.choices(("icmp", "ntp", "arp"), (45, 35, 20))[0]
    path = w.Path(rng, kind != "arp" and rng.random() < 0.35, vlan_tags(rng))
    if kind == "arp":
        req = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + path.cmac + path.caddr + bytes(6) + path.saddr
        frame = path.link(True, w.ETH_ARP)
        yield 0, b"\xff" * 6 + frame[6:] + req + bytes(18)
        rep = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + path.smac + path.saddr + path.cmac + path.caddr
        yield rng.randrange(50, 900), path.link(False, w.ETH_ARP) + rep + bytes(18)
    elif kind == "ntp":
        yield 0, path.udp(True, (123, 123), b"\x23" + bytes(39) + noise.take(rng, 8))
        yield rng.randrange(1000, 30000), path.udp(False, (123, 123), b"\x24\x02" + noise.take(rng, 46))
    else:
        ident = rng.randrange(65536)
        for seq in range(rng.randrange(1, 4)):
            data = noise.take(rng, 56)
            for c in (True, False):
                typ = (128 if c else 129) if path.v6 else (8 if c else 0)
                body = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + data
                proto = w.IP_ICMPV6 if path.v6 else w.IP_ICMP
                cs = w.checksum(path.pseudo(c, proto, len(body)), body) if path.v6 else w.checksum(body)
                yield rng.randrange(100, 20000), path.ip(c, proto, body[:2] + struct.pack("!H", cs) + body[4:])
            yield 900000, None


KINDS = (tls_flow, quic_flow, dns_flow, http_flow, misc_flow)
WEIGHTS = (32, 22, 28, 8, 10)
