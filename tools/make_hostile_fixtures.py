#!/usr/bin/env python3
"""Hostile files the C library cannot be trusted with, for the bounded-rejection tests.

    tools/make_hostile_fixtures.py [--out Tests/Fixtures/hostile]

heap_loop.h5: a small legacy `save_weights` file (tf-keras layout: `layer_names` and every
`weight_names` are variable-length string attributes, so their values live in one global heap
collection) whose free-space object in that collection claims a size of 0. libhdf5 1.10.8
(Debian bookworm, what zoo links) and h5py's bundled 1.14.6 both spin forever in H5HG_read's
heap deserialiser (`p = begin + need` with need 0) on the first attribute read; zoo's file
check must reject it within 2 s all the same. Needs h5py and numpy.
"""
import argparse
import struct
from pathlib import Path

import h5py
import numpy as np

LAYERS = {"block1_conv1": [(3, 3, 3, 4), (4,)], "block1_conv2": [(3, 3, 4, 4), (4,)], "flatten": [],
          "predictions": [(64, 10), (10,)]}


def legacy_weights(path):
    with h5py.File(path, "w", libver="earliest") as f:
        f.attrs.create("layer_names", list(LAYERS), dtype=h5py.string_dtype())
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "2.15.0"
        for layer, shapes in LAYERS.items():
            g = f.create_group(layer)
            names = [f"{layer}/{w}:0" for w in ("kernel", "bias")][: len(shapes)]
            g.attrs.create("weight_names", names, dtype=h5py.string_dtype())
            for name, shape in zip(names, shapes):
                g.create_dataset(name, data=np.full(shape, 0.5, np.float32))


def global_heap_objects(data):
    """(offset, index, size) of every object of the file's first global heap collection."""
    start = data.index(b"GCOL")
    size = struct.unpack_from("<Q", data, start + 8)[0]
    objects, p = [], start + 16
    while p + 16 <= start + size:
        index, _, _, length = struct.unpack_from("<HHIQ", data, p)
        objects.append((p, index, length))
        if index == 0:  # the free space: the rest of the collection
            break
        p += 16 + (length + 7) // 8 * 8
    return objects


def heap_loop(path):
    legacy_weights(path)
    data = bytearray(Path(path).read_bytes())
    offset, index, _ = global_heap_objects(bytes(data))[-1]
    assert index == 0, "no free-space object in the global heap"
    struct.pack_into("<Q", data, offset + 8, 0)
    Path(path).write_bytes(bytes(data))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "Tests/Fixtures/hostile"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    heap_loop(out / "heap_loop.h5")
    print(f"{out / 'heap_loop.h5'}: {(out / 'heap_loop.h5').stat().st_size} bytes")


if __name__ == "__main__":
    main()
