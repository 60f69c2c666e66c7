#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_pcap, fuzz_pcapng, fuzz_config and fuzz_engine.

Deterministic (standard library + tools/gencap.py): rerun after changing a
target's input layout.  Usage: gen_fuzz_corpus.py [CORPUS_DIR]
(default: tests/fuzz/corpus beside this script).  Seeds stay small: libFuzzer
sizes its inputs after the largest seed.  Files named fz-* beside the seeds
are inputs libFuzzer found (edge-minimized with -merge=1 -use_counters=0);
this script leaves them alone.
"""
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "format"))
import byteswap  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def gencap(fmt, seed, extra=()):
    tmp = os.path.join(OUT, ".gencap.tmp")
    args = [sys.executable, os.path.join(SRC, "tools", "gencap.py"), tmp, "--seed", str(seed),
            "--format", fmt] + list(extra)
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(tmp, "rb") as f:
        data = f.read()
    os.unlink(tmp)
    return data


# ---- frames ----------------------------------------------------------------

def ipv4_tcp(payload, sport=40000, dport=443, seq=1, flags=0x18):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, 1, 0x50, flags, 65535, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0, 64, 6, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return ip + tcp + payload


def ipv4_udp(payload, sport=40000, dport=443):
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 28 + len(payload), 1, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return ip + udp + payload


def eth(ip, ethertype=0x0800):
    return b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02" + struct.pack(">H", ethertype) + ip


def tls_record(ctype, body):
    return struct.pack(">BHH", ctype, 0x0303, len(body)) + body


CLIENT_HELLO = tls_record(22, b"\x01\x00\x00\x26\x03\x03" + bytes(32) + b"\x00\x00\x00")
APP_DATA = tls_record(23, bytes(range(200)))
QUIC_INITIAL = (b"\xc3\x00\x00\x00\x01\x08" + bytes(range(8)) + b"\x08" + bytes(range(8, 16))
                + b"\x00\x40\x20" + bytes(32))
QUIC_SHORT = b"\x43" + bytes(range(8)) + bytes(60)


# ---- classic PCAP ----------------------------------------------------------

def pcap(frames, linktype=1, magic=0xA1B2C3D4, snaplen=262144, lens=None):
    out = [struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for i, f in enumerate(frames):
        cap, orig = (len(f), len(f)) if lens is None else lens[i]
        out.append(struct.pack("<IIII", 1700000000 + i, i, cap, orig) + f[:cap])
    return b"".join(out)


def pcap_seeds():
    tls = [eth(ipv4_tcp(CLIENT_HELLO)), eth(ipv4_tcp(APP_DATA, seq=1 + len(CLIENT_HELLO))),
           eth(ipv4_udp(QUIC_INITIAL)), eth(ipv4_udp(QUIC_SHORT))]
    put("pcap", "gencap_mixed", gencap("pcap", 3, ["--packets", "12", "--flows-concurrent", "2"]))
    put("pcap", "gencap_nsec", gencap("pcap", 4, ["--packets", "8", "--nsec"]))
    put("pcap", "gencap_short_flows", gencap("pcap", 5, ["--short-flows", "2", "--python"]))
    le = pcap(tls)
    put("pcap", "tls_quic", le)
    put("pcap", "tls_quic_be", byteswap.swap_pcap(le))
    put("pcap", "header_only", pcap([]))
    put("pcap", "tail_header_cut", le + b"\x01\x02\x03")
    put("pcap", "tail_payload_cut", le[:-7])
    put("pcap", "caplen_above_origlen", pcap(tls[:2], lens=[(len(tls[0]), 40), (60, 60)]))
    put("pcap", "already_truncated", pcap(tls[:2], lens=[(54, len(tls[0])), (70, 900)]))
    put("pcap", "origlen_huge", pcap([tls[1]], lens=[(len(tls[1]), 262145)]))
    put("pcap", "caplen_above_snaplen", pcap(tls[:1], snaplen=64))
    put("pcap", "raw_ip", pcap([ipv4_tcp(APP_DATA)], linktype=101))
    put("pcap", "ipv4_link", pcap([ipv4_udp(QUIC_SHORT)], linktype=228))
    sll = struct.pack(">HHH8sH", 0, 1, 6, bytes(8), 0x0800)
    put("pcap", "sll", pcap([sll + ipv4_tcp(CLIENT_HELLO)], linktype=113))
    put("pcap", "null_le", pcap([b"\x02\x00\x00\x00" + ipv4_udp(QUIC_INITIAL)], linktype=0))
    put("pcap", "unsupported_link", pcap([bytes(40)], linktype=147))
    put("pcap", "short_header", le[:13])


# ---- PCAPNG ----------------------------------------------------------------

def block(btype, body, e="<"):
    pad = (-len(body)) % 4
    total = 12 + len(body) + pad
    return struct.pack(e + "II", btype, total) + body + bytes(pad) + struct.pack(e + "I", total)


def shb(e="<", opts=b""):
    return block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + opts, e)


def idb(linktype=1, e="<", opts=b""):
    return block(1, struct.pack(e + "HHI", linktype, 0, 262144) + opts, e)


def epb(frame, ifid=0, orig=None, e="<", opts=b""):
    cap = len(frame)
    pad = (-cap) % 4
    body = struct.pack(e + "IIIII", ifid, 0x5F5E1, 0x12345678, cap, cap if orig is None else orig)
    return block(6, body + frame + bytes(pad) + opts, e)


def opt(code, value, e="<"):
    pad = (-len(value)) % 4
    return struct.pack(e + "HH", code, len(value)) + value + bytes(pad)


END = struct.pack("<HH", 0, 0)


def pcapng_seeds():
    tls = [eth(ipv4_tcp(CLIENT_HELLO)), eth(ipv4_tcp(APP_DATA, seq=1 + len(CLIENT_HELLO))),
           eth(ipv4_udp(QUIC_INITIAL)), eth(ipv4_udp(QUIC_SHORT))]
    put("pcapng", "gencap_mixed", gencap("pcapng", 3, ["--packets", "12", "--flows-concurrent", "2"]))
    base = shb() + idb(opts=opt(2, b"eth0") + opt(9, b"\x06") + END) + b"".join(
        epb(f, opts=opt(2, struct.pack("<I", 1)) + END) for f in tls)
    put("pcapng", "tls_quic", base)
    put("pcapng", "tls_quic_be", byteswap.swap_pcapng(base))
    put("pcapng", "shb_only", shb())
    put("pcapng", "unknown_if", shb() + idb() + epb(tls[0], ifid=3))
    put("pcapng", "two_sections", base + shb() + idb(linktype=101) + epb(ipv4_tcp(APP_DATA)))
    spb = block(3, struct.pack("<I", len(tls[1])) + tls[1])
    nrb = block(4, struct.pack("<HH", 1, 8) + bytes([10, 0, 0, 1]) + b"a.b\0" + END)
    isb = block(5, struct.pack("<III", 0, 1, 2) + opt(4, struct.pack("<Q", 5)) + END)
    custom = block(0x00000BAD, b"\x00\x00\x7e\x8a" + b"custom")
    put("pcapng", "other_blocks", shb() + idb() + spb + nrb + isb + custom + epb(tls[3]))
    put("pcapng", "already_truncated", shb() + idb() + epb(tls[1][:60], orig=len(tls[1])))
    put("pcapng", "caplen_above_origlen", shb() + idb() + epb(tls[1], orig=30))
    put("pcapng", "tail_cut", base[:-9])
    put("pcapng", "origlen_huge", shb() + idb() + epb(tls[1], orig=300000))


# ---- config ------------------------------------------------------------------

CONFIGS = {
    "offline_all": """[general]
