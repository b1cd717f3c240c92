#!/usr/bin/env python3
"""Writes the small h5py-made HDF5 files that ZooHDF5's tests read.

    python tools/make_hdf5_fixtures.py     (the tools venv: needs h5py and numpy)

Output: Tests/ZooHDF5Tests/Fixtures/{strings,numbers}.h5
"""
import os

import h5py
import numpy as np

from zootools import ROOT

OUT = os.path.join(ROOT, "Tests", "ZooHDF5Tests", "Fixtures")


def fixed_string_type(size, pad):
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(size)
    tid.set_strpad(pad)
    return tid


def write_strings(path):
    with h5py.File(path, "w") as f:
        # How h5py 2.x / Keras store layer_names: numpy bytes array -> fixed-length NULLPAD S12.
        f.attrs["layer_names"] = np.array([b"dense", b"conv2d_1", b"batch_norm12"], dtype="S12")
        # A scalar numpy bytes value -> fixed-length scalar.
        f.attrs["fixed_scalar"] = np.bytes_(b"tensorflow")
        # Fixed-length NULLTERM (C style); bytes after the first NUL must be ignored.
        space = h5py.h5s.create_simple((2,))
        tid = fixed_string_type(8, h5py.h5t.STR_NULLTERM)
        attr = h5py.h5a.create(f.id, b"nullterm", tid, space)
        attr.write(np.array([b"abc\x00xyz", b"defghij"], dtype="S8"), mtype=tid)
        # Fixed-length SPACEPAD (Fortran style).
        tid = fixed_string_type(6, h5py.h5t.STR_SPACEPAD)
        attr = h5py.h5a.create(f.id, b"spacepad", tid, space)
        attr.write(np.array([b"ab    ", b"cdef  "], dtype="S6"), mtype=tid)
        # Variable-length strings, ASCII and UTF-8, scalar and array.
        f.attrs.create("vlen_ascii", "keras", dtype=h5py.string_dtype("ascii"))
        f.attrs.create("vlen_ascii_array", ["a", "bc", ""], dtype=h5py.string_dtype("ascii"))
        f.attrs["vlen_utf8"] = "h\u00e9llo w\u00f6rld \u2713"
        f.attrs.create("vlen_utf8_array", ["\u00fcber", "na\u00efve", "x"], dtype=h5py.string_dtype("utf-8"))
        # Keras's empty weight_names, and a null dataspace.
        f.attrs["empty_f8"] = np.zeros((0,), "f8")
        f.attrs["null_f8"] = h5py.Empty("f8")
        # Numbers.
        f.attrs["int_scalar"] = np.int32(-7)
        f.attrs["int_array"] = np.array([1, 2, 3], dtype="i8")
        f.attrs["uint8_array"] = np.array([250, 3], dtype="u1")
        f.attrs["float_scalar"] = np.float32(0.5)
        f.attrs["double_array"] = np.array([1.5, -2.25], dtype="f8")
        f.attrs["bool_scalar"] = np.bool_(True)  # an HDF5 enum: unsupported
        # Keras-style names containing ':' and nested groups, with attributes on a group and a dataset.
        g = f.create_group("model_weights/dense")
        g.attrs["weight_names"] = np.array([b"dense/kernel:0", b"dense/bias:0"], dtype="S14")
        d = g.create_dataset("dense/kernel:0", data=np.arange(6, dtype="f4").reshape(2, 3))
        d.attrs["note"] = "on a dataset"


def write_numbers(path):
    with h5py.File(path, "w") as f:
        f["float64_2d"] = np.array([[1.0, 2.5, -3.0], [4.0, 5.0, 6.125]], dtype="f8")
        f["int32_1d"] = np.array([-2, 0, 7, 2147483647], dtype="i4")
        f["uint8_1d"] = np.array([0, 128, 255], dtype="u1")
        f["float32_4d"] = np.arange(2 * 3 * 2 * 2, dtype="f4").reshape(2, 3, 2, 2) / 4
        f["scalar_f8"] = np.float64(3.25)
        f["empty_f4"] = np.zeros((0, 3), "f4")
        f["big_endian_f4"] = np.array([1.5, -2.0], dtype=">f4")
        f["strings"] = np.array([b"a", b"b"], dtype="S1")
        f.create_group("group")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write_strings(os.path.join(OUT, "strings.h5"))
    write_numbers(os.path.join(OUT, "numbers.h5"))
