#!/usr/bin/env python3
"""Check the arrows of ARCHITECTURE.md: which room of src/ (and cli/) may use which.

usage: check_arrows.py SOURCE_DIR [BUILD_DIR]

Reads the ```arrows block of SOURCE_DIR/ARCHITECTURE.md, then checks
  1. the allowed graph has no cycle and names every room that exists;
  2. every #include "room/..." of src/ and cli/ follows an allowed arrow
     (cli -> public: cli includes no private header at all);
  3. with BUILD_DIR: every call between rooms in the built objects (nm) follows
     an allowed arrow (cli calls only cst_ functions of the library), no
     `never a/f -> b/g` call exists, and the files of an `acyclic` room do not
     call each other in a circle.
Call violations listed in tests/arch/known ("a/f -> b/g  why") are reported
as KNOWN, not failed; a line whose call is gone is reported so it is removed.
Prints "ok ...", "FAIL ...", "KNOWN ..." and "SKIP ..." lines.
"""
import os
import re
import subprocess
import sys

src_dir = sys.argv[1]
build_dir = sys.argv[2] if len(sys.argv) > 2 else ""


def say(kind, msg):
    print("%s %s" % (kind, msg))


# ---- the rules
text = open(os.path.join(src_dir, "ARCHITECTURE.md")).read()
m = re.search(r"```arrows\n(.*?)```", text, re.S)
if not m:
    say("FAIL", "ARCHITECTURE.md has no ```arrows block")
    sys.exit(0)
allowed, never, acyclic = {}, [], []
for n, line in enumerate(m.group(1).splitlines(), 1):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    mm = re.fullmatch(r"never\s+(\w+)/(\w+)\s*->\s*(\w+)/(\w+)", line)
    if mm:
        never.append(((mm.group(1), mm.group(2)), (mm.group(3), mm.group(4))))
        continue
    mm = re.fullmatch(r"acyclic\s+(.*)", line)
    if mm:
        acyclic.extend(mm.group(1).split())
        continue
    mm = re.fullmatch(r"(\w+)\s*->\s*(.*)", line)
    if not mm or mm.group(1) in allowed:
        say("FAIL", "ARCHITECTURE.md arrows line %d unreadable or repeated: %s" % (n, line))
        continue
    allowed[mm.group(1)] = set(mm.group(2).split())
for room, deps in allowed.items():
    for d in deps - {"public"}:
        if d not in allowed:
            say("FAIL", "arrow %s -> %s: no room %s in the table" % (room, d, d))


def cycle():
    state = {}

    def visit(r, path):
        state[r] = 1
        for d in sorted(allowed.get(r, ())):
            if d not in allowed:
                continue
            if state.get(d) == 1:
                return path + [r, d]
            if d not in state:
                c = visit(d, path + [r])
                if c:
                    return c
        state[r] = 2
        return None

    for r in sorted(allowed):
        if r not in state:
            c = visit(r, [])
            if c:
                return c
    return None


c = cycle()
if c:
    say("FAIL", "the allowed arrows have a cycle: %s" % " -> ".join(c[c.index(c[-1]):]))
else:
    say("ok", "the %d rooms' allowed arrows have no cycle" % len(allowed))

rooms = sorted(d for d in os.listdir(os.path.join(src_dir, "src"))
               if os.path.isdir(os.path.join(src_dir, "src", d)))
for r in rooms + ["cli"]:
    if r not in allowed:
        say("FAIL", "room %s exists but ARCHITECTURE.md does not place it" % r)


def may(a, b):
    return a == b or b in allowed.get(a, set())


# ---- 2. includes
def files_of(room):
    base = os.path.join(src_dir, "cli" if room == "cli" else os.path.join("src", room))
    for d, _, fs in os.walk(base):
        for f in sorted(fs):
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
for room in rooms + ["cli"]:
    if room not in allowed:
        continue
    n = bad = 0
    for path in files_of(room):
        rel = os.path.relpath(path, src_dir)
        for ln, line in enumerate(open(path, errors="replace"), 1):
            mm = inc_re.match(line)
            if not mm:
                continue
            inc = mm.group(1)
            if "/" not in inc:
                continue  # a header beside the file: the room's own
            n += 1
            target = inc.split("/", 1)[0]
            if target == room:
                continue
            if "public" in allowed[room] or not may(room, target):
                bad += 1
                say("FAIL", '%s:%d includes "%s": %s -> %s is not an arrow of ARCHITECTURE.md'
                    % (rel, ln, inc, room, target))
    if not bad:
        say("ok", "%s: %d includes of room headers, all on allowed arrows" % (room, n))

