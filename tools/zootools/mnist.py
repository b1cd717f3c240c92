"""The one MNIST reader of the tools: IDX directories and Keras mnist.npz files, as `zoo` accepts them.

An IDX file is a big-endian header (0, 0, type code, number of dimensions, then one uint32 per
dimension) followed by the values; every MNIST file holds unsigned bytes (type code 0x08).
A directory holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
t10k-labels-idx1-ubyte, each gzipped or not and with `-idx` or `.idx`, as zoo accepts.
Needs numpy only.
"""
import glob
import gzip
import os
import struct

import numpy as np

from zootools import MNIST_SAMPLE

SPLIT_PREFIX = {"train": "train", "test": "t10k"}
UNSIGNED_BYTE = 0x08


def read_idx(path):
    """An unsigned-byte IDX file (gzipped or not) as a uint8 array of the header's shape."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != UNSIGNED_BYTE:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise ValueError(f"{path}: IDX header cut short")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} bytes of data, header says {shape}")
    return data.reshape(shape)


def idx_bytes(array):
    """A uint8 array as an uncompressed IDX file (what read_idx reads back)."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise ValueError(f"IDX files here hold unsigned bytes, not {array.dtype}")
    header = bytes([0, 0, UNSIGNED_BYTE, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def idx_file(directory, split, kind):
    """The IDX file of one split ("train", "test") and kind ("images", "labels") under the names
    zoo accepts: train-images-idx3-ubyte[.gz], train-images.idx3-ubyte[.gz], ..."""
    stem = f"{SPLIT_PREFIX[split]}-{kind}-idx{3 if kind == 'images' else 1}-ubyte"
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx") + ".gz", stem.replace("-idx", ".idx")):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    found = sorted(os.path.basename(p) for p in glob.glob(os.path.join(directory, "*")))
    shown = ", ".join(found[:8]) + (f", ... ({len(found)} files)" if len(found) > 8 else "")
    raise FileNotFoundError(f"{directory}: no {stem}[.gz] (found: {shown or 'nothing'})")


def digits(split="test", data=None):
    """(images uint8 [N, H, W], labels int64 [N]) of one split of an IDX directory or a Keras
    mnist.npz; by default the built-in sample that `zoo` uses when given no --data."""
    data = data or MNIST_SAMPLE
    if str(data).endswith(".npz"):
        with np.load(data) as z:
            images, labels = z[f"x_{split}"], z[f"y_{split}"]
    else:
        images = read_idx(idx_file(data, split, "images"))
        labels = read_idx(idx_file(data, split, "labels"))
    if images.ndim != 3 or labels.shape != (images.shape[0],):
        raise ValueError(f"{data}: {split} images {images.shape} and labels {labels.shape} do not match")
    return images, labels.astype(np.int64)


def count(directory, split):
    """How many digits a split of an IDX directory holds, from its label file's header alone;
    None when there is no label file."""
    try:
        path = idx_file(directory, split, "labels")
    except FileNotFoundError:
        return None
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        return struct.unpack(">I", f.read(8)[4:8])[0]
