"""Several `zoo` processes filling the same caches at once.

  python -m pytest -q tools/test_concurrency.py      (the tools venv; ZOO=path/to/zoo)

* feature cache: four `zoo features --json` start together on one empty cache, two of them for
  the same entry (VGG16, test split) and two for others (VGG16 train split, ResNet50): every
  entry is computed by exactly one process (`cacheHit` false), the others wait for its lock and
  read it (`cacheHit` true), the outputs of the same entry are identical, and the cache holds
  one complete entry per key and nothing else but lock files.
* the same with a process SIGKILLed while it computes: the others still finish, and the killed
  one's temporary file is never taken for an entry.
* weight cache: three `zoo load vgg16` start together on an empty Keras cache and a local server
  (ZOO_WEIGHTS_CATALOGUE): the file is downloaded once, all three load it, and nothing but the
  file is left in the cache.
"""
import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from test_interrupts import (LOCK_RE, NOTOP, TMP_RE, SlowFileHandler, cache_problems, end_started_processes,  # noqa: F401
                             weight_server, write_vgg16_notop, zoo, zoo_env)

LIMIT = "40"
RUNS = [  # (name, args): the first two compute the same entry
    ("vgg16-test-a", ["--model", "vgg16", "--split", "test"]),
    ("vgg16-test-b", ["--model", "vgg16", "--split", "test"]),
    ("vgg16-train", ["--model", "vgg16", "--split", "train"]),
    ("resnet50-test", ["--model", "resnet50", "--split", "test"]),
]


def start(zoo, args, tmp_path, name, env=None):
    logs = tmp_path / "logs"
    logs.mkdir(exist_ok=True)
    out, err = open(logs / f"{name}.out", "w+"), open(logs / f"{name}.err", "w+")
    p = subprocess.Popen([zoo] + [str(a) for a in args], stdout=out, stderr=err, cwd=tmp_path,
                         env=zoo_env(tmp_path / "zoo-cache-root", env))
    return p, out, err


def finish(p, out, err, timeout=600):
    p.wait(timeout=timeout)
    out.seek(0)
    err.seek(0)
    return p.returncode, out.read(), err.read()


def features(data):
    with h5py.File(data, "r") as f:
        return f["features"][()], f["labels"][()]


def test_four_features_at_once(zoo, tmp_path):
    cache = tmp_path / "cache"
    procs = {name: start(zoo, ["features", *args, "--untrained", "--limit", LIMIT, "--cache-dir", cache, "--json",
                               "--output", tmp_path / f"{name}.h5"], tmp_path, name)
             for name, args in RUNS}
    results = {name: finish(*p) for name, p in procs.items()}
    for name, (status, out, err) in results.items():
        assert status == 0, f"{name}: exit {status}: {err}"
    summary = {name: json.loads(out) for name, (_, out, _) in results.items()}
    computed = {name: not s["cacheHit"] for name, s in summary.items()}
    # The same entry: one of the pair computed it, the other waited and read it.
    assert sorted([computed["vgg16-test-a"], computed["vgg16-test-b"]]) == [False, True], summary
    assert computed["vgg16-train"] and computed["resnet50-test"], summary
    assert summary["vgg16-test-a"]["cachePath"] == summary["vgg16-test-b"]["cachePath"]
    a, b = features(tmp_path / "vgg16-test-a.h5"), features(tmp_path / "vgg16-test-b.h5")
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    entries = sorted(n for n in os.listdir(cache) if not LOCK_RE.match(n))
    assert len(entries) == 3 and all(n.endswith(".h5") and not TMP_RE.match(n) for n in entries), entries
    assert cache_problems(str(cache)) == []
    # A second round finds everything in the cache.
    again = finish(*start(zoo, ["features", *RUNS[3][1], "--untrained", "--limit", LIMIT, "--cache-dir", cache,
                                "--json", "--output", tmp_path / "again.h5"], tmp_path, "again"))
    assert again[0] == 0 and json.loads(again[1])["cacheHit"], again


def test_killed_writer_is_never_read(zoo, tmp_path):
    """A process computing an entry is SIGKILLed while two others wait on its lock: one of them
    computes the entry, the other reads it; the killed one leaves at most a temporary."""
    cache = tmp_path / "cache"
    args = ["features", "--model", "vgg16", "--split", "test", "--untrained", "--limit", "300", "--cache-dir", cache,
            "--json"]
    first = start(zoo, args + ["--output", tmp_path / "first.h5"], tmp_path, "first")
    deadline = time.monotonic() + 120
    while not (cache.is_dir() and any(TMP_RE.match(n) for n in os.listdir(cache))):  # computing
        assert first[0].poll() is None and time.monotonic() < deadline, finish(*first)
        time.sleep(0.02)
    others = [start(zoo, args + ["--output", tmp_path / f"o{i}.h5"], tmp_path, f"o{i}") for i in range(2)]
    time.sleep(0.5)
    first[0].send_signal(signal.SIGKILL)
    finish(*first)
    results = [finish(*p) for p in others]
    assert [r[0] for r in results] == [0, 0], results
    hits = sorted(json.loads(r[1])["cacheHit"] for r in results)
    assert hits == [False, True], results
    assert np.array_equal(features(tmp_path / "o0.h5")[0], features(tmp_path / "o1.h5")[0])
    assert cache_problems(str(cache)) == []
    assert not os.path.exists(tmp_path / "first.h5")


class CountingHandler(SlowFileHandler):
    def do_GET(self):
        self.server.requests = getattr(self.server, "requests", 0) + 1
        super().do_GET()


def test_three_downloads_at_once(zoo, tmp_path, weight_server):
    weight_server.RequestHandlerClass = CountingHandler
    path = tmp_path / "w" / NOTOP
    path.parent.mkdir()
    write_vgg16_notop(path, seed=5)
    data = path.read_bytes()
    weight_server.files[NOTOP] = data
    weight_server.rate = 50e6
    url = f"http://127.0.0.1:{weight_server.server_address[1]}/"
    md5 = hashlib.md5(data).hexdigest()
    entry = {"name": "vgg16", "weightsNoTop": {"fileName": NOTOP, "url": url + NOTOP, "md5": md5, "bytes": len(data)},
             "weightsTop": {"fileName": "top.h5", "url": url + "top.h5", "md5": md5, "bytes": 1}}
    (tmp_path / "catalogue.json").write_text(json.dumps([entry]))
    env = {"KERAS_HOME": str(tmp_path / "keras"), "ZOO_WEIGHTS_CATALOGUE": str(tmp_path / "catalogue.json"),
           "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
    procs = [start(zoo, ["load", "vgg16", "--size", "32", "--json"], tmp_path, f"load{i}", env) for i in range(3)]
    results = [finish(*p) for p in procs]
    assert [r[0] for r in results] == [0, 0, 0], results
    assert weight_server.requests == 1, f"{weight_server.requests} downloads"
    models = tmp_path / "keras" / "models"
    assert os.listdir(models) == [NOTOP]
    assert hashlib.md5((models / NOTOP).read_bytes()).hexdigest() == md5
