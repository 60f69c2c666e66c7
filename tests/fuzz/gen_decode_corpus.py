#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_decode (tests/fuzz/corpus/decode/).

Each file is one fuzz input: byte 0 = link-type index (0 Ethernet, 1 SLL,
2 SLL2, 3 raw, 4 IPv4, 5 IPv6, 6 null, 7 unsupported) | 0x80 for
DECODE_COMPAT, then the packet.  Deterministic; rerun after changing it.
"""
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "decode")
ETH, SLL, SLL2, RAW, IP4, IP6, NULL, UNSUP = range(8)
COMPAT = 0x80


def eth(etype):
    return bytes(range(12)) + struct.pack(">H", etype)


def vlan(tci, inner):
    return struct.pack(">HH", tci, inner)


def ipv4(proto, payload, total=None, ihl=5, frag=0x4000):
    opts = b"\x01" * ((ihl - 5) * 4)
    if total is None:
        total = 20 + len(opts) + len(payload)
    hdr = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total, 0x1234, frag, 64, proto, 0,
                      bytes([10, 0, 0, 1]), bytes([192, 168, 1, 2]))
    return hdr + opts + payload


def ipv6(nh, payload, plen=None):
    if plen is None:
        plen = len(payload)
    return (struct.pack(">IHBB", 0x60012345, plen, nh, 64) + bytes(range(0x20, 0x30))
            + bytes(range(0x40, 0x50)) + payload)


def ext(nh, len8, body=b""):
    size = (len8 + 1) * 8
    body = body + b"\x00" * (size - 2 - len(body))
    return struct.pack(">BB", nh, len8) + body


def frag6(nh, off_m):
    return struct.pack(">BBHI", nh, 0, off_m, 0xABCDEF01)


def tcp(payload=b"", doff=5, flags=0x18):
    opts = b"\x01" * ((doff - 5) * 4)
    return struct.pack(">HHIIBBHHH", 40000, 443, 0x11223344, 0x55667788, doff << 4, flags,
                       65535, 0, 0) + opts + payload


def bad_doff(seg, doff):
    """A TCP segment whose data offset claims `doff` words."""
    return seg[:12] + bytes([doff << 4]) + seg[13:]


def udp(payload=b"", length=None):
    if length is None:
        length = 8 + len(payload)
    return struct.pack(">HHHH", 5353, 443, length, 0) + payload


TLS = b"\x17\x03\x03\x00\x20" + bytes(32)
QUIC = b"\x40" + bytes(range(8)) + b"\x00" * 20
SLL_HDR = struct.pack(">HHH8s", 0, 1, 6, b"\xaa" * 8)
SLL2_HDR = lambda proto: struct.pack(">HHIHBB8s", proto, 0, 2, 1, 0, 6, b"\xbb" * 8)
JUMBO_HBH = struct.pack(">BBBBBI", 6, 1, 0, 0xC2, 4, 70000) + b"\x01\x05" + bytes(5)

CASES = {
    "eth_ipv4_tcp": (ETH, eth(0x0800) + ipv4(6, tcp(TLS))),
    "eth_ipv4_tcp_opts": (ETH, eth(0x0800) + ipv4(6, tcp(TLS, doff=8), ihl=7)),
    "eth_ipv4_udp": (ETH, eth(0x0800) + ipv4(17, udp(QUIC))),
    "eth_ipv4_trailer": (ETH, eth(0x0800) + ipv4(6, tcp(b"ab")) + bytes(6)),
    "eth_ipv4_frag": (ETH, eth(0x0800) + ipv4(6, tcp(TLS), frag=0x2000)),
    "eth_ipv4_tso": (ETH, eth(0x0800) + ipv4(6, tcp(TLS * 4), total=0)),
    "eth_ipv4_tso_compat": (ETH | COMPAT, eth(0x0800) + ipv4(6, tcp(TLS * 4), total=0)),
    "eth_ipv4_badihl": (ETH, eth(0x0800) + bytes([0x44]) + ipv4(6, tcp())[1:]),
    "eth_ipv4_icmp": (ETH, eth(0x0800) + ipv4(1, b"\x08\x00" + bytes(30))),
    "eth_arp": (ETH, eth(0x0806) + bytes(28)),
    "eth_vlan": (ETH, eth(0x8100) + vlan(1, 0x0800) + ipv4(17, udp(QUIC))),
    "eth_qinq": (ETH, eth(0x88A8) + vlan(1, 0x8100) + vlan(2, 0x86DD) + ipv6(6, tcp(TLS))),
    "eth_9100_deep": (ETH, eth(0x9100) + b"".join(vlan(i, 0x9100) for i in range(8))
                      + vlan(9, 0x0800) + ipv4(6, tcp())),
    "eth_ipv6_tcp": (ETH, eth(0x86DD) + ipv6(6, tcp(TLS))),
    "eth_ipv6_chain": (ETH, eth(0x86DD) + ipv6(0, ext(43, 0) + ext(60, 1) + ext(6, 0) + tcp(TLS))),
    "eth_ipv6_atomic_frag": (ETH, eth(0x86DD) + ipv6(44, frag6(17, 0) + udp(QUIC))),
    "eth_ipv6_frag": (ETH, eth(0x86DD) + ipv6(44, frag6(17, 0x0009) + udp(QUIC))),
    "eth_ipv6_ah": (ETH, eth(0x86DD) + ipv6(51, ext(6, 2) + tcp(TLS))),
    "eth_ipv6_esp": (ETH, eth(0x86DD) + ipv6(50, bytes(40))),
    "eth_ipv6_jumbo": (ETH, eth(0x86DD) + ipv6(0, JUMBO_HBH + tcp(TLS * 3), plen=0)),
    "eth_ipv6_jumbo_compat": (ETH | COMPAT, eth(0x86DD) + ipv6(0, JUMBO_HBH + tcp(TLS), plen=0)),
    "eth_ipv6_short_plen": (ETH, eth(0x86DD) + ipv6(0, ext(6, 1) + tcp(), plen=12)),
    "eth_tcp_bad_doff": (ETH, eth(0x0800) + ipv4(6, bad_doff(tcp(b"x" * 8), 15))),
    "eth_tcp_doff_4": (ETH, eth(0x0800) + ipv4(6, bad_doff(tcp(b"x" * 8), 4))),
    "eth_udp_bad_len": (ETH, eth(0x0800) + ipv4(17, udp(QUIC, length=4))),
    "eth_udp_long_len": (ETH, eth(0x0800) + ipv4(17, udp(QUIC, length=3000))),
    "eth_short": (ETH, eth(0x0800)[:13]),
    "sll_ipv4_tcp": (SLL, SLL_HDR + struct.pack(">H", 0x0800) + ipv4(6, tcp(TLS))),
    "sll_vlan_ipv6": (SLL, SLL_HDR + struct.pack(">H", 0x8100) + vlan(3, 0x86DD)
                      + ipv6(17, udp(QUIC))),
    "sll2_ipv4_udp": (SLL2, SLL2_HDR(0x0800) + ipv4(17, udp(QUIC))),
    "raw_ipv4": (RAW, ipv4(6, tcp(TLS))),
    "raw_ipv6": (RAW, ipv6(17, udp(QUIC))),
    "ipv4_link": (IP4, ipv4(17, udp(QUIC))),
    "ipv6_link": (IP6, ipv6(6, tcp(TLS))),
    "null_le_ipv4": (NULL, struct.pack("<I", 2) + ipv4(6, tcp(TLS))),
    "null_be_ipv6": (NULL, struct.pack(">I", 30) + ipv6(6, tcp(TLS))),
    "unsupported": (UNSUP, eth(0x0800) + ipv4(6, tcp())),
    "empty": (ETH, b""),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (sel, pkt) in CASES.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes([sel]) + pkt)
    print(f"wrote {len(CASES)} inputs to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
