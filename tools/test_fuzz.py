"""pytest for zoo on hostile files: a short seeded fuzz campaign (tools/fuzz.py, a few hundred
inputs over every kind) plus one hand-made file per protection, each of which must end in exit
status 3 and one `zoo: error:` line saying why. Uses the release build (`$ZOO` or
.build/release/zoo); needs h5py and numpy."""
import io
import json
import os
import resource
import time
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

import fuzz
from zootools import zoo as zoo_runner

ZOO = zoo_runner.binary()
FIXTURES = fuzz.FIXTURES


def zoo(*args, tmp=None, env=None):
    env = zoo_runner.environment(**({"TMPDIR": tmp} if tmp else {}), **(env or {}))
    result = zoo_runner.run(args, zoo=ZOO, env=env, timeout=60)
    assert result.returncode is not None, result.failure()
    return result


def refused(result, *needles):
    """Exit status 3 and exactly one error line containing every needle."""
    lines = result.stderr.splitlines()
    assert result.returncode == 3, result.stderr
    assert len(lines) == 1 and lines[0].startswith("zoo: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def copy(tmp_path, fixture, name=None):
    out = tmp_path / (name or fixture)
    shutil.copy(FIXTURES / fixture, out)
    return out


def test_short_campaign():
    """RUNS mutated inputs of each of the 11 kinds."""
    runs = 30
    r = subprocess.run([sys.executable, str(Path(fuzz.__file__)), "--runs", str(runs), "--seed", "7", "--zoo", ZOO],
                       capture_output=True, text=True, timeout=900)
    assert r.stdout.strip().splitlines()[-1] == f"{runs * len(fuzz.KINDS)} passed, 0 failed", r.stdout + r.stderr
    assert r.returncode == 0


def test_check_file_is_hidden_and_passes_good_files():
    assert "check-file" not in zoo("help").stdout
    for name in ["tiny_vgg.tfkeras.weights.h5", "tiny_vgg.keras1.h5", "tiny_vgg.k3.weights.h5",
                 "tiny_vgg.tfkeras.model.h5", "tiny_vgg.k3.keras"]:
        r = zoo("check-file", FIXTURES / name)
        assert (r.returncode, r.stderr) == (0, ""), name


def test_libhdf5_crash_is_contained(tmp_path):
    """One byte of a global heap collection, found by tools/fuzz.py: libhdf5 1.10.8 (Debian
    bookworm) segfaults in H5HG_read reading `model_config`; zoo's check dies instead of zoo."""
    path = copy(tmp_path, "tiny_vgg.tfkeras.model.h5")
    data = bytearray(path.read_bytes())
    data[6978] = 0x40
    path.write_bytes(bytes(data))
    for args in (["inspect", path], ["evaluate", "--model-file", path]):
        line = refused(zoo(*args))
        if "crashed" not in line:
            pytest.skip(f"this libhdf5 refuses the file without crashing: {line}")
        assert line == f"zoo: error: {path}: the HDF5 library crashed reading this file (signal 11); it is corrupt or not a Keras file"


def test_heap_loop_is_rejected_within_the_small_file_limit(tmp_path):
    """Tests/Fixtures/hostile/heap_loop.h5 (tools/make_hostile_fixtures.py) makes libhdf5 loop
    forever in H5HG_read; the check's child gets 1 s of CPU for a file this small. The CPU time of
    zoo and its child is measured, not the wall time, which depends on how busy the machine is."""
    path = Path(__file__).resolve().parent.parent / "Tests/Fixtures/hostile/heap_loop.h5"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    line = refused(zoo("inspect", path), f"{path}: the HDF5 library used more than 1 s of CPU reading this file",
                   "(the limit for a file of 19 KB)")
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"heap_loop.h5 rejected in {wall:.2f} s ({cpu:.2f} s of CPU): {line}")
    assert cpu < 2.0 and wall < 10.5


def test_check_timeout(tmp_path):
    r = zoo("inspect", FIXTURES / "tiny_vgg.tfkeras.weights.h5", env={"ZOO_CHECK_TIMEOUT": "0.001"})
    refused(r, "the HDF5 library did not finish reading this file in 0 s")


def test_shape_bomb_is_refused(tmp_path):
    path = copy(tmp_path, "tiny_vgg.tfkeras.weights.h5")
    with h5py.File(path, "r+") as f:
        del f["block1_conv1/block1_conv1/kernel:0"]
        f.create_dataset("block1_conv1/block1_conv1/kernel:0", shape=(3, 3, 3, 2**40), dtype="f4", chunks=(1, 1, 1, 1))
    refused(zoo("inspect", path), "kernel:0: shape [3, 3, 3, 1099511627776] float32 needs", "more than the 4096 MiB zoo reads")
    fuzz.patch_dims(__import__("random").Random(1), copy(tmp_path, "tiny_vgg.keras1.h5"))
    refused(zoo("load", "vgg16", "--size", "32", "--weights", tmp_path / "tiny_vgg.keras1.h5"))


def test_links_out_of_the_file_are_refused(tmp_path):
    path = copy(tmp_path, "tiny_vgg.tfkeras.weights.h5")
    fifo = tmp_path / "fifo.h5"
    os.mkfifo(fifo)  # following this link would block forever
    with h5py.File(path, "r+") as f:
        del f["block1_conv1"]
        f["block1_conv1"] = h5py.ExternalLink(str(fifo), "/")
    refused(zoo("inspect", path), "/block1_conv1: is an external link to", "zoo reads only the file it was given")
    with h5py.File(path, "r+") as f:
        del f["block1_conv1"]
        f["block1_conv1"] = h5py.SoftLink("/block1_conv1")
    refused(zoo("inspect", path), "too many nested soft links")


