#!/usr/bin/python3
"""midstream - `track` on TLS connections already open when the capture starts
(issue 21): measure, and optionally check the issue's targets.

  midstream.py [--check] [--trim N,N,...] [--policy P] [--json OUT] CONSTRICTOR FILE...

For each FILE (and each FILE trimmed to start at its Nth packet, 1-based, as
`editcap -r FILE OUT N-` would) it runs `constrictor constrict --policy P`
(default track) with a decision log, judges the output with `constrictor
audit`, and audits every TCP connection on its own (the file split by
connection: policy and audit keep no state across connections).  Printed per
file: needed bytes lost, saved %, achievable (oracle) %, efficiency; per
connection: payload bytes, whether its start (SYN) was captured, the same
numbers, and the proof point: the packet at which a live recorder could
first know the connection is TLS (its hello, or the third of three
consecutive AppData record headers of one direction whose bytes have all
been captured, by the headers' sequence numbers, whatever the gaps between
them) against the last packet the policy kept whole as unproven.

--check asserts (exit 1 when one fails, FAIL lines name it):
  * audit passes on every file (no needed byte lost, invariants hold);
  * every connection with >= 1,000,000 payload bytes reaches >= 97 %
    efficiency from its proof point on (the connection's packets from that
    packet to its end, audited on their own).  Its whole-connection
    efficiency is printed, not asserted: a live recorder cannot cut the
    records before the proof, which with 16 KiB records is 3-5 % of a 1 MB
    connection's savings;
  * no packet after the proof point is kept whole as unproven
    (`keep.not_proven_tls`): while a proof is pending at most the records
    before the third chained header are kept whole;
  * a connection the audit does not find to be TLS loses no byte.
"""
import argparse
import bisect
import json
import os
import struct
import subprocess
import sys
import tempfile

BIG = 1000000
EFF_MIN = 97.0


