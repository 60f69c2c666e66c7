"""Wire-format builders for gencap: checksums, Ethernet/VLAN, IPv4/IPv6,
TCP/UDP, TLS handshake messages (RFC 8446 §4, RFC 5246 §7.4), a minimal DER
X.509 certificate (RFC 5280 §4.1), QUIC v1 long/short headers (RFC 9000 §17)
and DNS messages (RFC 1035 §4).

Everything returns bytes; nothing here draws random numbers except through
the `rng` / `noise` objects the caller passes in, so the output stays a pure
function of the generator's arguments.
"""

import struct

ETH_IPV4, ETH_IPV6, ETH_ARP = 0x0800, 0x86DD, 0x0806
TPID_8021Q, TPID_8021AD = 0x8100, 0x88A8
IP_TCP, IP_UDP, IP_ICMP, IP_ICMPV6 = 6, 17, 1, 58
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

_U16 = struct.Struct("!H")


def checksum(*parts):
    """RFC 1071 checksum of the concatenated parts (each of even length but
    the last).  The sum is taken as the big integer of the bytes modulo
    0xFFFF, since 2^16 == 1 modulo 0xFFFF; a non-zero multiple of 0xFFFF is
    the one's-complement value 0xFFFF, whose checksum is 0."""
    acc, nonzero = 0, False
    for p in parts:
        v = int.from_bytes(p + b"\x00" if len(p) & 1 else p, "big")
        acc += v % 0xFFFF
        nonzero = nonzero or v != 0
    r = acc % 0xFFFF
    if r == 0 and nonzero:
        r = 0xFFFF
    return (~r) & 0xFFFF


class Noise:
    """A pool of pseudo-random bytes for ciphertext; slices start at offsets
    drawn from the caller's rng, so no per-byte randomness is needed."""

    SIZE = 1 << 21

    def __init__(self, rng):
        self.pool = rng.randbytes(self.SIZE + 65536)

    def take(self, rng, n):
        out = []
        while n > 0:
            k = min(n, 65536)
            off = rng.randrange(self.SIZE)
            out.append(self.pool[off:off + k])
            n -= k
        return b"".join(out)


class Path:
    """Addresses, MACs and VLAN tags of one conversation (client, server)."""

    def __init__(self, rng, v6, tags):
        self.v6 = v6
        self.cmac = bytes([0x02, 0x42]) + rng.randbytes(4)
        self.smac = bytes([0x00, 0x16, 0x3E]) + rng.randbytes(3)
        if v6:
            self.caddr = bytes.fromhex("20010db8000a") + rng.randbytes(10)
            self.saddr = bytes.fromhex("20010db80bad") + rng.randbytes(10)
        else:
            self.caddr = bytes([10, rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)])
            net = rng.choice((b"\xc0\x00\x02", b"\xc6\x33\x64", b"\xcb\x00\x71"))
            self.saddr = net + bytes([rng.randrange(1, 255)])
        self.tags = tags  # list of (tpid, tci)
        self.ip_id = rng.randrange(65536)

    def link(self, from_client, ethertype):
        dst, src = (self.smac, self.cmac) if from_client else (self.cmac, self.smac)
        hdr = dst + src
        for tpid, tci in self.tags:
            hdr += struct.pack("!HH", tpid, tci)
        return hdr + _U16.pack(ethertype)

    def ends(self, from_client):
        return (self.caddr, self.saddr) if from_client else (self.saddr, self.caddr)

    def pseudo(self, from_client, proto, length):
        src, dst = self.ends(from_client)
        if self.v6:
            return src + dst + struct.pack("!IxxxB", length, proto)
        return src + dst + struct.pack("!xBH", proto, length)

    def ip(self, from_client, proto, l4, frag=0x4000, next_id=True):
        """IP header around an already checksummed transport segment; the
        fragments of one datagram share the IPv4 identification (next_id=False)."""
        src, dst = self.ends(from_client)
        ttl = 64 if from_client else 56
        if self.v6:
            hdr = struct.pack("!IHBB", 0x60000000 | (self.ip_id & 0xFFFFF), len(l4), proto, ttl)
            return self.link(from_client, ETH_IPV6) + hdr + src + dst + l4
        if next_id:
            self.ip_id = (self.ip_id + 1) & 0xFFFF
        hdr = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(l4), self.ip_id, frag, ttl, proto, 0)
        hdr += src + dst
        hdr = hdr[:10] + _U16.pack(checksum(hdr)) + hdr[12:]
        return self.link(from_client, ETH_IPV4) + hdr + l4

    def tcp(self, from_client, ports, seq, ack, flags, payload=b"", opts=b"", win=501):
        hlen = 20 + len(opts)
        hdr = struct.pack("!HHIIBBHHH", ports[0], ports[1], seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          hlen << 2, flags, win, 0, 0) + opts
        c = checksum(self.pseudo(from_client, IP_TCP, hlen + len(payload)), hdr, payload)
        return self.ip(from_client, IP_TCP, hdr[:16] + _U16.pack(c) + hdr[18:] + payload)

    def udp_segment(self, from_client, ports, payload):
        length = 8 + len(payload)
        hdr = struct.pack("!HHHH", ports[0], ports[1], length, 0)
        c = checksum(self.pseudo(from_client, IP_UDP, length), hdr, payload) or 0xFFFF
        return hdr[:6] + _U16.pack(c) + payload

    def udp(self, from_client, ports, payload):
        return self.ip(from_client, IP_UDP, self.udp_segment(from_client, ports, payload))


