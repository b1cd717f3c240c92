"""pytest for the shared pieces of the tools (tools/zootools): the MNIST reader on the committed
sample, and the zoo runner's errors, timeouts and JSON against stand-in `zoo` scripts (no build
needed). The Keras side of zootools is exercised by the comparisons in tools/test.sh."""
import gzip
import os
import stat
import time

import numpy as np
import pytest

from zootools import MNIST_SAMPLE, mnist, models, zoo


# ---------------------------------------------------------------- mnist

def test_sample_splits():
    for split, n in (("train", 4000), ("test", 1000)):
        images, labels = mnist.digits(split)
        assert images.shape == (n, 28, 28) and images.dtype == np.uint8
        assert labels.shape == (n,) and labels.dtype == np.int64
        assert set(np.unique(labels)) == set(range(10))
        assert images.max() == 255 and images.min() == 0
        assert mnist.count(MNIST_SAMPLE, split) == n


def test_idx_round_trip_in_every_spelling(tmp_path):
    images, labels = (mnist.read_idx(mnist.idx_file(MNIST_SAMPLE, "test", kind)) for kind in ("images", "labels"))
    spellings = {"t10k-images-idx3-ubyte": images[:7], "t10k-labels.idx1-ubyte.gz": labels[:7]}
    for name, values in spellings.items():
        data = mnist.idx_bytes(values)
        (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    assert mnist.idx_bytes(labels[:7])[:8] == bytes([0, 0, 8, 1, 0, 0, 0, 7])
    got_images, got_labels = mnist.digits("test", str(tmp_path))
    assert np.array_equal(got_images, images[:7]) and np.array_equal(got_labels, labels[:7])
    assert mnist.count(str(tmp_path), "test") == 7
    assert mnist.count(str(tmp_path), "train") is None


def test_npz_matches_idx(tmp_path):
    arrays = {}
    for split in ("train", "test"):
        images, labels = mnist.digits(split)
        arrays[f"x_{split}"], arrays[f"y_{split}"] = images[:20], labels[:20].astype(np.uint8)
    np.savez(tmp_path / "mnist.npz", **arrays)
    images, labels = mnist.digits("test", str(tmp_path / "mnist.npz"))
    assert np.array_equal(images, arrays["x_test"]) and labels.dtype == np.int64
    assert np.array_equal(labels, arrays["y_test"])


@pytest.mark.parametrize("raw, message", [
    (bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + b"\0\0\0\0", "not an unsigned-byte IDX file"),  # float32 values
    (bytes([0, 0, 8, 3, 0, 0, 0, 2]), "IDX header cut short"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3]), "3 bytes of data, header says (5,)"),
])
def test_bad_idx_files_are_refused_with_their_path(tmp_path, raw, message):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(raw)
    with pytest.raises(ValueError) as e:
        mnist.read_idx(str(path))
    assert str(e.value) == f"{path}: {message}"


def test_missing_file_names_what_is_there(tmp_path):
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"no t10k-images-idx3-ubyte\[\.gz\] \(found: train-images"):
        mnist.digits("test", str(tmp_path))


# ---------------------------------------------------------------- zoo runner

def stand_in(tmp_path, body):
    """An executable `zoo` that runs the shell script `body`."""
    path = tmp_path / "zoo"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_binary_precedence(monkeypatch):
    monkeypatch.delenv("ZOO", raising=False)
    assert zoo.binary() == zoo.DEFAULT_BINARY
    monkeypatch.setenv("ZOO", "/opt/zoo")
    assert zoo.binary() == "/opt/zoo" and zoo.binary("given") == "given"


def test_failure_names_status_command_and_stderr_tail(tmp_path):
    binary = stand_in(tmp_path, 'for i in $(seq 1 40); do echo "line $i" >&2; done\n'
                                'echo "zoo: error: $1: no such model" >&2\nexit 3\n')
    result = zoo.run(["nosuch", 7], zoo=binary)
    assert result.returncode == 3 and result.command == [binary, "nosuch", "7"]
    lines = result.failure().splitlines()
    assert lines[0] == f"exit 3: {binary} nosuch 7"
    assert lines[1:] == [f"line {i}" for i in range(12, 41)] + ["zoo: error: nosuch: no such model"]
    with pytest.raises(zoo.ZooError) as e:
        result.check()
    assert e.value.result is result and str(e.value) == result.failure()
    with pytest.raises(zoo.ZooError):
        zoo.run(["x"], zoo=binary, check=True)


def test_json_output(tmp_path):
    pretty = stand_in(tmp_path, 'printf \'{\\n  "cacheHit" : true,\\n  "count" : 3\\n}\\n\'\n')
    result = zoo.run([], zoo=pretty, check=True)
    assert result.failure() is None and result.json() == {"cacheHit": True, "count": 3}
    assert zoo.parse_json('progress\n{"a": 1}\n{"a": 2}\n') == [{"a": 1}, {"a": 2}]
    with pytest.raises(ValueError):
        zoo.parse_json("no json here")


def test_timeout_ends_the_whole_process_group(tmp_path):
    child = tmp_path / "child.pid"
    binary = stand_in(tmp_path, f'sleep 60 & echo $! > {child}\necho started >&2\nwait\n')
    start = time.monotonic()
    result = zoo.run([], zoo=binary, timeout=1)
    assert time.monotonic() - start < 30
    assert result.returncode is None and result.failure().startswith("timed out after 1 s: ")
    pid = int(child.read_text())
    for _ in range(100):  # the killed sleep is reaped by init shortly after
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the stand-in's child {pid} outlived the timeout")


def test_environment_and_address_space(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE_DIR", "/elsewhere")
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    binary = stand_in(tmp_path, 'echo "${ZOO_CACHE_DIR:-unset} ${OPENBLAS_CORETYPE:-unset} $MARK $(ulimit -v) $#"\n')
    r = zoo.run(["a b", "c"], zoo=binary, env=zoo.environment(isolated=True, drop_blas_overrides=True, MARK=5),
                address_space=1 << 30)
    assert r.stdout.split() == ["unset", "unset", "5", str((1 << 30) >> 10), "2"]
    r = zoo.run([], zoo=binary, env=zoo.environment(MARK=1))
    assert r.stdout.split()[:3] == ["/elsewhere", "Haswell", "1"]


# ---------------------------------------------------------------- models (no framework needed)

def test_kernel_scale():
    assert models.kernel_scale("block1_conv1") == models.kernel_scale("conv1_conv") == 1 / 75
    assert models.kernel_scale("conv4_block3_3_conv") == 0.25
    assert models.kernel_scale("predictions") == models.kernel_scale("head_predictions") == 0.3
    assert models.kernel_scale("block3_conv2") == 1.0
