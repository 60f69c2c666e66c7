#!/usr/bin/python3
"""offload IFNAME on|off - switch checksum/segmentation offloads of an
interface through the legacy SIOCETHTOOL ioctls (no ethtool binary here).

The relay needs them off on the endpoints: a frame read from AF_PACKET must
be a complete, checksummed, MTU-sized frame to be sent on again.
"""
import ctypes
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
SETTERS = {  # ETHTOOL_S* commands, order matters: checksums last when enabling
    "gro": 0x0000002C,
    "gso": 0x00000024,
    "tso": 0x0000001F,
    "sg": 0x00000019,
    "txcsum": 0x00000017,
}


def set_feature(sock, ifname, cmd, value):
    buf = ctypes.create_string_buffer(struct.pack("II", cmd, value))
    ifreq = struct.pack("16sP", ifname.encode(), ctypes.addressof(buf))
    try:
        fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifreq)
    except OSError as e:
        print("offload: %s cmd %#x: %s" % (ifname, cmd, e), file=sys.stderr)


def main():
    ifname, mode = sys.argv[1], sys.argv[2]
    value = 1 if mode == "on" else 0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    order = list(SETTERS.items())
    if value:
        order.reverse()
    for _, cmd in order:
        set_feature(s, ifname, cmd, value)


if __name__ == "__main__":
    main()
