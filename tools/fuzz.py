#!/usr/bin/env python3
"""Seeded mutation fuzzing of every file zoo reads (README: "Untrusted files").

    tools/fuzz.py --runs N --seed S [--kinds weights,model,...] [--timeout 10] [--zoo PATH]

For each kind, N mutated copies of a committed fixture are fed to the matching `zoo` command,
each under RLIMIT_AS (6 GiB) and a timeout. A run fails if zoo dies from a signal, times out,
exits with a status other than 0/1/3/4/64, prints anything on stderr beyond one error line (plus
zoo's own notices and progress bars), or leaves a file under its output name, or a temporary
file or directory, behind when it fails. Ends with a summary and `N passed, N failed`; the first
failing inputs of each kind and class are saved (with the command) for reproduction.

Kinds: weights (legacy tf-keras save_weights .h5), keras1 (flat Keras 1 .h5), model (full-model
.h5), keras3 (.weights.h5), archive (.keras zip), config (model_config JSON), idxgz (gzipped MNIST
directory), idx (raw IDX directory), npz (Keras mnist.npz), cache (a feature-cache entry, read by
`features` and `finetune`), checkpoint (a `--checkpoint-dir` checkpoint, read by `--resume`).
Needs h5py and numpy.
Every input is derived from `random.Random(f"{seed}/{kind}/{index}")`, so a campaign with the
same seed, fixtures and library versions produces the same inputs.
"""
import argparse
import concurrent.futures
import gzip
import io
import json
import os
import random
import re
import shutil
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import h5py
import numpy as np

from zootools import KERAS_FIXTURES, MNIST_SAMPLE, mnist, zoo as zoo_runner

FIXTURES = Path(KERAS_FIXTURES)
SAMPLE = Path(MNIST_SAMPLE)
KINDS = ["weights", "keras1", "model", "keras3", "archive", "config", "idxgz", "idx", "npz", "cache", "checkpoint"]
ALLOWED_STATUS = {0, 1, 3, 4, 64}
ADDRESS_SPACE = 6 << 30
BIG_INTS = [0, 1, 2**16, 2**31 - 1, 2**31, 2**32 + 1, 10**9, 2**40, 2**62, 2**63 - 1, 2**64 - 1]
# Lines zoo may print on stderr besides its one error line: notices and progress bars.
NOISE = re.compile(r"^zoo: (?!error: )|\[[=>. ]*\] +\d+%")


# ---------------------------------------------------------------- byte-level mutations

def mutate_bytes(rng, data, hot=None):
    """1-4 of: bit flips, byte runs, interesting integers, insertions, deletions, truncation.
    `hot` (a list of (start, end)) is where positions are drawn from most of the time: for HDF5
    files, everything but raw dataset values, where a flip only changes a number."""
    data = bytearray(data)
    notes = []

    def position():
        if hot and rng.random() < 0.85:
            start, end = rng.choice(hot)
            return rng.randrange(start, max(start + 1, min(end, len(data))))
        return rng.randrange(max(1, len(data)))

    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        op = rng.choice(["flip", "flip", "flip", "run", "int", "insert", "delete", "truncate"])
        p = min(position(), len(data) - 1)
        if op == "flip":
            bits = rng.randint(1, 8)
            for _ in range(bits):
                q = min(len(data) - 1, p + rng.randrange(8))
                data[q] ^= 1 << rng.randrange(8)
            notes.append(f"flip {bits} bits near {p}")
        elif op == "run":
            n = rng.randint(1, 64)
            fill = rng.choice([0x00, 0xFF, None])
            data[p:p + n] = bytes(fill if fill is not None else rng.randrange(256) for _ in range(len(data[p:p + n])))
            notes.append(f"run of {n} at {p}")
        elif op == "int":
            width = rng.choice([1, 2, 4, 8])
            value = rng.choice(BIG_INTS) % (1 << (8 * width))
            data[p:p + width] = value.to_bytes(width, "little")[: len(data[p:p + width])]
            notes.append(f"int{width * 8} {value} at {p}")
        elif op == "insert":
            n = rng.randint(1, 32)
            data[p:p] = bytes(rng.randrange(256) for _ in range(n))
            notes.append(f"insert {n} at {p}")
        elif op == "delete":
            n = rng.randint(1, 32)
            del data[p:p + n]
            notes.append(f"delete {n} at {p}")
        else:
            cut = rng.randrange(len(data))
            del data[cut:]
            notes.append(f"truncate to {cut}")
    return bytes(data), "; ".join(notes)


# ---------------------------------------------------------------- HDF5 mutations (h5py on a copy)

def datasets(f):
    out = []
    f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Dataset) else None)
    return out


def groups(f):
    out = []
    f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Group) else None)
    return out


def metadata_ranges(path):
    """Byte ranges of an HDF5 file that are not raw dataset values."""
    raw = []
    with h5py.File(path, "r") as f:
        for name in datasets(f):
            offset = f[name].id.get_offset()
            if offset is not None:
                raw.append((offset, offset + f[name].id.get_storage_size()))
    size = os.path.getsize(path)
    out, start = [], 0
    for a, b in sorted(raw):
        if a > start:
            out.append((start, a))
        start = max(start, b)
    if start < size:
        out.append((start, size))
    return out or [(0, size)]