# ---- 3. calls, from the built objects
if not build_dir:
    say("SKIP", "no build directory: calls between rooms not checked")
    sys.exit(0)
objs = {}  # (room, stem) -> object path (first found: several targets may build one source)
for d, _, fs in os.walk(os.path.join(build_dir, "CMakeFiles")):
    mm = re.search(r"\.dir/(?:src/(\w+)|(cli))(?:/|$)", d + "/")
    if not mm:
        continue
    room = mm.group(1) or "cli"
    for f in sorted(fs):
        source = os.path.join(src_dir, "cli" if room == "cli" else os.path.join("src", room), f[:-2])
        if f.endswith(".o") and os.path.exists(source):  # not a stale object of a removed file
            objs.setdefault((room, re.sub(r"\.(c|cc)\.o$", "", f)), os.path.join(d, f))
if not objs:
    say("SKIP", "no object files under %s/CMakeFiles: calls between rooms not checked" % build_dir)
    sys.exit(0)
defs, undefs = {}, {}
for key, path in sorted(objs.items()):
    try:
        out = subprocess.run(["nm", "-P", path], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        say("SKIP", "nm failed (%s): calls between rooms not checked" % e)
        sys.exit(0)
    undefs[key] = set()
    for line in out.splitlines():
        s = line.split()
        if len(s) < 2:
            continue
        if s[1] == "U":
            undefs[key].add(s[0])
        elif s[1] in "TDBRGSVW" and key[0] != "cli":
            defs.setdefault(s[0], key)
calls = {}  # (from key, to key) -> a symbol
for key, us in undefs.items():
    for u in sorted(us):
        if u in defs and defs[u] != key:
            calls.setdefault((key, defs[u]), u)
known = {}
kpath = os.path.join(src_dir, "tests", "arch", "known")
if os.path.exists(kpath):
    for line in open(kpath):
        mm = re.match(r"\s*(\w+)/(\w+)\s*->\s*(\w+)/(\w+)\s*(.*)", line)
        if mm and not line.lstrip().startswith("#"):
            known[((mm.group(1), mm.group(2)), (mm.group(3), mm.group(4)))] = mm.group(5).strip()
seen_known = set()


def violation(a, b, msg):
    if (a, b) in known:
        seen_known.add((a, b))
        say("KNOWN", "%s (tests/arch/known: %s)" % (msg, known[(a, b)]))
        return 0
    say("FAIL", msg)
    return 1


bad = 0
for (a, b), sym in sorted(calls.items()):
    if a[0] == b[0]:
        continue
    if a[0] not in allowed:
        continue
    if "public" in allowed[a[0]]:
        if not sym.startswith("cst_"):
            bad += violation(a, b, "%s/%s calls %s (%s/%s): %s may call only cst_ functions"
                             % (a + (sym,) + b + (a[0],)))
        continue
    if not may(a[0], b[0]):
        bad += violation(a, b, "%s/%s calls %s of %s/%s: %s -> %s is not an arrow of "
                         "ARCHITECTURE.md" % (a[0], a[1], sym, b[0], b[1], a[0], b[0]))
for a, b in never:
    sym = calls.get((a, b))
    if sym:
        bad += violation(a, b, "%s/%s calls %s of %s/%s: ARCHITECTURE.md says never"
                         % (a + (sym,) + b))
for k in sorted(set(known) - seen_known):
    # not a failure: the branch that removes it may land before or after this list is edited
    say("SKIP", "%s/%s -> %s/%s is gone: remove its line from tests/arch/known" % (k[0] + k[1]))


def file_cycle(room):
    """One circle of calls among the files of room, or None."""
    graph = {}
    for (a, b) in calls:
        if a[0] == room and b[0] == room:
            graph.setdefault(a[1], set()).add(b[1])
    state = {}

    def visit(f, path):
        state[f] = 1
        for g in sorted(graph.get(f, ())):
            if state.get(g) == 1:
                return path + [f, g]
            if g not in state:
                c = visit(g, path + [f])
                if c:
                    return c
        state[f] = 2
        return None

    for f in sorted(graph):
        if f not in state:
            c = visit(f, [])
            if c:
                return c[c.index(c[-1]):]
    return None


for room in acyclic:
    c = file_cycle(room)
    if c:
        bad += 1
        say("FAIL", "the files of %s call each other in a circle: %s" % (room, " -> ".join(c)))
    else:
        say("ok", "the files of %s call each other without a circle" % room)
say("ok" if not bad else "FAIL",
    "%d calls between %d objects checked against the arrows (%d not allowed)"
    % (len(calls), len(objs), bad))