# --- TLS (RFC 8446 §4, RFC 5246 §7.4) --------------------------------------

def record(ctype, body, version=0x0303):
    return struct.pack("!BHH", ctype, version, len(body)) + body


def handshake(htype, body):
    return bytes([htype]) + len(body).to_bytes(3, "big") + body


def ext(etype, body):
    return struct.pack("!HH", etype, len(body)) + body


def vec16(body):
    return _U16.pack(len(body)) + body


def client_hello(rng, noise, sni, tls13, size):
    """A ClientHello record of about `size` bytes (padding extension, RFC 7685)."""
    name = sni.encode()
    exts = ext(0, vec16(b"\x00" + vec16(name)))
    exts += ext(10, vec16(struct.pack("!HHH", 0x001D, 0x0017, 0x0018)))
    exts += ext(11, b"\x01\x00")
    exts += ext(13, vec16(struct.pack("!HHHHH", 0x0807, 0x0403, 0x0804, 0x0401, 0x0503)))
    exts += ext(16, vec16(b"\x02h2\x08http/1.1"))
    exts += ext(23, b"")
    if tls13:
        exts += ext(43, b"\x04\x03\x04\x03\x03")
        exts += ext(45, b"\x01\x01")
        exts += ext(51, vec16(struct.pack("!HH", 0x001D, 32) + noise.take(rng, 32)))
    suites = struct.pack("!HHHHH", 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F)
    fixed = 2 + 32 + 33 + 2 + len(suites) + 2 + 2 + len(exts)
    pad = max(0, size - 9 - fixed - 4)
    exts += ext(21, b"\x00" * pad)
    body = (b"\x03\x03" + noise.take(rng, 32) + b"\x20" + noise.take(rng, 32) + vec16(suites)
            + b"\x01\x00" + vec16(exts))
    return record(0x16, handshake(1, body), 0x0301)


def server_hello(rng, noise, tls13):
    if tls13:
        exts = ext(43, b"\x03\x04") + ext(51, struct.pack("!HH", 0x001D, 32) + noise.take(rng, 32))
        suite = 0x1301
    else:
        exts = ext(0xFF01, b"\x00") + ext(11, b"\x01\x00") + ext(23, b"")
        suite = 0xC02B
    body = (b"\x03\x03" + noise.take(rng, 32) + b"\x20" + noise.take(rng, 32)
            + _U16.pack(suite) + b"\x00" + vec16(exts))
    return record(0x16, handshake(2, body))