def patch_dims(rng, path):
    """Shape bomb in place: finds a dataset's dimensions in its dataspace message and inflates one."""
    with h5py.File(path, "r") as f:
        shapes = [f[n].shape for n in datasets(f) if f[n].shape]
    data = bytearray(Path(path).read_bytes())
    rng.shuffle(shapes)
    for shape in shapes:
        needle = struct.pack(f"<{len(shape)}Q", *shape)
        at = data.find(needle)
        if at >= 0:
            axis = rng.randrange(len(shape))
            value = rng.choice(BIG_INTS[2:])
            data[at + 8 * axis:at + 8 * axis + 8] = struct.pack("<Q", value)
            Path(path).write_bytes(bytes(data))
            return f"dataspace {shape} axis {axis} -> {value}"
    return "no dataspace found"


def h5_structure(rng, path, work):
    """One structural change through h5py: shape bombs, wrong dtypes, huge or retyped attributes,
    deep nesting, soft/external/cyclic links, external and virtual storage."""
    op = rng.choice(["patch_dims", "patch_dims", "bomb_chunked", "bomb_contiguous", "dtype", "dtype", "huge_attr",
                     "names_attr", "deep", "soft", "soft_loop", "external", "external_fifo", "cycle",
                     "dangling", "external_storage", "virtual", "delete"])
    if op == "patch_dims":
        return patch_dims(rng, path)
    # v110 keeps the file readable by libhdf5 1.10 while allowing attributes over 64 KB and
    # virtual datasets.
    with h5py.File(path, "r+", libver=("earliest", "v110")) as f:
        names, gnames = datasets(f), groups(f)
        target = rng.choice(names) if names else None
        if op in ("bomb_chunked", "bomb_contiguous", "dtype", "external_storage", "virtual", "delete") and target:
            shape, dtype = f[target].shape, f[target].dtype
            del f[target]
            if op == "bomb_chunked":
                big = tuple(rng.choice([10**6, 2**31, 2**40]) for _ in shape) or (2**40,)
                f.create_dataset(target, shape=big, dtype="f4", chunks=tuple(1 for _ in big),
                                 compression=rng.choice([None, "gzip"]))
                return f"{target}: chunked, unwritten, shape {big}"
            if op == "bomb_contiguous":
                big = tuple(d * rng.choice([1, 1000, 10**6]) for d in shape) or (10**9,)
                space = h5py.h5s.create_simple(big)
                dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
                dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_LATE)
                h5py.h5d.create(f.id, target.encode(), h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
                return f"{target}: contiguous, unallocated, shape {big}"
            if op == "dtype":
                choice = rng.choice(["i1", "f8", "f2", "u8", "?", "S7", "string", "compound", "scalar", "empty"])
                if choice == "string":
                    f.create_dataset(target, data=np.array(["x"] * max(1, int(np.prod(shape))), dtype=h5py.string_dtype()))
                elif choice == "compound":
                    f.create_dataset(target, shape=shape, dtype=np.dtype([("a", "f4"), ("b", "i4")]))
                elif choice == "scalar":
                    f.create_dataset(target, data=np.float32(1))
                elif choice == "empty":
                    f.create_dataset(target, data=h5py.Empty("f4"))
                else:
                    f.create_dataset(target, data=np.ones(shape, dtype=choice))
                return f"{target}: rewritten as {choice}"
            if op == "external_storage":
                raw = work / "raw.bin"
                raw.write_bytes(b"\0" * 64)
                f.create_dataset(target, shape=shape, dtype=dtype, external=[(str(raw), 0, h5py.h5f.UNLIMITED)])
                return f"{target}: external raw storage"
            if op == "virtual":
                layout = h5py.VirtualLayout(shape=shape, dtype=dtype)
                layout[...] = h5py.VirtualSource(str(work / "elsewhere.h5"), "x", shape=shape)
                f.create_virtual_dataset(target, layout)
                return f"{target}: virtual dataset"
            return f"deleted {target}"
        if op == "huge_attr":
            holder = f[rng.choice(gnames)] if gnames and rng.random() < 0.5 else f
            name = rng.choice(["layer_names", "weight_names", "keras_version", "model_config", "backend", "name"])
            size = rng.choice([70_000, 1 << 20, 70 << 20])
            if rng.random() < 0.5:
                holder.attrs[name] = np.frombuffer(b"x" * size, dtype=f"S{size}")[0]
            else:
                holder.attrs[name] = np.zeros(size // 8)
            return f"{holder.name}@{name}: {size} bytes"
        if op == "names_attr":
            holder = f[rng.choice(gnames)] if gnames and rng.random() < 0.5 else f
            name = rng.choice(["layer_names", "weight_names", "layer_names0"])
            value = rng.choice([
                np.array([b"/"], dtype="S1"), np.array([b""], dtype="S1"), np.arange(5), np.float64(2.5),
                np.array([b"..", b"."], dtype="S2"), np.array([b"a" * 1000] * 10, dtype="S1000"),
                np.array([b"x"] * 200_000, dtype="S1"), h5py.Empty("f8"),
                np.array([b"missing/kernel:0", b"also/missing"], dtype="S32"),
            ])
            holder.attrs[name] = value
            return f"{holder.name}@{name} = {type(value).__name__} {getattr(value, 'shape', '')}"
        if op == "deep":
            top = "layers" if "layers" in f else (rng.choice(gnames) if gnames else "g")
            path_ = top + "".join(f"/n{i}/layers" for i in range(rng.choice([40, 200])))
            f.create_group(path_)
            return f"nested {path_.count('/')} deep under {top}"
        if op == "soft":
            victim = rng.choice(gnames + names) if gnames + names else "x"
            del f[victim]
            f[victim] = h5py.SoftLink("/" + rng.choice(gnames + names + ["nowhere"]))
            return f"{victim} -> soft link"
        if op == "soft_loop":
            victim = rng.choice(gnames + names) if gnames + names else "x"
            del f[victim]
            f[victim] = h5py.SoftLink("/" + victim)
            return f"{victim} -> soft link to itself"
        if op in ("external", "external_fifo"):
            victim = rng.choice(gnames + names) if gnames + names else "x"
            del f[victim]
            if op == "external_fifo":
                fifo = work / "fifo.h5"
                os.mkfifo(fifo)
                f[victim] = h5py.ExternalLink(str(fifo), "/")
            else:
                f[victim] = h5py.ExternalLink(rng.choice([str(work / "other.h5"), "/etc/passwd", str(path)]), "/" + victim)
            return f"{victim} -> external link ({op})"
        if op == "cycle":
            victim = rng.choice(gnames) if gnames else None
            if victim is None:
                return "no group"
            f[victim + "/layers"] = f[victim] if rng.random() < 0.5 else f["/"]
            if "layers" in f and rng.random() < 0.5:
                f["layers/loop"] = f["layers"]
            return f"{victim}/layers hard-linked to a parent"
        if op == "dangling":
            victim = rng.choice(gnames + names) if gnames + names else "x"
            del f[victim]
            return f"deleted {victim} (still listed)"
    return op


def mutate_h5(rng, seed, work, hot):
    out = work / ("in.weights.h5" if seed.name.endswith(".weights.h5") else "in.h5")
    shutil.copy(seed, out)
    notes = []
    if rng.random() < 0.45:
        try:
            notes.append(h5_structure(rng, out, work))
        except Exception as e:  # h5py may refuse a change on some layouts: mutate bytes instead
            shutil.copy(seed, out)
            notes.append(f"(h5py: {type(e).__name__})")
    if not notes or rng.random() < 0.3 or notes[-1].startswith("(h5py"):
        data, note = mutate_bytes(rng, out.read_bytes(), hot)
        out.write_bytes(data)
        notes.append(note)
    return out, "; ".join(notes)


# ---------------------------------------------------------------- zip and JSON mutations

def zip_bytes(entries, compress=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def lie_about_sizes(rng, data):
    """Rewrites the compressed and/or uncompressed size of an entry, in its local header and/or
    the central directory."""
    data = bytearray(data)
    infos = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()
    info = rng.choice(infos)
    value = rng.choice([0, 1, 100, info.file_size - 1, info.file_size + 1, 2**31, 2**32 - 1])
    field = rng.choice(["usize", "csize"])
    where = rng.choice(["local", "central", "both"])
    if where in ("local", "both"):
        at = info.header_offset + (22 if field == "usize" else 18)
        data[at:at + 4] = struct.pack("<I", value)
    if where in ("central", "both"):
        central = data.find(b"PK\x01\x02")
        while central >= 0:
            offset = struct.unpack_from("<I", data, central + 42)[0]
            if offset == info.header_offset:
                at = central + (24 if field == "usize" else 20)
                data[at:at + 4] = struct.pack("<I", value)
                break
            central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data), f"{info.filename}: {where} {field} = {value}"


def bomb_entry(name, bomb, claimed):
    """A zip whose entry `name` is the deflate stream `bomb` but claims `claimed` bytes."""
    raw, crc, size = bomb
    buf = io.BytesIO()
    header = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(raw), claimed, len(name), 0)
    buf.write(header + name.encode() + raw)
    central_at = buf.tell()
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(raw), claimed,
                          len(name), 0, 0, 0, 0, 0, 0)
    buf.write(central + name.encode())
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(name), central_at, 0)
    buf.write(end)
    return buf.getvalue()