def read_pcap(path):
    """(header bytes, endian, [(rec_hdr bytes, data bytes)]) of a classic pcap."""
    with open(path, "rb") as f:
        raw = f.read()
    magic = raw[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("midstream.py: %s: not a classic pcap file" % path)
    link = struct.unpack_from(e + "I", raw, 20)[0]
    pkts, off = [], 24
    while off + 16 <= len(raw):
        caplen = struct.unpack_from(e + "I", raw, off + 8)[0]
        pkts.append((raw[off:off + 16], raw[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return raw[:24], e, link, pkts


def write_pcap(path, hdr, pkts):
    with open(path, "wb") as f:
        f.write(hdr)
        for rh, data in pkts:
            f.write(rh)
            f.write(data)


def tcp_of(data, link):
    """(src, sport, dst, dport, seq, flags, payload) or None (Ethernet/VLAN, IPv4/IPv6)."""
    if link != 1 or len(data) < 14:
        return None
    et, off = struct.unpack_from("!H", data, 12)[0], 14
    while et in (0x8100, 0x88A8) and len(data) >= off + 4:
        et, off = struct.unpack_from("!H", data, off + 2)[0], off + 4
    if et == 0x0800 and len(data) >= off + 20:
        ihl, proto = (data[off] & 15) * 4, data[off + 9]
        total = struct.unpack_from("!H", data, off + 2)[0]
        src, dst = data[off + 12:off + 16], data[off + 16:off + 20]
        end = off + total if total else len(data)
        l4 = off + ihl
    elif et == 0x86DD and len(data) >= off + 40:
        proto = data[off + 6]
        src, dst = data[off + 8:off + 24], data[off + 24:off + 40]
        end, l4 = off + 40 + struct.unpack_from("!H", data, off + 4)[0], off + 40
    else:
        return None
    if proto != 6 or len(data) < l4 + 20:
        return None
    sport, dport, seq = struct.unpack_from("!HHI", data, l4)
    doff, flags = (data[l4 + 12] >> 4) * 4, data[l4 + 13]
    return src, sport, dst, dport, seq, flags, data[l4 + doff:min(end, len(data))]


def strict_appdata(h):
    ln = h[3] << 8 | h[4]
    return h[0] == 0x17 and h[1] == 3 and 1 <= h[2] <= 4 and 1 <= ln <= 16384 + 2048


def plausible(h):
    ln = h[3] << 8 | h[4]
    return 0x14 <= h[0] <= 0x18 and h[1] == 3 and h[2] <= 4 and ln <= 16384 + 2048


class Direction:
    """One direction of a connection, reassembled by (unwrapped) sequence number."""

    def __init__(self):
        self.base = None
        self.syn = None  # relative offset of ISN + 1
        self.segs = []  # (packet index, rel start, payload)
        self.lo = self.hi = 0
        self.bytes = 0

    def rel(self, seq):
        if self.base is None:
            self.base = seq
        return ((seq - self.base + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)

    def add(self, i, seq, flags, pl):
        if flags & 2:
            self.syn = self.rel(seq) + 1
            seq = (seq + 1) & 0xFFFFFFFF
        if not pl:
            return
        r = self.rel(seq)
        self.segs.append((i, r, pl))
        self.bytes += len(pl)

    def stream(self):
        """(lo, bytearray of the stream, bytearray of captured flags)."""
        if not self.segs:
            return 0, bytearray(), bytearray()
        lo = min(r for _, r, _ in self.segs)
        if self.syn is not None:
            lo = min(lo, self.syn)
        hi = max(r + len(p) for _, r, p in self.segs)
        buf, have = bytearray(hi - lo), bytearray(hi - lo)
        for _, r, p in self.segs:
            buf[r - lo:r - lo + len(p)] = p
            have[r - lo:r - lo + len(p)] = b"\x01" * len(p)
        return lo, buf, have

    def records(self):
        """Record headers (rel offset, type, length) along the chain the audit follows."""
        lo, buf, have = self.stream()
        n, out = len(buf), []

        def hdr_ok(o, strict):
            if o + 5 > n or not all(have[o:o + 5]):
                return False
            h = buf[o:o + 5]
            ln = h[3] << 8 | h[4]
            if strict:
                return 0x14 <= h[0] <= 0x17 and h[1] == 3 and 1 <= h[2] <= 4 and 1 <= ln <= 18432
            return plausible(h)

        def chain_from(o):  # three strict headers in a row, or fewer ending at the data's end
            for _ in range(3):
                if o == n:
                    return True
                if not hdr_ok(o, True):
                    return False
                o += 5 + (buf[o + 3] << 8 | buf[o + 4])
            return True

        o = (self.syn - lo) if self.syn is not None else None
        if o is None or not (o < n and hdr_ok(o, False)):
            o = next((k for k in range(n) if chain_from(k)), n) if o is None else o
        while o + 5 <= n:
            if not hdr_ok(o, False):
                o = next((k for k in range(o + 1, n) if chain_from(k)), n)
                continue
            ln = buf[o + 3] << 8 | buf[o + 4]
            out.append((o + lo, buf[o], ln, bytes(buf[o:o + 5])))
            o += 5 + ln
        return out


def connections(pkts, link):
    """{key: {'dirs': [Direction, Direction], 'pkts': [index], 'names': (a, b)}}"""
    conns = {}
    for i, (_, data) in enumerate(pkts):
        t = tcp_of(data, link)
        if t is None:
            continue
        src, sport, dst, dport, seq, flags, pl = t
        a, b = (src, sport), (dst, dport)
        key = (a, b) if a <= b else (b, a)
        c = conns.get(key)
        if c is None:
            c = conns[key] = {"dirs": [Direction(), Direction()], "pkts": [], "a": a, "b": b}
        c["pkts"].append(i)
        c["dirs"][0 if a == c["a"] else 1].add(i, seq, flags, pl)
    return conns


def proof_point(c):
    """Packet index at which a live recorder could first prove the connection TLS."""
    best = None
    for d in c["dirs"]:
        if not d.segs:
            continue
        recs = d.records()
        if d.syn is not None:  # a hello at ISN + 1 proves at its first packet
            first = recs[0] if recs and recs[0][0] == d.syn else None
            lo, buf, _ = d.stream()
            body = buf[d.syn - lo + 5:d.syn - lo + 11]
            hello = len(body) == 6 and body[0] in (1, 2) and body[4] == 3 and \
                38 <= (body[1] << 16 | body[2] << 8 | body[3])
            if first is not None and first[1] == 0x16 and hello:
                at = min(i for i, r, p in d.segs if r <= d.syn < r + len(p))
                best = at if best is None else min(best, at)
            continue
        # capture order: the packet by which each header's 5 bytes had all been captured
        starts = [r[0] for r in recs]
        missing = [set(range(q, q + 5)) for q in starts]
        seen_at = {}
        for i, r, p in d.segs:
            k = bisect.bisect_left(starts, r - 4)
            while k < len(starts) and starts[k] < r + len(p):
                if k not in seen_at:
                    missing[k] = {q for q in missing[k] if not r <= q < r + len(p)}
                    if not missing[k]:
                        seen_at[k] = i
                k += 1
        for k in range(len(recs) - 2):
            trio = recs[k:k + 3]
            if not all(strict_appdata(x[3]) for x in trio):
                continue
            if trio[0][0] + 5 + trio[0][2] != trio[1][0] or trio[1][0] + 5 + trio[1][2] != trio[2][0]:
                continue
            if all(k + j in seen_at for j in range(3)):
                at = max(seen_at[k + j] for j in range(3))
                best = at if best is None else min(best, at)
    return best


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def audit(binary, orig, out):
    r = run([binary, "audit", orig, out, "--json"])
    if r.returncode > 1:
        sys.exit("midstream.py: audit %s: %s" % (orig, r.stderr.strip()))
    return r.returncode, json.loads(r.stdout)


def read_log(path):
    reasons = {}
    with open(path) as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split(",")
            reasons[int(cols[0]) - 1] = cols[14].strip('"')
    return reasons


def measure(binary, path, label, policy, tmp):
    hdr, e, link, pkts = read_pcap(path)
    out, log = os.path.join(tmp, "out.pcap"), os.path.join(tmp, "log.csv")
    r = run([binary, "constrict", "--policy", policy, path, "-o", out, "--decision-log", log])
    if r.returncode:
        sys.exit("midstream.py: constrict %s: %s" % (path, r.stderr.strip()))
    rc, whole = audit(binary, path, out)
    _, _, _, opkts = read_pcap(out)
    reasons = read_log(log)
    res = {"file": label, "packets": len(pkts), "audit_rc": rc, "lost": sum(
        v["lost"] for k, v in whole["classes"].items() if k != "tls13_encrypted_handshake"),
        "saved_pct": whole["saved_pct"], "oracle_pct": whole["oracle_saved_pct"],
        "efficiency_pct": whole["efficiency_pct"], "conns": []}
    for key, c in sorted(connections(pkts, link).items(), key=lambda kv: kv[1]["pkts"][0]):
        idx = c["pkts"]
        o1, o2 = os.path.join(tmp, "c.pcap"), os.path.join(tmp, "c.out.pcap")
        write_pcap(o1, hdr, [pkts[i] for i in idx])
        write_pcap(o2, hdr, [opkts[i] for i in idx])
        crc, a = audit(binary, o1, o2)
        pp = proof_point(c) if a["reassembly"]["tls_connections"] else None
        pending = [i for i in idx if reasons.get(i) == "keep.not_proven_tls"]
        late = [i for i in pending if pp is not None and i >= pp]
        after = None
        if pp is not None and c["dirs"][0].bytes + c["dirs"][1].bytes >= BIG:
            rest = [i for i in idx if i >= pp]  # what the policy controls: from the proof on
            write_pcap(o1, hdr, [pkts[i] for i in rest])
            write_pcap(o2, hdr, [opkts[i] for i in rest])
            after = audit(binary, o1, o2)[1]["efficiency_pct"]
        port = min(c["a"][1], c["b"][1])
        res["conns"].append({
            "ports": "%d-%d" % (c["a"][1], c["b"][1]), "server_port": port,
            "payload": c["dirs"][0].bytes + c["dirs"][1].bytes,
            "syn": any(d.syn is not None for d in c["dirs"]),
            "tls": a["reassembly"]["tls_connections"] > 0, "audit_rc": crc,
            "saved_pct": a["saved_pct"], "oracle_pct": a["oracle_saved_pct"],
            "efficiency_pct": a["efficiency_pct"], "efficiency_after_proof_pct": after,
            "cut_bytes": a["caplen_original"] - a["caplen_constricted"],
            "proof_packet": pp, "pending_packets": len(pending),
            "last_pending": max(pending) if pending else None, "late_pending": len(late)})
    return res


def trimmed(path, n, tmp):
    hdr, _, _, pkts = read_pcap(path)
    out = os.path.join(tmp, "trim%d.pcap" % n)
    write_pcap(out, hdr, pkts[n - 1:])
    return out


def fmt_pct(v):
    return "-" if v is None else "%.1f" % v


def report(res, check):
    fails = []
    print("%-34s %6s pkts  lost %d  saved %s %%  achievable %s %%  efficiency %s %%" % (
        res["file"], res["packets"], res["lost"], fmt_pct(res["saved_pct"]),
        fmt_pct(res["oracle_pct"]), fmt_pct(res["efficiency_pct"])))
    if res["audit_rc"]:
        fails.append("%s: audit fails (needed bytes lost: %d)" % (res["file"], res["lost"]))
    for c in res["conns"]:
        print("   %-12s %9d B %-5s %-7s saved %5s %%  achievable %5s %%  eff %5s %% (%s after proof)  "
              "proof@%s unproven-kept %d (last @%s, after proof %d)" % (
                  c["ports"], c["payload"], "syn" if c["syn"] else "mid",
                  "tls" if c["tls"] else "non-tls", fmt_pct(c["saved_pct"]),
                  fmt_pct(c["oracle_pct"]), fmt_pct(c["efficiency_pct"]),
                  fmt_pct(c["efficiency_after_proof_pct"]),
                  "-" if c["proof_packet"] is None else c["proof_packet"] + 1, c["pending_packets"],
                  "-" if c["last_pending"] is None else c["last_pending"] + 1, c["late_pending"]))
        name = "%s %s" % (res["file"], c["ports"])
        eff = c["efficiency_after_proof_pct"]
        if c["payload"] >= BIG and c["tls"] and (eff or 0) < EFF_MIN:
            fails.append("%s: efficiency from the proof on %s %% < %.0f %% on a connection of "
                         "%d bytes" % (name, fmt_pct(eff), EFF_MIN, c["payload"]))
        if c["late_pending"]:
            fails.append("%s: %d packet(s) kept whole as unproven from packet %d on, where the "
                         "connection was provable" % (name, c["late_pending"], c["proof_packet"] + 1))
        if not c["tls"] and c["cut_bytes"]:
            fails.append("%s: %d bytes cut from a connection that is not TLS" % (name, c["cut_bytes"]))
    if check:
        for f in fails:
            print("FAIL: " + f)
    return fails


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--check", action="store_true")
    p.add_argument("--trim", default="")
    p.add_argument("--policy", default="track")
    p.add_argument("--json")
    p.add_argument("binary")
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    trims = [int(x) for x in a.trim.split(",") if x]
    results, fails = [], []
    with tempfile.TemporaryDirectory(prefix="cst-midstream.") as tmp:
        for f in a.files:
            name = os.path.basename(f).rsplit(".", 1)[0]
            npk = len(read_pcap(f)[3])
            for n in [1] + [t for t in trims if t < npk]:
                src, label = (f, name) if n == 1 else (trimmed(f, n, tmp), "%s@%d" % (name, n))
                res = measure(a.binary, src, label, a.policy, tmp)
                results.append(res)
                fails += report(res, a.check)
    if a.json:
        with open(a.json, "w") as out:
            json.dump(results, out, indent=1)
    if a.check:
        print("%d target(s) missed" % len(fails) if fails else "all targets met")
        sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