min_saved_bytes_per_packet = 0x10
max_flows = 100
flow_idle_timeout_sec = 30
[tls]
enabled = true
ports = 443,8443
app_data_keep_record_bytes = 8
app_data_continuation_keep_bytes = 8
app_data_continuation_policy = track
keep_encrypted_handshake = false
[quic]
enabled = true
ports = 443
short_header_keep_packet_bytes = 32
require_dcid_match = true
allow_short_header_without_known_dcid = false
learn_all_long_headers = true
[reinflate]
fill_byte = 0xAB
checksum_policy = recompute
seed = 18446744073709551615
""",
    "live_all": """# live recorder
[capture]
backend = recvmsg
interface = eth0
output = /tmp/out.pcap
promiscuous = 1
default_snaplen = 65535
max_capture_len = 65535
max_packets = 0
duration_sec = 10
ring_block_size = 1048576
ring_block_count = 64
ring_frame_size = 2048
block_timeout_ms = 64
[STATS]
Enabled = TRUE
[tls]
APP_DATA_CONTINUATION_POLICY = bulk ; inline comment
""",
    "comments": "; comment\n# comment\n\n[tls] # trailing\nports = 1,2,65535 ;x\n",
    "bom": "\xef\xbb\xbf[general]\nmax_flows = 1\n",
    "bad_key": "[tls]\nfoo = 1\n",
    "bad_section": "[nope]\n",
    "no_section": "max_flows = 1\n",
    "bad_header": "[tls\n",
    "no_equals": "[tls]\nenabled\n",
    "empty_value": "[tls]\nenabled =\n",
    "overflow": "[general]\nmax_flows = 99999999999999999999\n",
    "hex_live": "[general]\nmax_flows = 0x10\n",
    "ring_mismatch": "[capture]\nring_block_size = 1000\nring_frame_size = 3\n",
    "fill_random": "[reinflate]\nfill_byte = random\nseed = 1\n",
    "long_iface": "[capture]\ninterface = abcdefghijklmnopq\n",
    "crlf": "[tls]\r\nenabled = false\r\n",
    "ports_bad": "[quic]\nports = 1,,2\n",
    "no_newline": "[quic]\nenabled = false",
    "empty": "",
}


def config_seeds():
    for name, text in CONFIGS.items():
        put("config", name, text.encode("latin-1"))


# ---- engine: see the layout in fuzz_engine.c ---------------------------------

def rec(op, payload):
    return struct.pack("<BH", op, len(payload)) + payload


def engine_seeds():
    cfg_final, cfg_track = bytes([0x00, 3, 8, 16]), bytes([0x03, 3, 8, 16 | 0x80])
    SYN, SYNACK, ACK, FIN = 0x11, 0x15, 0x01, 0x21
    tls_flow = (rec(SYN, b"") + rec(SYNACK, b"") + rec(ACK, CLIENT_HELLO)
                + rec(ACK | 4, tls_record(22, b"\x02\x00\x00\x26\x03\x03" + bytes(38))
                      + tls_record(20, b"\x01") + tls_record(23, bytes(300)))
                + rec(ACK, tls_record(23, bytes(1000))[:600]) + rec(ACK, bytes(400) + APP_DATA)
                + rec(ACK | 4, APP_DATA * 3) + rec(FIN, b"") + rec(FIN | 4, b""))
    for i, cfg in enumerate((cfg_final, bytes([0x01, 3, 8, 16]), bytes([0x02, 3, 8, 0]), cfg_track)):
        put("engine", "tls_flow_policy%d" % i, cfg + tls_flow)
    def quic(op):  # op: kind 2 (UDP/IPv4) or 0x83 (UDP/IPv6); | 4 = server to client
        return (rec(op, QUIC_INITIAL)
                + rec(op | 4, b"\xc3\x00\x00\x00\x01\x08" + bytes(range(8, 16)) + b"\x08"
                      + bytes(range(16, 24)) + b"\x00\x40\x20" + bytes(32))
                + rec(op, QUIC_SHORT) + rec(op | 4, b"\x43" + bytes(range(8, 16)) + bytes(80)))
    put("engine", "quic_flow", cfg_final + quic(0x02))
    put("engine", "quic_flow_v6", bytes([0x40, 3, 8, 0x40]) + quic(0x83))
    put("engine", "two_flows_small_table", bytes([0x80, 3, 8, 16]) + tls_flow
        + tls_flow.replace(bytes([SYN]), bytes([SYN | 8]), 1))
    put("engine", "gap_and_timeout", cfg_track + rec(SYN, b"") + rec(ACK, CLIENT_HELLO)
        + rec(ACK | 0x40, APP_DATA) + rec(ACK, APP_DATA))
    raw = eth(ipv4_tcp(APP_DATA))
    put("engine", "raw_frames", cfg_final + rec(0, b"\x00" + raw) + rec(0, b"\x08" + raw)
        + rec(0, b"\x10" + raw) + rec(0, b"\x18" + raw) + rec(0, b"\x03" + ipv4_tcp(APP_DATA)))
    put("engine", "compat_tls", bytes([0x04, 3, 8, 16]) + tls_flow)
    put("engine", "v6_tcp", cfg_final + rec(0x03, CLIENT_HELLO) + rec(0x03, APP_DATA))


if __name__ == "__main__":
    pcap_seeds()
    pcapng_seeds()
    config_seeds()
    engine_seeds()