def json_leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from json_leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from json_leaves(v, path + (i,))
    yield path, node


def set_at(root, path, value):
    if not path:
        return value
    node = root
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return root


def mutate_json(rng, text):
    """Structural JSON mutations (numbers, strings, types, deletions, nesting, size) or byte-level."""
    if rng.random() < 0.25:
        data, note = mutate_bytes(rng, text.encode())
        return data.decode("utf-8", "replace"), note
    root = json.loads(text)
    notes = []
    for _ in range(rng.randint(1, 3)):
        leaves = list(json_leaves(root))
        path, value = rng.choice(leaves)
        op = rng.choice(["number", "number", "string", "type", "delete", "nest", "lambda", "huge", "layers"])
        if op == "number":
            ints = [(p, v) for p, v in leaves if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if ints:
                path, value = rng.choice(ints)
                new = rng.choice([0, -1, -(2**31), 2**31, 2**63 - 1, 10**30, 1e308, float("nan"), 0.5,
                                  value * 1000 if isinstance(value, int) else value, value * 100000, value + 1])
                root = set_at(root, path, new)
                notes.append(f"{'/'.join(map(str, path))}: {value} -> {new}")
        elif op == "string":
            strs = [(p, v) for p, v in leaves if isinstance(v, str)]
            if strs:
                path, value = rng.choice(strs)
                new = rng.choice(["", "x", "channels_first", "same", "causal", "selu", "\u0000", "é" * 3, "Dense",
                                  "Conv2D", "InputLayer", "Sequential", "Functional", value + "_1"])
                root = set_at(root, path, new)
                notes.append(f"{'/'.join(map(str, path))}: {value!r} -> {new!r}")
        elif op == "type":
            new = rng.choice([None, True, [], {}, "1", [1, 2], {"a": 1}, 3])
            root = set_at(root, path, new)
            notes.append(f"{'/'.join(map(str, path))} -> {new!r}")
        elif op == "delete" and path:
            parent = root
            for k in path[:-1]:
                parent = parent[k]
            del parent[path[-1]]
            notes.append(f"deleted {'/'.join(map(str, path))}")
        elif op == "nest":
            depth = rng.choice([50, 99, 101, 1000, 100_000])
            text_value = "[" * depth + json.dumps(value) + "]" * depth
            marker = "__NEST_MARKER__"
            root = set_at(root, path, marker)
            # Nesting this deep cannot go through json.dumps (recursion), so splice the text.
            return json.dumps(root).replace(json.dumps(marker), text_value, 1), "; ".join(notes + [f"nest {depth} at {path}"])
        elif op == "lambda":
            classes = [(p, v) for p, v in leaves if p and p[-1] == "class_name"]
            if classes:
                path, value = rng.choice(classes)
                new = rng.choice(["Lambda", "TFOpLambda", "MyCustomLayer", "Custom>Thing", "__keras_tensor__"])
                root = set_at(root, path, new)
                notes.append(f"{'/'.join(map(str, path))}: {value} -> {new}")
        elif op == "huge":
            size = rng.choice([1 << 20, 65 << 20])
            root = set_at(root, path, "x" * size)
            notes.append(f"{'/'.join(map(str, path))}: {size}-byte string")
        elif op == "layers":
            layers = root.get("config", {}).get("layers") if isinstance(root, dict) and isinstance(root.get("config"), dict) else None
            if isinstance(layers, list) and layers:
                how = rng.choice(["duplicate", "shuffle", "drop", "many"])
                if how == "duplicate":
                    layers.insert(rng.randrange(len(layers)), json.loads(json.dumps(rng.choice(layers))))
                elif how == "shuffle":
                    rng.shuffle(layers)
                elif how == "drop":
                    del layers[rng.randrange(len(layers))]
                else:
                    layers.extend(json.loads(json.dumps(layers[-1])) for _ in range(2000))
                notes.append(f"layers: {how}")
    return json.dumps(root), "; ".join(notes) or "no change"


# ---------------------------------------------------------------- MNIST data

def sample_subset(counts):
    """{uncompressed IDX file name: its bytes} of the first counts[split] digits of each split
    of the built-in sample."""
    out = {}
    for split, count in counts.items():
        for kind in ("images", "labels"):
            path = mnist.idx_file(SAMPLE, split, kind)
            out[os.path.basename(path).removesuffix(".gz")] = mnist.idx_bytes(mnist.read_idx(path)[:count])
    return out


def mutate_idx(rng, raw):
    rank = raw[3] if len(raw) > 3 else 0
    op = rng.choice(["dims", "dims", "rank", "type", "bytes", "bytes"])
    data = bytearray(raw)
    if op == "dims" and rank:
        axis = rng.randrange(rank)
        value = rng.choice([0, 1, 2, 27, 29, 10**5, 10**9, 2**31 - 1, 2**32 - 1])
        data[4 + 4 * axis:8 + 4 * axis] = struct.pack(">I", value)
        return bytes(data), f"dim {axis} = {value}"
    if op == "rank":
        data[3] = rng.choice([0, 1, 2, 3, 4, 5, 255])
        return bytes(data), f"rank byte = {data[3]}"
    if op == "type":
        data[2] = rng.choice([0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0xFF])
        return bytes(data), f"type byte = {data[2]:#x}"
    return mutate_bytes(rng, bytes(data), [(0, 64)])


def npy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def mutate_npy(rng, data):
    header_end = data.index(b"\n") + 1
    header = data[:header_end].decode("latin1")
    op = rng.choice(["shape", "descr", "fortran", "length", "bytes"])
    if op == "shape":
        new = rng.choice(["(1000000000, 28, 28)", "(-1, 28, 28)", "(2147483648,)", "(1, 1, 1, 1, 1)", "()",
                          "(0, 28, 28)", "(100, 0, 0)", "(3, 28, 28)", "(100, 1, 100000)"])
        header = re.sub(r"\(.*?\)", new, header, count=1)
    elif op == "descr":
        header = re.sub(r"'descr': '[^']*'", "'descr': '" + rng.choice(["<f8", "|b1", "<u2", ">u1", "|O", "|u1"]) + "'", header)
    elif op == "fortran":
        header = header.replace("False", "True")
    elif op == "length":
        out = bytearray(data)
        out[8:10] = struct.pack("<H", rng.choice([0, 1, 0xFFFF, len(header) + 100]))
        return bytes(out), "header length"
    else:
        return mutate_bytes(rng, data, [(0, header_end)])
    body = header[10:].rstrip("\n")
    pad = (64 - (10 + len(body) + 1) % 64) % 64
    full = body + " " * pad + "\n"
    return data[:8] + struct.pack("<H", len(full)) + full.encode("latin1") + data[header_end:], f"npy {op}: {body.strip()}"


# ---------------------------------------------------------------- campaign

class Campaign:
    def __init__(self, zoo, work, timeout):
        self.zoo, self.work, self.timeout = zoo, work, timeout
        seeds = work / "seeds"
        seeds.mkdir(parents=True)
        self.seeds = seeds
        # A model zoo can run on MNIST digits (28x28x1), so mutated configs and data reach the
        # forward pass, not just the loader.
        cnn = seeds / "cnn.h5"
        zoo_runner.run(["train", "--model", "cnn", "--epochs", "1", "--limit", "200", "--output", cnn],
                       zoo=zoo, check=True)
        self.cnn = cnn
        self.h5 = {
            "weights": [FIXTURES / "tiny_vgg.tfkeras.weights.h5", FIXTURES / "tiny_vgg.keras2nested.h5"],
            "keras1": [FIXTURES / "tiny_vgg.keras1.h5"],
            "model": [FIXTURES / "tiny_vgg.tfkeras.model.h5", FIXTURES / "tiny_vgg.k3.model.h5", cnn],
            "keras3": [FIXTURES / "tiny_vgg.k3.weights.h5", FIXTURES / "tiny_vgg.tfkeras_v3.weights.h5"],
        }
        self.hot = {p: metadata_ranges(p) for seeds_ in self.h5.values() for p in seeds_}
        self.archive = FIXTURES / "tiny_vgg.k3.keras"
        with zipfile.ZipFile(self.archive) as z:
            self.archive_entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
        self.hot[self.archive] = metadata_ranges(self.extract_weights())
        # MNIST: 300 training and 100 test digits of the built-in sample, as IDX and as npz.
        self.idx = sample_subset({"train": 300, "test": 100})
        arrays = {}
        for split, prefix in (("train", "train"), ("test", "t10k")):
            x = np.frombuffer(self.idx[f"{prefix}-images-idx3-ubyte"][16:], dtype=np.uint8).reshape(-1, 28, 28)
            y = np.frombuffer(self.idx[f"{prefix}-labels-idx1-ubyte"][8:], dtype=np.uint8)
            arrays[f"x_{split}"], arrays[f"y_{split}"] = x, y
        self.npz = {f"{k}.npy": npy_bytes(v) for k, v in arrays.items()}
        # A deflate stream of 2 GiB of zeros (2 MB), for zip and gzip bombs; made once.
        compressor, crc = zlib.compressobj(9, zlib.DEFLATED, -15), 0
        chunk, parts = bytes(64 << 20), []
        for _ in range(32):
            parts.append(compressor.compress(chunk))
            crc = zlib.crc32(chunk, crc)
        parts.append(compressor.flush())
        self.bomb = (b"".join(parts), crc, 32 * len(chunk))
        # A feature cache with both splits of 8 digits (an untrained VGG16), and a checkpoint.
        self.cache = seeds / "cache"
        for split in ("train", "test"):
            zoo_runner.run(self.cache_args(self.cache, split) + ["--output", seeds / f"{split}.h5"], zoo=zoo, check=True)
        self.cache_entries = sorted(p.name for p in self.cache.iterdir() if p.name.endswith(".h5") and not p.name.startswith("."))
        self.hot.update({self.cache / n: metadata_ranges(self.cache / n) for n in self.cache_entries})
        self.checkpoint = seeds / "ck"
        zoo_runner.run(self.resume_args(self.checkpoint, 2) + ["--output", seeds / "ck.h5"], zoo=zoo, check=True)
        self.hot[self.checkpoint / "checkpoint.h5"] = metadata_ranges(self.checkpoint / "checkpoint.h5")

    @staticmethod
    def cache_args(cache, split):
        return ["features", "--model", "vgg16", "--untrained", "--limit", "8", "--split", split, "--cache-dir", cache]

    @staticmethod
    def resume_args(checkpoint, epochs):
        return ["train", "--model", "mlp", "--limit", "100", "--epochs", str(epochs), "--checkpoint-dir", checkpoint]

    def extract_weights(self):
        path = self.seeds / "archive.weights.h5"
        path.write_bytes(dict(self.archive_entries)["model.weights.h5"])
        return path

    # Each maker returns (command with {out} for the output path, description).
    def make(self, kind, rng, run):
        if kind in ("weights", "keras1", "keras3"):
            seed = rng.choice(self.h5[kind])
            path, note = mutate_h5(rng, seed, run, self.hot[seed])
            cmd = rng.choice([["inspect", path], ["load", "vgg16", "--size", "32", "--weights", path],
                              ["load", "resnet50", "--size", "32", "--by-name", "--weights", path]])
            return cmd, f"{seed.name}: {note}"
        if kind == "model":
            seed = rng.choice(self.h5[kind])
            path, note = mutate_h5(rng, seed, run, self.hot[seed])
            return self.model_command(rng, path), f"{seed.name}: {note}"
        if kind == "archive":
            return self.make_archive(rng, run)
        if kind == "config":
            return self.make_config(rng, run)
        if kind in ("idxgz", "idx"):
            return self.make_idx(rng, run, kind == "idxgz")
        if kind == "cache":
            return self.make_cache(rng, run)
        if kind == "checkpoint":
            return self.make_checkpoint(rng, run)
        return self.make_npz(rng, run)

    def make_cache(self, rng, run):
        """A damaged entry where zoo looks for it: `features` copies it out (or, when its key no
        longer matches, recomputes it), `finetune` reads both splits' features."""
        cache = run / "cache-in"
        shutil.copytree(self.cache, cache)
        victim = rng.choice(self.cache_entries)
        path, note = mutate_h5(rng, cache / victim, run, self.hot[self.cache / victim])
        shutil.move(path, cache / victim)
        split = "train" if rng.random() < 0.5 else "test"
        cmd = rng.choice([self.cache_args(cache, split) + ["--output", "{out}"],
                          ["finetune", "--model", "vgg16", "--untrained", "--limit", "8", "--cache-dir", cache,
                           "--epochs", "1", "--hidden", "8", "--output", "{out}"]])
        return cmd, f"cache entry {victim}: {note}"

    def make_checkpoint(self, rng, run):
        checkpoint = run / "ck"
        shutil.copytree(self.checkpoint, checkpoint)
        path, note = mutate_h5(rng, checkpoint / "checkpoint.h5", run, self.hot[self.checkpoint / "checkpoint.h5"])
        shutil.move(path, checkpoint / "checkpoint.h5")
        return self.resume_args(checkpoint, 3) + ["--resume", "--output", "{out}"], f"checkpoint: {note}"

    def model_command(self, rng, path):
        return rng.choice([["evaluate", "--model-file", path, "--limit", "50"],
                           ["predict", "--model-file", path, "--limit", "20", "--output", "{out}"],
                           ["summary", "--model-file", path], ["inspect", path]])

    def make_archive(self, rng, run):
        entries = list(self.archive_entries)
        op = rng.choice(["weights", "weights", "bytes", "sizes", "sizes", "bomb", "missing", "symlink", "config"])
        data, note = None, op
        if op == "weights":
            seed = self.extract_weights()
            path, note = mutate_h5(rng, seed, run, self.hot[self.archive])
            entries = [(n, path.read_bytes() if n == "model.weights.h5" else d) for n, d in entries]
        elif op == "config":
            entries = [(n, mutate_json(rng, d.decode())[0].encode() if n == "config.json" else d) for n, d in entries]
        elif op == "missing":
            victim = rng.choice([e[0] for e in entries])
            entries = [e for e in entries if e[0] != victim]
            note = f"no {victim}"
        if op == "bomb":
            name = rng.choice(["model.weights.h5", "config.json", "metadata.json"])
            # Claims below the real size: an honest 2 GiB claim is just a big file.
            data = bomb_entry(name, self.bomb, rng.choice([10, 40_000, 2**20]))
            if name != "model.weights.h5":  # keep the weights so the bomb entry is reached
                head = zip_bytes([e for e in entries if e[0] == "model.weights.h5"])
                data = merge_zips(head, data)
            note = f"deflate bomb as {name}"
        elif op == "symlink":
            buf = io.BytesIO()
            victim = rng.choice(["model.weights.h5", "config.json"])
            with zipfile.ZipFile(buf, "w") as z:
                for n, d in entries:
                    info = zipfile.ZipInfo(n)
                    if n == victim:
                        info.external_attr = (0o120777 << 16)
                        d = rng.choice([b"/etc/passwd", b"../../x", b"model.weights.h5"])
                    z.writestr(info, d)
            data = buf.getvalue()
        if data is None:
            data = zip_bytes(entries, compress=rng.random() < 0.3)
            if op == "sizes":
                data, note = lie_about_sizes(rng, data)
            elif op == "bytes":
                data, note = mutate_bytes(rng, data)
        path = run / "in.keras"
        path.write_bytes(data)
        cmd = rng.choice([["inspect", path], ["evaluate", "--model-file", path, "--limit", "50"]])
        return cmd, f"archive {op}: {note}"

    def make_config(self, rng, run):
        seed = rng.choice([self.cnn, FIXTURES / "tiny_vgg.tfkeras.model.h5", self.archive])
        if seed == self.archive:
            entries = dict(self.archive_entries)
            text, note = mutate_json(rng, entries["config.json"].decode())
            entries["config.json"] = text.encode("utf-8", "surrogatepass")
            path = run / "in.keras"
            path.write_bytes(zip_bytes(entries.items()))
        else:
            with h5py.File(seed, "r") as f:
                original = f.attrs["model_config"]
            original = original.decode() if isinstance(original, bytes) else str(original)
            text, note = mutate_json(rng, original)
            raw = text.encode("utf-8", "surrogatepass")
            path = run / "in.h5"
            shutil.copy(seed, path)
            try:
                with h5py.File(path, "r+") as f:
                    del f.attrs["model_config"]
                    # Fixed-length, as tf-keras writes it (and h5py refuses NULs in variable-length strings).
                    f.attrs["model_config"] = np.array(raw, dtype=f"S{max(1, len(raw))}")[()]
            except OSError:  # over 64 KB: the seed's root object header cannot hold it; use a .keras
                path.unlink()
                path = run / "in.keras"
                path.write_bytes(zip_bytes({**dict(self.archive_entries), "config.json": raw}.items()))
                note += " (as .keras config.json)"
        return rng.choice([["evaluate", "--model-file", path, "--limit", "50"], ["summary", "--model-file", path]]), \
            f"{seed.name}: {note[:300]}"

    def data_command(self, rng, data):
        split = rng.choice(["test", "test", "train"])
        cmd = rng.choice([
            ["evaluate", "--model-file", self.cnn, "--data", data, "--split", split, "--limit", "50"],
            ["predict", "--model-file", self.cnn, "--data", data, "--split", split, "--limit", "20", "--output", "{out}"],
            ["features", "--model", "vgg16", "--untrained", "--data", data, "--split", split, "--limit", "8",
             "--no-cache", "--output", "{out}"],
        ])
        return cmd, split

    def make_idx(self, rng, run, gz):
        data = run / "mnist"
        data.mkdir()
        cmd, split = self.data_command(rng, data)
        prefix = "train" if split == "train" else "t10k"
        victim = rng.choice([n for n in self.idx if n.startswith(prefix)])
        notes = []
        for name, raw in self.idx.items():
            if name == victim:
                raw, note = mutate_idx(rng, raw)
                notes.append(f"{name}: {note}")
            if gz:
                blob = gzip.compress(raw, mtime=0)
                if name == victim and rng.random() < 0.3:
                    what = rng.choice(["bytes", "bomb", "trailing", "truncate"])
                    if what == "bytes":
                        blob, note = mutate_bytes(rng, blob)
                    elif what == "bomb":
                        raw_bomb, crc, size = self.bomb
                        blob = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + raw_bomb + struct.pack("<2I", crc, size & 0xFFFFFFFF)
                        note = "gzip bomb (2 GiB)"
                    elif what == "trailing":
                        blob, note = blob + b"garbage", "trailing garbage"
                    else:
                        cut = rng.randrange(len(blob))
                        blob, note = blob[:cut], f"gzip truncated to {cut}"
                    notes.append(f"{name}.gz: {note}")
                (data / (name + ".gz")).write_bytes(blob)
            else:
                (data / name).write_bytes(raw)
        return cmd, "; ".join(notes)

    def make_npz(self, rng, run):
        path = run / "mnist.npz"
        cmd, split = self.data_command(rng, path)
        entries = dict(self.npz)
        op = rng.choice(["npy", "npy", "npy", "bytes", "sizes", "bomb", "missing", "extra"])
        note = op
        if op == "npy":
            victim = rng.choice([n for n in entries if n.endswith(f"_{split}.npy")])
            entries[victim], note = mutate_npy(rng, entries[victim])
            note = f"{victim}: {note}"
        elif op == "missing":
            victim = rng.choice(list(entries))
            del entries[victim]
            note = f"no {victim}"
        elif op == "extra":
            entries["x_extra.npy"] = npy_bytes(np.zeros((2, 2), dtype=np.float64))
        if op == "bomb":
            data = merge_zips(zip_bytes(e for e in entries.items() if e[0] != f"x_{split}.npy"),
                              bomb_entry(f"x_{split}.npy", self.bomb, rng.choice([100, 10**6, 2**31])))
            note = f"deflate bomb as x_{split}.npy"
        else:
            data = zip_bytes(entries.items(), compress=rng.random() < 0.5)
            if op == "sizes":
                data, note = lie_about_sizes(rng, data)
            elif op == "bytes":
                data, note = mutate_bytes(rng, data)
        path.write_bytes(data)
        return cmd, note

    def run_one(self, kind, seed, index):
        rng = random.Random(f"{seed}/{kind}/{index}")
        run = Path(tempfile.mkdtemp(prefix=f"{kind}-{index}-", dir=self.work))
        tmp = run / "tmp"
        tmp.mkdir()
        out = run / "out" / "result.h5"
        out.parent.mkdir()
        try:
            cmd, note = self.make(kind, rng, run)
        except Exception as e:  # a bug in this script, not in zoo: report it, keep going
            return dict(kind=kind, index=index, seed=seed, status="-", stderr="", problem=f"fuzz.py error {type(e).__name__}",
                        note=str(e)[:300], command=[], seconds=0, run=str(run))
        cmd = [str(c).replace("{out}", str(out)) for c in cmd]
        start = time.time()
        # zoo's own limit for its HDF5 check (scaled with the file's size: 2 s for these small
        # files) is what is tested: a libhdf5 hang must end in its one-line error, not in our timeout.
        env = {k: v for k, v in os.environ.items() if k != "ZOO_CHECK_TIMEOUT"}
        env.update(TMPDIR=str(tmp), ZOO_CACHE_DIR=str(run / "cache"), SWIFT_BACKTRACE="enable=no")
        r = zoo_runner.run(cmd, zoo=self.zoo, env=env, cwd=run, timeout=self.timeout, capture_stdout=False,
                           address_space=ADDRESS_SPACE)
        status, err = r.returncode, r.stderr
        seconds = time.time() - start
        problem = classify(status, err, out, tmp)
        result = dict(kind=kind, index=index, seed=seed, status=status, stderr=err[-2000:], problem=problem, note=note,
                      command=["zoo"] + cmd, seconds=round(seconds, 2), run=str(run))
        return result


def merge_zips(a, b):
    """The entries of zips `a` and `b` in one archive, `b`'s headers kept as they are (lies included)."""
    def split(z):
        end = z.rfind(b"PK\x05\x06")
        count = struct.unpack_from("<H", z, end + 10)[0]
        size, offset = struct.unpack_from("<2I", z, end + 12)
        return z[:offset], bytearray(z[offset:offset + size]), count

    local_a, central_a, count_a = split(a)
    local_b, central_b, count_b = split(b)
    pos = 0
    while pos < len(central_b):  # b's local headers move back by len(local_a)
        offset = struct.unpack_from("<I", central_b, pos + 42)[0]
        struct.pack_into("<I", central_b, pos + 42, offset + len(local_a))
        name, extra, comment = struct.unpack_from("<3H", central_b, pos + 28)
        pos += 46 + name + extra + comment
    central = bytes(central_a + central_b)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count_a + count_b, count_a + count_b, len(central),
                      len(local_a) + len(local_b), 0)
    return local_a + local_b + central + end


