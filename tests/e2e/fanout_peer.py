#!/usr/bin/env python3
"""A foreign PACKET_FANOUT member (capture_fanout.test.sh): one AF_PACKET
socket per group id given, each joining that id on IFACE in the mode the
workers use (hash, defrag), as another program with a fixed group id would.
Writes READY once every socket has joined, then counts the packets each
socket receives until none came for QUIET seconds (or COUNT per socket),
(at most 30 s), and prints one count per id, in order: the packets the
kernel delivered to the socket (PACKET_STATISTICS tp_packets, which counts
those dropped for a full receive buffer too: a slow reader on a loaded
machine must not look like a socket that was not given the packets).

usage: fanout_peer.py IFACE READY COUNT QUIET ID...
"""
import select
import socket
import struct
import sys
import time

SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_FANOUT = 18
SO_RCVBUFFORCE = 33
FANOUT_HASH_DEFRAG = 0x8000 << 16  # PACKET_FANOUT_HASH (0) | PACKET_FANOUT_FLAG_DEFRAG


def main():
    iface, ready, count, quiet = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    ids = [int(x) & 0xFFFF for x in sys.argv[5:]]
    socks = []
    for gid in ids:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
        s.bind((iface, 0))
        s.setsockopt(SOL_PACKET, PACKET_FANOUT, struct.pack("=I", gid | FANOUT_HASH_DEFRAG))
        s.setblocking(False)
        socks.append(s)
    open(ready, "w").close()
    got = [0] * len(socks)
    start = last = time.monotonic()
    while min(got) < count and time.monotonic() - start < 30:
        if sum(got) and time.monotonic() - last > quiet:
            break
        r, _, _ = select.select(socks, [], [], 0.1)
        for s in r:
            while True:
                try:
                    s.recv(65536)
                except BlockingIOError:
                    break
                got[socks.index(s)] += 1
                last = time.monotonic()
    # struct tpacket_stats {tp_packets, tp_drops}: tp_packets includes the drops
    delivered = [struct.unpack("=II", s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[0] for s in socks]
    print(" ".join(str(d) for d in delivered))


if __name__ == "__main__":
    main()
