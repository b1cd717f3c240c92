#!/usr/bin/env python3
"""Fuzzes zoo's image decoders (libjpeg-turbo, libpng, stb_image for BMP and GIF) through the real
path: `zoo predict --model-file tiny.h5 FILE ...` decodes and resizes every file.

From seed files of each format (Tests/Fixtures/images/folder) it writes --count mutated files
(seeded: bit flips, random bytes, truncation, repeated or deleted runs, and header dimensions set
to 60,000 x 60,000), runs zoo on them in chunks, and requires of every run: exit status 0 (each
bad file skipped with one `zoo: skipping FILE: ...` line), no signal, no hang (--timeout s), peak
RSS under --max-rss MiB; and, with --strict, exit status 3 naming a file. Needs tf_keras (for the
tiny model), numpy and the release build (`$ZOO` or .build/release/zoo).

  tools/fuzz_images.py --count 1200
"""
import argparse
import os
import random
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from zootools import zoo as zoo_runner  # noqa: E402

SEEDS = os.path.join(os.path.dirname(HERE), "Tests/Fixtures/images/folder")


def seed_files():
    """{format: [bytes]} of the fixture folder's images, told by their first bytes."""
    out = {"jpeg": [], "png": [], "bmp": [], "gif": []}
    for root, _, names in os.walk(SEEDS):
        for name in sorted(names):
            data = open(os.path.join(root, name), "rb").read()
            kind = ("jpeg" if data[:3] == b"\xff\xd8\xff" else "png" if data[:4] == b"\x89PNG"
                    else "gif" if data[:4] == b"GIF8" else "bmp" if data[:2] == b"BM" else None)
            if kind:
                out[kind].append(data)
    return out


def huge(kind, data):
    """`data` with its header's dimensions set to 60,000 x 60,000."""
    b = bytearray(data)
    if kind == "png" and len(b) > 24:
        b[16:24] = struct.pack(">II", 60000, 60000)
    elif kind == "bmp" and len(b) > 26:
        b[18:26] = struct.pack("<ii", 60000, 60000)
    elif kind == "gif" and len(b) > 10:
        b[6:10] = struct.pack("<HH", 60000, 60000)
    elif kind == "jpeg":
        i = b.find(b"\xff\xc0")
        i = i if i >= 0 else b.find(b"\xff\xc2")
        if i >= 0 and len(b) > i + 9:
            b[i + 5:i + 9] = struct.pack(">HH", 60000, 60000)
    return bytes(b)


def mutate(kind, data, rng):
    b = bytearray(data)
    how = rng.randrange(7)
    if how == 0:
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif how == 1:
        for _ in range(rng.randint(1, 16)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif how == 2:
        b = b[:rng.randrange(1, len(b))]
    elif how == 3:
        i = rng.randrange(len(b))
        b[i:i] = b[i:i + rng.randint(1, 64)] * rng.randint(1, 20)
    elif how == 4:
        i = rng.randrange(len(b))
        del b[i:i + rng.randint(1, 64)]
    elif how == 5:
        return huge(kind, data)
    else:  # the header region, where sizes and counts live
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(min(len(b), 64))
            b[i] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
    return bytes(b)


def tiny_model(path):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from zootools.frameworks import tf_keras as K
    inputs = K.Input((16, 16, 3), name="image")
    x = K.layers.Flatten(name="flatten")(inputs)
    x = K.layers.Dense(3, activation="softmax", name="probabilities")(x)
    K.Model(inputs, x).save(path)


def run(files, model, out, timeout, strict=False):
    args = ["predict", "--model-file", model, "--output", out] + (["--strict"] if strict else []) + files
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = zoo_runner.run(args, timeout=timeout)
    return result, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--chunk", type=int, default=200, help="files per zoo run")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--max-rss", type=float, default=1024, help="MiB")
    ap.add_argument("--keep", help="write the files here and keep them")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    seeds = seed_files()
    work = args.keep or tempfile.mkdtemp(prefix="zoo-fuzz-images-")
    os.makedirs(work, exist_ok=True)
    model = os.path.join(work, "tiny.h5")
    tiny_model(model)
    kinds = sorted(seeds)
    files = []
    for n in range(args.count):
        kind = kinds[n % len(kinds)]
        data = mutate(kind, rng.choice(seeds[kind]), rng)
        path = os.path.join(work, f"{n:05d}.{ {'jpeg': 'jpg'}.get(kind, kind)}")
        open(path, "wb").write(data)
        files.append(path)
    failures, skipped, decoded, peak = [], 0, 0, 0
    start = time.time()
    for i in range(0, len(files), args.chunk):
        chunk = files[i:i + args.chunk]
        result, rss, _ = run(chunk, model, os.path.join(work, "out.h5"), args.timeout)
        peak = max(peak, rss / 1024)
        if result.returncode is None:
            failures.append(f"files {i}..{i + len(chunk) - 1}: hung past {args.timeout} s")
        elif result.returncode != 0:
            bad = [line for line in result.stderr.splitlines() if not line.startswith("zoo: skipping")]
            failures.append(f"files {i}..{i + len(chunk) - 1}: exit {result.returncode}: {bad[-3:]}")
        else:
            lines = result.stderr.splitlines()
            skipped += sum(line.startswith("zoo: skipping ") for line in lines)
            decoded += len(chunk) - sum(line.startswith("zoo: skipping ") for line in lines)
    # --strict: the first bad file of a chunk is an error naming it (exit 3); a chunk with none
    # decodes cleanly.
    result, _, _ = run(files[:args.chunk], model, os.path.join(work, "out.h5"), args.timeout, strict=True)
    lines = result.stderr.splitlines()
    if not (result.returncode == 3 and len(lines) == 1 and lines[0].startswith("zoo: error: ") and work in lines[0]):
        failures.append(f"--strict: exit {result.returncode}, stderr {lines[-3:]}")
    if peak > args.max_rss:
        failures.append(f"peak RSS {peak:.0f} MiB over {args.max_rss:.0f}")
    print(f"{len(files)} mutated files ({', '.join(kinds)}): {decoded} decoded, {skipped} skipped with a warning, "
          f"{len(failures)} failures; peak RSS {peak:.0f} MiB; {time.time() - start:.1f} s")
    for f in failures:
        print("FAIL", f)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