def classify(status, err, out, tmp):
    """None if the run behaved, else the failure class."""
    if status is None:
        return "timeout"
    if status < 0:
        return f"signal {-status}"
    if status not in ALLOWED_STATUS:
        return f"status {status}"
    lines = [l for l in err.splitlines() if l.strip() and not NOISE.search(l)]
    if status == 0 and lines:
        return "stderr on success"
    if status != 0 and (len(lines) != 1 or not lines[0].startswith("zoo: error: ")):
        return "stderr not one error line"
    if status != 0 and out.exists():
        return "output left on failure"
    if any(tmp.iterdir()):
        return "temporary files left"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100, help="inputs per kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", nargs="+", default=KINDS, help="a subset of " + " ".join(KINDS))
    parser.add_argument("--timeout", type=float, default=10, help="seconds per zoo run")
    parser.add_argument("--zoo", default=zoo_runner.binary(), help="default: $ZOO or the release build")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--save", default=None, help="directory for failing inputs (default: a new temp dir)")
    parser.add_argument("--keep", type=int, default=3, help="failing inputs saved per kind and class")
    parser.add_argument("--only", default=None, help="rerun only these inputs, e.g. config:535,npz:20")
    args = parser.parse_args()
    kinds = [k for arg in args.kinds for k in arg.split(",") if k]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)}; choose from {KINDS}")
    zoo = Path(args.zoo).resolve()
    if not zoo.exists():
        parser.error(f"{zoo}: no zoo binary (swift build -c release --product zoo)")
    work = Path(tempfile.mkdtemp(prefix="zoo-fuzz-"))
    save = Path(args.save or tempfile.mkdtemp(prefix="zoo-fuzz-failures-"))
    try:
        campaign = Campaign(zoo, work, args.timeout)
        results = run_all(campaign, kinds, args, save)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results, kinds, save)
    return 1 if any(r["problem"] for r in results) else 0


