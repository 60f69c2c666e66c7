#!/usr/bin/env python3
"""UDP GSO sender for the capture tests (standard library, and
python3-cryptography to seal the client Initial).

  gso_quic.py initial SRC_PORT DST_IP DST_PORT SCID_HEX DCID_HEX
      one ordinary datagram: a QUIC v1 Initial long header (SCID, DCID) + filler,
      sealed with the keys of its DCID (RFC 9001 5.2) so that `track`, which
      proves client Initials, takes the 5-tuple for QUIC; the server's reply
      Initial (the same command the other way) is then simply not proven
  gso_quic.py train SRC_PORT DST_IP DST_PORT DCID_HEX SEG N TRAILING
      one UDP_SEGMENT send of N datagrams of SEG bytes: short headers to DCID,
      the last one a QUIC Handshake long header when TRAILING is "long"
"""
import os
import socket
import struct
import sys

UDP_SEGMENT = 103


def long_header(ptype, dcid, scid, size):
    """QUIC v1 long header (RFC 9000 17.2) of `size` bytes in all: 2-byte Length, 1-byte PN."""
    head = bytes([0xC0 | (ptype << 4)]) + struct.pack("!I", 1)
    head += bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid
    if ptype == 0:
        head += b"\x00"  # token length
    rest = size - len(head) - 2
    return head + struct.pack("!H", 0x4000 | rest) + os.urandom(rest)


def _expand_label(secret, label, length):
    """RFC 8446 7.1 HKDF-Expand-Label (SHA-256, empty context)."""
    import hashlib
    import hmac
    full = b"tls13 " + label
    info = struct.pack("!HB", length, len(full)) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out, i = out + t, i + 1
    return out[:length]


def sealed_initial(dcid, scid, size):
    """A client Initial of `size` bytes (1-byte packet number 0, PADDING)
    protected with the Initial keys of dcid (RFC 9001 5.2-5.4)."""
    import hashlib
    import hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    salt = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")
    secret = _expand_label(hmac.new(salt, dcid, hashlib.sha256).digest(), b"client in", 32)
    key, iv, hp = (_expand_label(secret, l, n) for l, n in ((b"quic key", 16), (b"quic iv", 12), (b"quic hp", 16)))
    head = bytes([0xC0]) + struct.pack("!I", 1) + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid
    head += b"\x00" + struct.pack("!H", 0x4000 | (size - len(head) - 3)) + b"\x00"  # token, Length, PN 0
    sealed = AESGCM(key).encrypt(iv, bytes(size - len(head) - 16), head)  # nonce = iv ^ 0
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(sealed[3:19]) + enc.finalize()  # sample: 4 bytes after the PN's start
    return bytes([head[0] ^ (mask[0] & 0x0F)]) + head[1:-1] + bytes([head[-1] ^ mask[1]]) + sealed


def short_header(dcid, size):
    return bytes([0x40 | 0x01]) + dcid + os.urandom(size - 1 - len(dcid))


def sock(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    return s


def main(a):
    if a[1] == "initial":
        s = sock(int(a[2]))
        dcid, scid = bytes.fromhex(a[6]), bytes.fromhex(a[5])
        s.sendto(sealed_initial(dcid, scid, 1200), (a[3], int(a[4])))
    elif a[1] == "train":
        s = sock(int(a[2]))
        dcid, seg, n = bytes.fromhex(a[5]), int(a[6]), int(a[7])
        segs = [short_header(dcid, seg) for _ in range(n - 1)]
        segs.append(long_header(2, dcid, b"\x11" * 8, seg) if a[8] == "long" else short_header(dcid, seg))
        s.setsockopt(socket.IPPROTO_UDP, UDP_SEGMENT, seg)
        s.sendto(b"".join(segs), (a[3], int(a[4])))
    else:
        sys.exit("unknown command " + a[1])


if __name__ == "__main__":
    main(sys.argv)
