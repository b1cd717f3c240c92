"""SIGKILL at random moments, then resume: nothing half-written is ever visible, and the resumed
run ends with the same weights as an uninterrupted one.

  python -m pytest -q tools/test_kills.py              a few kills per scenario (CI)
  ZOO_KILLS=200 python -m pytest -q tools/test_kills.py   the full run: 200 kills in all
  ZOO=path/to/zoo  ZOO_KILL_SEED=N                        binary, seed of the moments

Scenarios, on the built-in sample with an untrained VGG16 at 32x32 and a private feature cache:

* features: `zoo features` (test split, 300 digits) is killed at a random moment, over an
  output holding a previous complete file. Afterwards the output is that previous file byte for
  byte or the complete new one, every cache entry is complete (only temporaries and lock files
  beside them), and a rerun gives features identical to an uninterrupted run.
* finetune: `zoo finetune --unfreeze 2 --epochs 2 --unfreeze-epochs 2 --checkpoint-dir D`
  (features, head training, checkpointing after each epoch of both stages, export) is killed at
  a random moment and then resumed (`--resume`) to the end, killed again at random with
  probability 1/2 on each resume. Every checkpoint seen opens and is complete; the output is the
  previous file or a complete model; the final model's weights and history equal the
  uninterrupted run's bit for bit.
"""
import os
import random
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from test_interrupts import (LOCK_RE, TMP_RE, cache_problems, checkpoint_problems, history_rows, sha,  # noqa: F401
                             weight_differences, weights, zoo, zoo_env)

KILLS = int(os.environ.get("ZOO_KILLS", "0")) or None
SEED = int(os.environ.get("ZOO_KILL_SEED", "11"))
FEATURES = ["features", "--model", "vgg16", "--untrained", "--split", "test", "--limit", "300"]
FINETUNE = ["finetune", "--model", "vgg16", "--untrained", "--limit", "300", "--epochs", "2", "--unfreeze", "2",
            "--unfreeze-epochs", "2", "--hidden", "16", "--seed", "4"]


def kills(ci):
    """Kills per scenario: `ci` in CI, half of ZOO_KILLS each in the full run."""
    return (KILLS + 1) // 2 if KILLS else ci


def run(zoo, args, cwd, timeout=600):
    r = subprocess.run([zoo] + [str(a) for a in args], cwd=cwd, env=zoo_env(cwd / "zoo-cache-root"),
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{args}: exit {r.returncode}: {r.stderr[-1000:]}"
    return r


def killed_after(zoo, args, cwd, seconds):
    """Starts zoo and SIGKILLs it after `seconds` (if still running); True if the kill hit it."""
    p = subprocess.Popen([zoo] + [str(a) for a in args], cwd=cwd, env=zoo_env(cwd / "zoo-cache-root"),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
        return True


def timed(zoo, args, cwd):
    start = time.monotonic()
    run(zoo, args, cwd)
    return time.monotonic() - start


def output_problems(path, previous_sha, complete):
    """The output is absent (no previous), the previous file byte for byte, or complete."""
    if not os.path.exists(path):
        return [] if previous_sha is None else [f"{path}: the previous file is gone"]
    if previous_sha is not None and sha(path) == previous_sha:
        return []
    try:
        complete(path)
    except Exception as e:  # noqa: BLE001
        return [f"{path}: neither the previous file nor complete ({type(e).__name__}: {e})"]
    return []


def read_features(path):
    with h5py.File(path, "r") as f:
        x, y = f["features"][()], f["labels"][()]
    assert x.shape == (300, 512) and y.shape == (300,)
    return x


def read_model(path):
    with h5py.File(path, "r") as f:
        assert "model_config" in f.attrs
    assert weights(path)


def test_kill_features(zoo, tmp_path):
    rng = random.Random(f"{SEED}/features")
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    took = timed(zoo, FEATURES + ["--no-cache", "--output", ref_dir / "f.h5"], ref_dir)
    reference = read_features(ref_dir / "f.h5")
    problems, hits = [], 0
    for k in range(kills(4)):
        d = tmp_path / f"k{k}"
        d.mkdir()
        out, cache = d / "f.h5", d / "cache"
        previous = None
        if rng.random() < 0.5:  # a previous output to be kept or replaced whole
            shutil.copy(ref_dir / "f.h5", out)
            with h5py.File(out, "r+") as f:
                f.attrs["previous"] = 1
            previous = sha(out)
        hits += killed_after(zoo, FEATURES + ["--cache-dir", cache, "--output", out], d, rng.uniform(0, 1.2 * took))
        problems += output_problems(out, previous, read_features) + cache_problems(str(cache))
        run(zoo, FEATURES + ["--cache-dir", cache, "--output", out], d)
        if not np.array_equal(read_features(out), reference):
            problems.append(f"{out}: features differ from the uninterrupted run after the rerun")
        shutil.rmtree(d)
    print(f"features: {kills(4)} kill moments, {hits} hit a running zoo")
    assert problems == [], "\n".join(problems)


def test_kill_finetune_unfreeze_and_resume(zoo, tmp_path):
    rng = random.Random(f"{SEED}/finetune")
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    took = timed(zoo, FINETUNE + ["--cache-dir", ref_dir / "cache", "--checkpoint-dir", ref_dir / "ck",
                                  "--output", ref_dir / "m.h5"], ref_dir)
    reference = weights(ref_dir / "m.h5")
    ref_history = history_rows(ref_dir / "m.history.csv")
    problems, hits = [], 0
    total = kills(3)
    k = 0
    while k < total:
        d = tmp_path / f"k{k}"
        d.mkdir()
        out, cache, ck = d / "m.h5", d / "cache", d / "ck"
        previous = None
        if rng.random() < 0.5:
            shutil.copy(ref_dir / "m.h5", out)
            with h5py.File(out, "r+") as f:
                f.attrs["previous"] = 1
            previous = sha(out)
        args = FINETUNE + ["--cache-dir", cache, "--checkpoint-dir", ck, "--output", out]
        hit = killed_after(zoo, args, d, rng.uniform(0, 1.1 * took))
        hits += hit
        k += 1
        # Resume until done, killing again at random (each kill counts).
        while True:
            problems += output_problems(out, previous, read_model) + cache_problems(str(cache))
            # The second stage's checkpoint lives in ck/unfreeze, a directory beside checkpoint.h5.
            problems += [p for p in checkpoint_problems(str(ck), 2) if not p.endswith("unexpected file 'unfreeze'")]
            problems += checkpoint_problems(str(ck / "unfreeze"), 2)
            resume = args + (["--resume"] if (ck / "checkpoint.h5").exists() else [])
            if k < total and rng.random() < 0.5:
                k += 1
                if killed_after(zoo, resume, d, rng.uniform(0, took)):
                    hits += 1
                    continue
            run(zoo, resume, d)
            break
        problems += weight_differences(out, reference)
        if history_rows(d / "m.history.csv") != ref_history:
            problems.append(f"{d}: history differs from the uninterrupted run")
        shutil.rmtree(d)
    print(f"finetune --unfreeze: {total} kill moments, {hits} hit a running zoo")
    assert problems == [], "\n".join(problems)