def run_all(campaign, kinds, args, save):
    results, kept = [], Counter()
    jobs = [(k, i) for i in range(args.runs) for k in kinds]
    if args.only:
        jobs = [(k, int(i)) for k, i in (item.split(":") for item in args.only.split(","))]
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(campaign.run_one, k, args.seed, i) for k, i in jobs]
        for n, future in enumerate(concurrent.futures.as_completed(futures), 1):
            r = future.result()
            results.append(r)
            # Failures, and inputs that crashed libhdf5 in zoo's check, are kept for reproduction.
            group = r["problem"] or ("caught" if "the HDF5 library crashed" in r["stderr"] else None)
            if group and kept[(r["kind"], group)] < args.keep:
                kept[(r["kind"], group)] += 1
                keep(r, save, "" if r["problem"] else "caught-")
            shutil.rmtree(r["run"], ignore_errors=True)
            if n % 500 == 0:
                print(f"... {n}/{len(jobs)} inputs, {sum(1 for x in results if x['problem'])} failed, "
                      f"{time.time() - start:.0f} s", file=sys.stderr, flush=True)
    return results


def keep(r, save, prefix=""):
    """Copies a run's inputs and writes what happened, for reproduction."""
    dest = save / f"{prefix}{r['kind']}-{r['index']}"
    shutil.copytree(r["run"], dest, ignore=shutil.ignore_patterns("cache", "tmp", "out", "*.fifo", "fifo.h5"),
                    dirs_exist_ok=True, ignore_dangling_symlinks=True)
    info = dict(r, command=[c.replace(r["run"], str(dest)) for c in r["command"]],
                rerun=f"tools/fuzz.py --seed {r['seed']} --only {r['kind']}:{r['index']}")
    (dest / "failure.json").write_text(json.dumps(info, indent=1) + "\n")