def test_cyclic_keras3_groups_are_refused(tmp_path):
    path = copy(tmp_path, "tiny_vgg.k3.weights.h5")
    with h5py.File(path, "r+") as f:
        f["layers/conv2d/layers"] = f["layers"]
    refused(zoo("inspect", path), "models nested more than 32 deep")


def test_lambda_and_custom_layers_are_refused_by_name(tmp_path):
    path = copy(tmp_path, "tiny_vgg.tfkeras.model.h5")
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        layer = config["config"]["layers"][1]
        layer["class_name"] = "Lambda"
        layer["config"]["function"] = ["4wEAAAAAAAAA...", None, None]  # marshalled Python bytecode
        f.attrs["model_config"] = json.dumps(config).encode()
    name = layer["config"]["name"]
    refused(zoo("evaluate", "--model-file", path), f"layer {name} has class Lambda, which zoo does not support",
            "Python code, which zoo never runs")
    layer["class_name"] = "MyCustomLayer"
    with h5py.File(path, "r+") as f:
        f.attrs["model_config"] = json.dumps(config).encode()
    refused(zoo("summary", "--model-file", path), "has class MyCustomLayer")


def test_config_limits(tmp_path):
    path = copy(tmp_path, "tiny_vgg.tfkeras.model.h5")
    with h5py.File(path, "r") as f:
        text = f.attrs["model_config"]
    for bad, needle in [(text.replace('"config": {', '"config": {"x": ' + "[" * 5000 + "]" * 5000 + ", ", 1),
                         "nested more than 100 levels deep"),
                        (text.replace('"filters": 4', '"filters": 1000000000', 1), "filters [1000000000] is out of range"),
                        (text.replace('"strides": [1, 1]', '"strides": [0, 1]', 1), "strides [0, 1] is out of range")]:
        archive = tmp_path / "model.keras"
        with zipfile.ZipFile(FIXTURES / "tiny_vgg.k3.keras") as z:
            entries = {i.filename: z.read(i) for i in z.infolist()}
        entries["config.json"] = bad.encode()
        archive.write_bytes(fuzz.zip_bytes(entries.items()))
        refused(zoo("summary", "--model-file", archive), needle)


def test_zip_entries_that_lie_about_their_size(tmp_path):
    # A deflate stream of 64 MiB claiming 100 KB: extraction stops at the claim.
    data = bytes(64 << 20)
    compressor = __import__("zlib").compressobj(9, 8, -15)
    raw = compressor.compress(data) + compressor.flush()
    bomb = (raw, __import__("zlib").crc32(data), len(data))
    path = tmp_path / "bomb.keras"
    path.write_bytes(fuzz.bomb_entry("model.weights.h5", bomb, 100_000))
    refused(zoo("inspect", path, tmp=tmp_path), "model.weights.h5 inflates past the 100000 bytes it claims")
    with zipfile.ZipFile(FIXTURES / "tiny_vgg.k3.keras") as z:
        entries = {i.filename: z.read(i) for i in z.infolist()}
    data = fuzz.zip_bytes(entries.items())
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("model.weights.h5")
    lying = bytearray(data)
    lying[info.header_offset + 22:info.header_offset + 26] = (2**32 - 1).to_bytes(4, "little")
    central = lying.rfind(b"PK\x01\x02", 0, lying.rfind(b"PK\x05\x06"))
    while int.from_bytes(lying[central + 42:central + 46], "little") != info.header_offset:
        central = lying.rfind(b"PK\x01\x02", 0, central)
    lying[central + 24:central + 28] = (2**32 - 1).to_bytes(4, "little")
    path.write_bytes(bytes(lying))
    refused(zoo("inspect", path, tmp=tmp_path), "is stored uncompressed but claims 4294967295 bytes")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("zoo-keras-")]  # no extraction left behind


def test_npz_entry_that_lies_about_its_size(tmp_path):
    """A 64 MiB deflate stream claiming 1000 bytes as x_test.npy: reading must stop at the claim."""
    data = bytes(64 << 20)
    compressor = __import__("zlib").compressobj(9, 8, -15)
    bomb = (compressor.compress(data) + compressor.flush(), __import__("zlib").crc32(data), len(data))
    good = {f"{k}.npy": fuzz.npy_bytes(np.zeros((2, 28, 28) if k[0] == "x" else (2,), np.uint8))
            for k in ("x_train", "y_train", "y_test")}
    path = tmp_path / "mnist.npz"
    path.write_bytes(fuzz.merge_zips(fuzz.zip_bytes(good.items()), fuzz.bomb_entry("x_test.npy", bomb, 1000)))
    refused(zoo("evaluate", "--model-file", FIXTURES / "tiny_vgg.k3.keras", "--data", path),
            "x_test.npy inflates past the 1000 bytes it claims")


def test_idx_header_bomb_is_refused(tmp_path):
    data = tmp_path / "mnist"
    data.mkdir()
    for p in fuzz.SAMPLE.glob("*.gz"):
        shutil.copy(p, data / p.name)
    raw = bytearray(__import__("gzip").decompress((data / "t10k-images-idx3-ubyte.gz").read_bytes()))
    raw[4:8] = (2**31 - 1).to_bytes(4, "big")
    (data / "t10k-images-idx3-ubyte.gz").unlink()
    (data / "t10k-images-idx3-ubyte").write_bytes(bytes(raw))
    refused(zoo("evaluate", "--model-file", FIXTURES / "tiny_vgg.k3.keras", "--data", data),
            "header says 2147483647x28x28", "(truncated)")
