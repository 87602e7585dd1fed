#!/usr/bin/env python3
"""Regenerates src/vectors.rs (then run `cargo fmt -p hyperloglog`):

    OUT=src/vectors.rs python3 testdata/gen_vectors.py

Talks RESP to a throwaway redis-server 7.0 on 127.0.0.1:7391 and FLUSHALLs it.
Needs no Python packages."""
import os, socket
OUT = os.environ.get("OUT", "/tmp/hllgen/vectors.rs")
class R:
    def __init__(s, port=7391):
        s.s = socket.create_connection(("127.0.0.1", port)); s.f = s.s.makefile("rb")
    def cmd(s, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            if isinstance(a, str): a = a.encode()
            elif isinstance(a, int): a = str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        s.s.sendall(out); return s.read()
    def read(s):
        line = s.f.readline()[:-2]; t = line[:1]; rest = line[1:]
        if t == b"+": return rest.decode()
        if t == b"-": return Exception(rest.decode())
        if t == b":": return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0: return None
            d = s.f.read(n + 2)[:-2]; return d
        if t == b"*":
            return [s.read() for _ in range(int(rest))]
        raise ValueError(line)
import struct, random
r = R(); r.cmd('FLUSHALL'); r.cmd('CONFIG','SET','hll-sparse-max-bytes','3000')

def nums(n): return [str(i).encode() for i in range(1, n+1)]
def mixed(n): return [("el:%s%d" % ("x"*(i%17), i)).encode() for i in range(n)]
def binary(n): return [bytes([i & 255, (i >> 8) & 255, 0, 255]) + b"\xab"*(i % 11) for i in range(n)]
GENS = {"nums": nums, "mixed": mixed, "binary": binary}

def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h ^= x; h = (h * 0x100000001b3) & 0xffffffffffffffff
    return h

def pfadd(key, els):
    for i in range(0, len(els), 1000):
        v = r.cmd('PFADD', key, *els[i:i+1000]); assert not isinstance(v, Exception), v

out = []
def lit(b): return '"' + b.hex() + '"'
def blob(b, full, limit=1600):
    if full or len(b) <= limit: return "Blob::Hex(%s)" % lit(b)
    return "Blob::Fnv(%d, 0x%016x)" % (len(b), fnv(b))

# PFADD cases: (name, gen, n, sparse_max)
cases = []
for g, ns in [("nums", [1, 10, 100, 200, 1000, 10000, 100000]), ("mixed", [500, 3000]), ("binary", [300, 2000])]:
    for n in ns: cases.append((g, n, 3000))
for g, n, m in [("nums", 300, 200), ("nums", 2000, 10000), ("mixed", 700, 1000), ("binary", 150, 100), ("nums", 3000, 20000)]:
    cases.append((g, n, m))
rows = []
for g, n, m in cases:
    r.cmd('CONFIG', 'SET', 'hll-sparse-max-bytes', str(m))
    key = "%s:%d:%d" % (g, n, m)
    pfadd(key, GENS[g](n))
    before = r.cmd('GET', key)
    cnt = r.cmd('PFCOUNT', key)
    after = r.cmd('GET', key)
    assert after[16:] == before[16:]
    rows.append('    AddCase { gen: "%s", n: %d, sparse_max: %d, before: %s, count: %d, after_header: %s },'
                % (g, n, m, blob(before, False), cnt, lit(after[:16])))
r.cmd('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000')
out.append("/// PFADD vectors: elements from `gen(n)`, `hll-sparse-max-bytes` = sparse_max;\n/// `before` = GET after the PFADDs, `count` = PFCOUNT, `after_header` = the 16 header bytes after PFCOUNT.")
out.append("pub(crate) const ADD_CASES: &[AddCase] = &[\n" + "\n".join(rows) + "\n];")

# PFMERGE cases: dest key (may be missing) + sources; keys refer to add cases (default max) by "gen:n"
mrows = []
merges = [
    ("nums:10", ["nums:100"], 3000),
    (None, ["nums:10", "nums:100"], 3000),
    (None, ["nums:100", "nums:1000"], 3000),
    (None, ["nums:200", "mixed:500", "binary:300"], 3000),
    (None, ["nums:100", "mixed:500"], 400),
    ("nums:1", ["nums:10000"], 3000),
    (None, ["mixed:500", None, "nums:1"], 3000),
    (None, [], 3000),
    (None, ["nums:1000", "mixed:500"], 3000),
    ("mixed:500", ["nums:200", "binary:300"], 3000),
    ("nums:100", ["nums:100"], 3000),
]
for idx, (dest, srcs, m) in enumerate(merges):
    r.cmd('CONFIG', 'SET', 'hll-sparse-max-bytes', str(m))
    def full(k): return None if k is None else k + ":3000"
    d = "merge%d" % idx
    if dest is not None:
        r.cmd('SET', d, r.cmd('GET', full(dest)))
    args = [full(s) if s else "missing" for s in srcs]
    assert r.cmd('PFMERGE', d, *args) == 'OK'
    res = r.cmd('GET', d)
    cnt = r.cmd('PFCOUNT', d)
    srcs_lit = "&[" + ", ".join('Some("%s")' % s if s else "None" for s in srcs) + "]"
    dest_lit = 'Some("%s")' % dest if dest else "None"
    mrows.append('    MergeCase { dest: %s, sources: %s, sparse_max: %d, result: %s, count: %d },' % (dest_lit, srcs_lit, m, blob(res, False), cnt))
r.cmd('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000')
out.append("/// PFMERGE vectors: `dest`/`sources` name ADD_CASES entries (`gen:n`, default sparse_max) or missing keys.")
out.append("pub(crate) const MERGE_CASES: &[MergeCase] = &[\n" + "\n".join(mrows) + "\n];")

# multi-key PFCOUNT
crows = []
for keys in [["nums:10", "nums:100", "mixed:500"], ["nums:1000", "nums:10000", None], ["binary:2000", "nums:100000"], [None, None]]:
    args = [k + ":3000" if k else "missing" for k in keys]
    cnt = r.cmd('PFCOUNT', *args)
    crows.append('    (&[%s], %d),' % (", ".join('Some("%s")' % k if k else "None" for k in keys), cnt))
out.append("/// Multi-key PFCOUNT vectors.")
out.append("pub(crate) const UNION_COUNTS: &[(&[Option<&str>], u64)] = &[\n" + "\n".join(crows) + "\n];")

# raw values: SET then PFCOUNT (single) reply; i64 or error
H = b'HYLL\x01' + b'\0'*10 + b'\x80'
D = b'HYLL\x00' + b'\0'*10 + b'\x80'
def pack(regs):
    acc = 0; n = 0; o = bytearray()
    for x in regs:
        acc |= x << n; n += 6
        while n >= 8: o.append(acc & 255); acc >>= 8; n -= 8
    return bytes(o)
MASK=(1<<64)-1
def lcg(seed):
    x=seed
    while True:
        x=(x*6364136223846793005+1442695040888963407)&MASK
        yield x>>56
def body(kind, arg):
    if kind=="DenseAll": return pack([arg]*16384)
    if kind=="DenseBytes":
        g=lcg(arg); return bytes(next(g) for _ in range(12288))
    if kind=="DenseLow":
        g=lcg(arg); return pack([min(1+next(g)%29, 1+next(g)%29) for _ in range(16384)])
    if kind=="DenseHalf":
        g=lcg(arg); return pack([0 if i%2 else 1+next(g)%19 for i in range(16384)])
    if kind=="Repeat":
        b,n=arg; return bytes([b])*n
raws = [
    ("sparse short total", H, None, b'\x7f\xfe'),
    ("sparse long total", H, None, b'\x7f\xff\x00'),
    ("sparse truncated xzero", H, None, b'\x7f'),
    ("sparse truncated xzero balanced", H, None, b'\x3f\x3f\x3f\x3e\x7f'),
    ("sparse val overflow", H, None, b'\x7f\xfc\xff\xff'),
    ("sparse empty body", H, None, b''),
    ("sparse only header valid cache", b'HYLL\x01' + b'\0'*11, None, b''),
    ("sparse all vals", H, ("Repeat", (0x80 | (31 << 2) | 3, 4096)), None),
    ("sparse vals then zeros", H, None, bytes([0x80|(4<<2)|3, 0x80|(4<<2)|2, 0x05, 0x7f, 0xf5])),
    ("wrong magic", b'HYLX\x01' + b'\0'*11, None, b'\x7f\xff'),
    ("bad encoding", b'HYLL\x02' + b'\0'*11, None, b'\x7f\xff'),
    ("short", b'HYLL\x01' + b'\0'*10, None, b''),
    ("dense short", D, ("Repeat", (0, 12287)), None),
    ("dense long", D, ("Repeat", (0, 12289)), None),
    ("dense all 63", D, ("DenseAll", 63), None),
    ("dense all 50", D, ("DenseAll", 50), None),
    ("dense all 1", D, ("DenseAll", 1), None),
    ("dense all 32", D, ("DenseAll", 32), None),
    ("dense random", D, ("DenseBytes", 7), None),
    ("dense random low", D, ("DenseLow", 8), None),
    ("dense half empty", D, ("DenseHalf", 9), None),
    ("dense cached 12345", b'HYLL\x00' + b'\0'*3 + struct.pack('<Q', 12345), ("DenseAll", 63), None),
]
rrows = []
for name, hdr_, gen_, tail in raws:
    v = hdr_ + (tail if tail is not None else body(*gen_))
    r.cmd('SET', 'raw', v)
    c = r.cmd('PFCOUNT', 'raw')
    got = r.cmd('GET', 'raw')
    a = r.cmd('PFADD', 'raw', 'hello')
    after_add = r.cmd('GET', 'raw')
    def res(x): return ('Err("%s")' % x) if isinstance(x, Exception) else ('Ok(%d)' % x)
    if gen_ is None: b = "Body::Hex(%s)" % lit(tail)
    elif gen_[0] == "Repeat": b = "Body::Repeat(0x%02x, %d)" % gen_[1]
    else: b = "Body::%s(%d)" % gen_
    rrows.append('    RawCase { name: "%s", header: %s, body: %s, pfcount: %s, header_after: %s, pfadd: %s, after_add: %s },'
                 % (name, lit(hdr_), b, res(c), lit(got[:16]), res(a), blob(after_add, False) if not isinstance(a, Exception) else 'Blob::Hex("")'))
out.append("/// SET raw value; PFCOUNT reply (as i64); GET header after; PFADD hello reply; GET after that.")
out.append("pub(crate) const RAW_CASES: &[RawCase] = &[\n" + "\n".join(rrows) + "\n];")

hdr = """//! Test vectors generated with redis-server 7.0.15 (by a throwaway script
//! speaking RESP; not part of the crate). Big values are stored as
//! `Blob::Fnv(length, FNV-1a 64 of the bytes)`.

use crate::tests::{AddCase, Blob, Body, MergeCase, MutatedCase, RandCase, RawCase};

"""
open(OUT, "w").write(hdr + "\n\n".join(out) + "\n")

# Randomized PFADD / PFMERGE sequences (elements from an LCG, reproducible in Rust).
def rand_elements(seed, n):
    g = lcg(seed); els = []
    for _ in range(n):
        ln = next(g) % 25
        els.append(bytes(next(g) for _ in range(ln)))
    return els
seedg = lcg(12345)
rrows = []
for case in range(48):
    seed = 1000 + case
    n = [1, 3, 20, 150, 600, 1500, 4000][case % 7] + next(seedg)
    m = [3000, 50, 300, 1000, 6000, 30000][case % 6]
    r.cmd('CONFIG', 'SET', 'hll-sparse-max-bytes', str(m))
    key = "rand%d" % case
    els = rand_elements(seed, n)
    # one element per PFADD for the first 100, then batches of 37
    for e in els[:100]: r.cmd('PFADD', key, e)
    for i in range(100, len(els), 37): r.cmd('PFADD', key, *els[i:i+37])
    v = r.cmd('GET', key); c = r.cmd('PFCOUNT', key)
    # merge with the previous random key into a fresh key and into itself
    if case > 0:
        mk = "rmerge%d" % case
        assert r.cmd('PFMERGE', mk, key, "rand%d" % (case - 1)) == 'OK'
        mv = r.cmd('GET', mk); mc = r.cmd('PFCOUNT', mk)
        assert r.cmd('PFMERGE', "rand%d" % (case - 1), key) == 'OK'
        dv = r.cmd('GET', "rand%d" % (case - 1)); dc = r.cmd('PFCOUNT', "rand%d" % (case - 1))
        mtxt = "Some((%s, %d, %s, %d))" % (blob(mv, False, 300), mc, blob(dv, False, 300), dc)
    else:
        mtxt = "None"
    rrows.append('    RandCase { seed: %d, n: %d, sparse_max: %d, value: %s, count: %d, merges: %s },' % (seed, n, m, blob(v, False, 300), c, mtxt))
r.cmd('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000')
open(OUT, "a").write(
"\n/// Random element sequences: `value`/`count` = GET/PFCOUNT after the PFADDs\n"
"/// (with sparse_max); `merges` = (PFMERGE fresh this previous, PFCOUNT it,\n"
"/// PFMERGE previous this, PFCOUNT previous), all at the same sparse_max.\n"
"pub(crate) const RAND_CASES: &[RandCase] = &[\n" + "\n".join(rrows) + "\n];\n")
import re as _re
_t = open(OUT).read()
_t = _re.sub(r"(\n///[^\n]*)\n\n(pub\(crate\))", r"\1\n\2", _t)
open(OUT, "w").write(_t)

# Elements whose register value exceeds 32 (found by brute force): force dense.
big = [bytes([95,163,143,188,3,0,0,0]), bytes([186,9,157,186,0,0,0,0]), bytes([14,55,92,194,1,0,0,0])]
r.cmd('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000')
brows = []
for i, (base, elems) in enumerate([(None, [big[0]]), ("nums:100", [big[1]]), ("nums:10", [b"a", big[2], b"b"])]):
    k = "big%d" % i
    if base: r.cmd('SET', k, r.cmd('GET', base + ":3000"))
    r.cmd('PFADD', k, *elems)
    v = r.cmd('GET', k); c = r.cmd('PFCOUNT', k)
    brows.append('    (%s, &[%s], %s, %d),' % ('Some("%s")' % base if base else "None", ", ".join(lit(e) for e in elems), blob(v, False, 300), c))
assert r.cmd('PFMERGE', 'bigm', 'big0', 'nums:100:3000') == 'OK'
mv = r.cmd('GET', 'bigm'); mc = r.cmd('PFCOUNT', 'bigm')
open(OUT, "a").write(
"\n/// PFADD of elements with register values > 32 into a missing key or a copy of an\n"
"/// ADD_CASES value (after its PFCOUNT): (base, elements hex, GET, PFCOUNT).\n"
"pub(crate) const BIG_VALUE_CASES: &[(Option<&str>, &[&str], Blob, u64)] = &[\n" + "\n".join(brows) + "\n];\n"
"/// PFMERGE bigm big0 nums:100: (GET, PFCOUNT).\n"
"pub(crate) const BIG_MERGE: (Blob, u64) = (%s, %d);\n" % (blob(mv, False, 300), mc))

# Mutated sparse values: corruption handling must match too.
base = r.cmd('GET', 'nums:100:3000')
mrows = []
for seed in range(500, 560):
    g = lcg(seed); v = bytearray(base)
    for _ in range(1 + next(g) % 3):
        pos = 16 + next(g) % (len(v) - 16); v[pos] = next(g)
    if seed % 4 == 0:
        del v[16 + next(g) % (len(v) - 16):]
    v[15] |= 0x80
    r.cmd('SET', 'mut', bytes(v))
    c1 = r.cmd('PFCOUNT', 'mut')
    a = r.cmd('PFADD', 'mut', *nums(30))
    after = r.cmd('GET', 'mut')
    c2 = r.cmd('PFCOUNT', 'mut')
    def res(x): return ('Err("%s")' % x) if isinstance(x, Exception) else ('Ok(%d)' % x)
    mrows.append('    (%d, %s, %s, %s, %s),' % (seed, res(c1), res(a), blob(after, False, 0), res(c2)))
open(OUT, "a").write(
"/// Mutations of nums:100 (seed): PFCOUNT; PFADD nums(30); GET (Redis keeps partial\n"
"/// updates even when PFADD fails); PFCOUNT.\n"
"pub(crate) const MUTATED: &[MutatedCase] = &[\n" + "\n".join(mrows) + "\n];\n")
