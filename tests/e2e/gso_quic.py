#!/usr/bin/env python3
"""UDP GSO sender for the capture tests (standard library only).

  gso_quic.py initial SRC_PORT DST_IP DST_PORT SCID_HEX DCID_HEX
      one ordinary datagram: a QUIC v1 Initial long header (SCID, DCID) + filler
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


def short_header(dcid, size):
    return bytes([0x40 | 0x01]) + dcid + os.urandom(size - 1 - len(dcid))


def sock(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    return s


def main(a):
    if a[1] == "initial":
        s = sock(int(a[2]))
        s.sendto(long_header(0, bytes.fromhex(a[6]), bytes.fromhex(a[5]), 1200), (a[3], int(a[4])))
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
