#!/usr/bin/python3
"""relay - a user-space L2 bridge between two interfaces (AF_PACKET), for the
real-traffic corpus: this kernel has neither netem nor the 8021q module.

Every frame received on one side is sent out on the other, except that data
frames (IPv4/IPv6 carrying TCP or UDP with more than --min-payload bytes) are
impaired deterministically, by counters per direction:
  --drop N      every Nth data frame is dropped
  --swap N      every Nth data frame is held back and sent after the next
                frame of its direction (or after 20 ms if none comes)
  --mirror IF --vlan VID
                a copy of every forwarded frame, with an 802.1Q tag VID
                inserted, is sent on IF (a capture point)
  --mirror-drop N
                every Nth data frame is left out of the mirror only: the
                capture point loses it, the endpoints do not
On SIGTERM/SIGINT it prints its counters on stderr and exits.
"""
import argparse
import select
import signal
import socket
import struct
import sys

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def payload_len(frame):
    """TCP/UDP payload bytes of an untagged Ethernet frame, or -1."""
    if len(frame) < 14:
        return -1
    etype = struct.unpack_from("!H", frame, 12)[0]
    off = 14
    if etype == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 0x0F) * 4
        total = struct.unpack_from("!H", frame, off + 2)[0] or len(frame) - off
        proto = frame[off + 9]
        l4, end = off + ihl, off + total
    elif etype == 0x86DD and len(frame) >= off + 40:
        proto = frame[off + 6]
        l4, end = off + 40, off + 40 + struct.unpack_from("!H", frame, off + 4)[0]
    else:
        return -1
    if proto == 6 and len(frame) >= l4 + 20:
        return end - l4 - (frame[l4 + 12] >> 4) * 4
    if proto == 17:
        return end - l4 - 8
    return -1


class Direction:
    def __init__(self, name, src, dst, args):
        self.name, self.src, self.dst, self.args = name, src, dst, args
        self.count = self.dropped = self.swapped = self.forwarded = self.unmirrored = 0
        self.held = None

    def send(self, frame, mirror, vid):
        self.dst.send(frame)
        self.forwarded += 1
        n = self.args.mirror_drop
        if n and payload_len(frame) > self.args.min_payload and self.forwarded % n == 0:
            self.unmirrored += 1
        elif mirror is not None:
            mirror.send(frame[:12] + struct.pack("!HH", 0x8100, vid) + frame[12:])

    def handle(self, frame, mirror, vid):
        a = self.args
        if payload_len(frame) > a.min_payload:
            self.count += 1
            if a.drop and self.count % a.drop == 0:
                self.dropped += 1
                return
            if a.swap and self.count % a.swap == 0 and self.held is None:
                self.held = frame
                self.swapped += 1
                return
        self.send(frame, mirror, vid)
        self.flush(mirror, vid)

    def flush(self, mirror, vid):
        if self.held is not None:
            frame, self.held = self.held, None
            self.send(frame, mirror, vid)


def open_if(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    return s


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", required=True)
    p.add_argument("--b", required=True)
    p.add_argument("--drop", type=int, default=0)
    p.add_argument("--swap", type=int, default=0)
    p.add_argument("--min-payload", type=int, default=100)
    p.add_argument("--mirror")
    p.add_argument("--vlan", type=int, default=100)
    p.add_argument("--mirror-drop", type=int, default=0)
    a = p.parse_args()
    sa, sb = open_if(a.a), open_if(a.b)
    mirror = open_if(a.mirror) if a.mirror else None
    dirs = {sa: Direction(a.a + ">" + a.b, sa, sb, a), sb: Direction(a.b + ">" + a.a, sb, sa, a)}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print("relay ready", file=sys.stderr, flush=True)
    while not stop:
        try:
            ready, _, _ = select.select([sa, sb], [], [], 0.02)
        except InterruptedError:
            continue
        if not ready:
            for d in dirs.values():
                d.flush(mirror, a.vlan)
        for s in ready:
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue
            dirs[s].handle(frame, mirror, a.vlan)
    for d in dirs.values():
        print("relay %s: data frames %d, dropped %d, swapped %d, forwarded %d, unmirrored %d"
              % (d.name, d.count, d.dropped, d.swapped, d.forwarded, d.unmirrored),
              file=sys.stderr)


if __name__ == "__main__":
    main()