def failure_class(r):
    """crash, hang, over-allocation (zoo died past RLIMIT_AS), multi-line error, or other."""
    problem = r["problem"] or ""
    if problem == "timeout":
        return "hang"
    if problem.startswith("signal"):
        return "over-allocation" if re.search(r"alloc|out of memory|Cannot allocate", r["stderr"]) else "crash"
    if problem.startswith("stderr"):
        return "multi-line error"
    return "other"


def report(results, kinds, save):
    by_kind = defaultdict(list)
    for r in results:
        by_kind[r["kind"]].append(r)
    print(f"{'kind':10} {'inputs':>6} {'failed':>6} {'crash':>5} {'hang':>4} {'alloc':>5} {'lines':>5} {'other':>5} "
          f"{'max s':>6}  exit statuses")
    for kind in [k for k in kinds if by_kind[k]]:
        rs = by_kind[kind]
        statuses = Counter("timeout" if r["status"] is None else r["status"] for r in rs)
        classes = Counter(failure_class(r) for r in rs if r["problem"])
        print(f"{kind:10} {len(rs):6} {sum(1 for r in rs if r['problem']):6} {classes['crash']:5} {classes['hang']:4} "
              f"{classes['over-allocation']:5} {classes['multi-line error']:5} {classes['other']:5} "
              f"{max([r['seconds'] for r in rs] or [0]):6.1f}  "
              + " ".join(f"{s}:{n}" for s, n in sorted(statuses.items(), key=lambda x: str(x[0]))))
    caught = Counter(r["kind"] for r in results if "the HDF5 library crashed" in r["stderr"])
    if caught:
        print("libhdf5 crashes caught by the child-process check: "
              + ", ".join(f"{k} {n}" for k, n in sorted(caught.items())))
    problems = Counter(r["problem"] for r in results if r["problem"])
    if problems:
        print("failures by class: " + ", ".join(f"{p}: {n}" for p, n in problems.most_common()))
        for r in [r for r in results if r["problem"]][:10]:
            print(f"  {r['kind']} #{r['index']}: {r['problem']}: {r['note'][:160]}")
        print(f"first failing inputs saved under {save}")
    if save.exists() and not any(save.iterdir()):
        save.rmdir()
    elif save.exists() and not problems:
        print(f"inputs that crashed libhdf5 saved under {save}")
    failed = sum(1 for r in results if r["problem"])
    print(f"{len(results) - failed} passed, {failed} failed")


if __name__ == "__main__":
    sys.exit(main())
