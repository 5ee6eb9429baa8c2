#!/usr/bin/env python3
"""Fuzz tools/unum's ELF reader (tools/pyunum/elf.py: classify_file, which
reads the ELF header, program headers, notes, PT_INTERP and PT_DYNAMIC)
with a seeded random mutator of ours (atheris is not in Debian). Each run
takes a seed file and applies 1-4 mutations: bit flips, random bytes,
ELF header and program header fields set to boundary values (0, 1, -1,
the file size and around it, page and 4 GiB edges, the app's top...),
a cut of the file. The reader must answer "kernel", "app" or "image", or
refuse with its documented refusal, RunError with status 126 or 127 and a
reason; anything else (another exception, an empty reason) is a finding:
the input goes into the crashes folder and the status is 1.
Usage: pyunum_elf.py --crashes DIR --corpus DIR (--runs N --seed S | --time S) INPUTDIR...
(tests/fuzz/run calls it; the corpus folder is not written: no coverage
feedback here)"""

import os
import random
import struct
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.dont_write_bytecode = True
from pyunum import common, elf  # noqa: E402

# (offset, size) of the ELF64 header's fields after the magic, and of a
# program header's
EHDR = [(4, 1), (5, 1), (6, 1), (7, 1), (16, 2), (18, 2), (20, 4), (24, 8), (32, 8),
        (40, 8), (48, 4), (52, 2), (54, 2), (56, 2), (58, 2), (60, 2), (62, 2)]
PHDR = [(0, 4), (4, 4), (8, 8), (16, 8), (24, 8), (32, 8), (40, 8), (48, 8)]
# segment types worth setting p_type to: LOAD, DYNAMIC, INTERP, NOTE, PHDR
PTYPES = [1, 2, 3, 4, 6, 0x6474e551]


def boundary(rng, size, old, width):
    m = (1 << (8 * width)) - 1
    v = rng.choice([0, 1, 2, 7, 8, 56, 64, 0xfff, 0x1000, size, size - 1, size + 1,
                    size - 56, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff,
                    1 << 32, 0x7ffffffff000, 1 << 47, (1 << 63) - 1, 1 << 63, m,
                    m - 55, old + 1, old - 1, old ^ 1, old * 2, rng.getrandbits(64)])
    return v & m


def mutate(rng, data):
    """-> a list of (offset, bytes) patches and the new length (or None)"""
    size = len(data)
    patches, cut = [], None
    for _ in range(rng.randint(1, 4)):
        k = rng.random()
        if size < 64 or k < 0.15:  # a bit flip anywhere
            off = rng.randrange(size) if size else 0
            if size:
                patches.append((off, bytes([data[off] ^ (1 << rng.randrange(8))])))
            continue
        if k < 0.25:  # random bytes in the headers' page
            off = rng.randrange(min(size, 4096))
            patches.append((off, bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 8)))))
            continue
        if k < 0.30:
            cut = rng.randrange(size)
            continue
        phoff, = struct.unpack_from("<Q", data, 32)
        phnum, = struct.unpack_from("<H", data, 56)
        if k < 0.55 or not phnum or phoff + 56 > size:
            off, width = rng.choice(EHDR)
        else:
            base = phoff + 56 * rng.randrange(phnum)
            off, width = rng.choice(PHDR)
            off += base
            if off + width > size:
                continue
            if off == base and rng.random() < 0.5:
                patches.append((off, struct.pack("<I", rng.choice(PTYPES))))
                continue
        old = int.from_bytes(data[off:off + width], "little")
        patches.append((off, boundary(rng, size, old, width).to_bytes(width, "little")))
    return patches, cut


def check(path):
    """None when the reader behaved, else the finding's text"""
    try:
        kind = elf.classify_file(path)
    except common.RunError as e:
        msg, status = str(e), e.status
        if status not in (common.EXIT_NOEXEC, common.EXIT_NOTFOUND):
            return f"RunError with status {status!r}: {msg}"
        reason = msg.split(": ", 1)[1] if ": " in msg else ""
        if not reason.strip() or reason.rstrip().endswith(":"):
            return f"refusal without a reason: {msg!r}"
        return None
    except Exception:
        return "exception:\n" + traceback.format_exc()
    if kind not in ("kernel", "app", "image"):
        return f"answer {kind!r}"
    return None


def main(argv):
    crashes = corpus = None
    runs = seconds = None
    seed = int(time.time())
    inputs = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--crashes", "--corpus", "--runs", "--seed", "--time"):
            v = argv[i + 1]
            if a == "--crashes":
                crashes = v
            elif a == "--corpus":
                corpus = v
            elif a == "--runs":
                runs = int(v)
            elif a == "--seed":
                seed = int(v)
            else:
                seconds = int(v)
            i += 2
            continue
        inputs.append(a)
        i += 1
    files = sorted(os.path.join(d, f) for d in inputs for f in os.listdir(d))
    if not crashes or not files or (runs is None) == (seconds is None):
        print(__doc__, file=sys.stderr)
        return 2
    del corpus  # nothing to keep: no coverage feedback
    os.makedirs(crashes, exist_ok=True)
    rng = random.Random(seed)
    seeds = []
    for f in files:
        with open(f, "rb") as fh:
            seeds.append(fh.read())
    tmp = tempfile.mkdtemp(prefix="fuzz-pyunum-elf-")
    # one working copy per seed, patched in place and restored after
    work = []
    for n, data in enumerate(seeds):
        p = os.path.join(tmp, f"w{n}")
        with open(p, "wb") as fh:
            fh.write(data)
        work.append(p)
    # the committed and seed inputs as they are first (regressions)
    for f in files:
        why = check(f)
        if why:
            print(f"pyunum_elf: {f}: {why}", file=sys.stderr)
            return 1
    deadline = time.monotonic() + seconds if seconds is not None else None
    done = 0
    try:
        while (runs is None or done < runs) and (deadline is None or time.monotonic() < deadline):
            k = rng.randrange(len(seeds))
            data, path = seeds[k], work[k]
            patches, cut = mutate(rng, data)
            fd = os.open(path, os.O_WRONLY)
            for off, b in patches:
                os.pwrite(fd, b, off)
            if cut is not None:
                os.ftruncate(fd, cut)
            why = check(path)
            if why:
                with open(path, "rb") as fh:
                    bad = fh.read()
                out = os.path.join(crashes, f"crash-seed{seed}-run{done}")
                with open(out, "wb") as fh:
                    fh.write(bad)
                print(f"pyunum_elf: run {done} (seed {seed}): {why}\ninput: {out}",
                      file=sys.stderr)
                return 1
            for off, b in patches:  # restore
                os.pwrite(fd, data[off:off + len(b)], off)
            if cut is not None:
                os.pwrite(fd, data[cut:], cut)
            os.close(fd)
            done += 1
    finally:
        for p in work:
            os.unlink(p)
        os.rmdir(tmp)
    print(f"pyunum_elf: {done} runs, seed {seed}, no finding")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