def der(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + body


def _name(cn):
    atv = der(0x30, der(0x06, b"\x55\x04\x03") + der(0x0C, cn.encode()))
    return der(0x30, der(0x31, atv))


def certificate_der(rng, noise, host, issuer, size):
    """X.509 v3 (RFC 5280 §4.1) with an Ed25519 key (RFC 8410), a subject key
    identifier and a subjectAltName list long enough to reach about `size`
    bytes, as CDN certificates with many names are."""
    alg = der(0x30, der(0x06, b"\x2b\x65\x70"))
    validity = der(0x30, der(0x17, b"250101000000Z") + der(0x17, b"351231235959Z"))
    spki = der(0x30, alg + der(0x03, b"\x00" + noise.take(rng, 32)))
    names, k = der(0x82, host.encode()), 0
    while len(names) < size - 300:
        names += der(0x82, ("n%d-%d.%s" % (k, rng.randrange(1000), host)).encode())
        k += 1
    exts = der(0x30, der(0x06, b"\x55\x1d\x0e") + der(0x04, der(0x04, noise.take(rng, 20))))
    exts += der(0x30, der(0x06, b"\x55\x1d\x11") + der(0x04, der(0x30, names)))
    serial = der(0x02, b"\x01" + noise.take(rng, 15))
    tbs = der(0x30, der(0xA0, der(0x02, b"\x02")) + serial + alg + _name(issuer) + validity
              + _name(host) + spki + der(0xA3, der(0x30, exts)))
    return der(0x30, tbs + alg + der(0x03, b"\x00" + noise.take(rng, 64)))


def tls12_server_flight(rng, noise, host):
    """Certificate, ServerKeyExchange (ECDHE, RFC 8422 §5.4), ServerHelloDone."""
    chain = b""
    for i in range(rng.randrange(2, 4)):
        c = certificate_der(rng, noise, host if i == 0 else "Gencap CA %d" % i,
                            "Gencap CA %d" % (i + 1), rng.randrange(400, 1400))
        chain += len(c).to_bytes(3, "big") + c
    cert = handshake(11, len(chain).to_bytes(3, "big") + chain)
    ske = handshake(12, b"\x03\x00\x1d\x20" + noise.take(rng, 32) + b"\x08\x07"
                    + vec16(noise.take(rng, 64)))
    return record(0x16, cert + ske + handshake(14, b""))


# --- QUIC v1 (RFC 9000 §17) -------------------------------------------------

def varint(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return _U16.pack(0x4000 | n)
    return struct.pack("!I", 0x80000000 | n)


def quic_long(rng, noise, ptype, dcid, scid, payload_len):
    """Long header: Initial (0) or Handshake (2), 2-byte packet number."""
    first = 0xC0 | (ptype << 4) | 0x01
    hdr = bytes([first]) + b"\x00\x00\x00\x01" + bytes([len(dcid)]) + dcid
    hdr += bytes([len(scid)]) + scid
    if ptype == 0:
        hdr += b"\x00"  # no token
    rest = 2 + payload_len
    return hdr + varint(rest) + noise.take(rng, rest)


QUIC_V1_SALT = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")


def _hkdf_expand_label(secret, label, length):
    """RFC 8446 §7.1 HKDF-Expand-Label (SHA-256, empty context)."""
    import hashlib
    import hmac
    full = b"tls13 " + label
    info = _U16.pack(length) + bytes([len(full)]) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def quic_client_initial(rng, noise, dcid, scid, payload_len):
    """A QUIC v1 client Initial of the same size as quic_long(..., 0, ...)
    whose packet protection removes with the keys derived from its DCID
    (RFC 9001 §5.2-5.4), so that a reader that proves Initials (as Wireshark,
    `constrictor audit` and `track` do) takes it for one.  The plaintext is
    the same noise quic_long would have written (the rng is drawn the same
    way, the bytes are not used): one PING frame and PADDING (RFC 9000 §19.1,
    §19.2), frames a dissector that decrypts it reads cleanly.  Needs
    python3-cryptography."""
    import hashlib
    import hmac
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError as e:
        raise SystemExit("gencap: QUIC Initials need python3-cryptography (%s)" % e)
    plain_pkt = quic_long(rng, noise, 0, dcid, scid, payload_len)
    if payload_len < 20:
        return plain_pkt  # too short to protect: stays a look-alike
    initial = hmac.new(QUIC_V1_SALT, dcid, hashlib.sha256).digest()
    secret = _hkdf_expand_label(initial, b"client in", 32)
    key = _hkdf_expand_label(secret, b"quic key", 16)
    iv = _hkdf_expand_label(secret, b"quic iv", 12)
    hp = _hkdf_expand_label(secret, b"quic hp", 16)
    rest = 2 + payload_len
    pn_off = len(plain_pkt) - rest
    pn = int.from_bytes(plain_pkt[pn_off:pn_off + 2], "big")
    header = plain_pkt[:pn_off + 2]
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big")))
    frames = b"\x01" + bytes(payload_len - 16 - 1)
    sealed = AESGCM(key).encrypt(nonce, frames, header)
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(sealed[2:18]) + enc.finalize()
    first = bytes([header[0] ^ (mask[0] & 0x0F)])
    pn_prot = bytes(b ^ m for b, m in zip(header[pn_off:], mask[1:3]))
    return first + header[1:pn_off] + pn_prot + sealed


def quic_short(rng, noise, dcid, size):
    body = max(size - 1 - len(dcid), 20)
    return bytes([0x40 | rng.randrange(0x40)]) + dcid + noise.take(rng, body)


# --- DNS (RFC 1035 §4) ------------------------------------------------------

def dns_name(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00"


def dns_query(txid, name, qtype):
    return struct.pack("!6H", txid, 0x0100, 1, 0, 0, 0) + dns_name(name) + struct.pack("!HH", qtype, 1)


def dns_answer(rng, noise, txid, name, qtype, count):
    answers = b""
    for _ in range(count):
        if qtype == 1:
            rdata = noise.take(rng, 4)
        elif qtype == 28:
            rdata = bytes.fromhex("20010db8") + noise.take(rng, 12)
        else:  # HTTPS (RFC 9460): priority 1, target ".", alpn=h2
            rdata = b"\x00\x01\x00" + struct.pack("!HH", 1, 3) + b"\x02h2"
        answers += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, rng.randrange(30, 86400), len(rdata))
        answers += rdata
    head = struct.pack("!6H", txid, 0x8180, 1, count, 0, 0)
    return head + dns_name(name) + struct.pack("!HH", qtype, 1) + answers
