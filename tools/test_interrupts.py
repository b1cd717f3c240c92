"""No interrupted, failing or refused `zoo` run corrupts data.

  python -m pytest -q tools/test_interrupts.py      (the tools venv)
  ZOO=path/to/zoo            binary under test (default .build/release/zoo; copied once
                             with its resource bundle, so a concurrent rebuild cannot
                             swap it mid-run)
  ZOO_INTERRUPT_SEED=N       seed of the random kill moments (default 7; printed on failure)

Everything runs on the built-in MNIST sample with an `--untrained` VGG16 at
--size 32 and the feature cache in tmp_path (never ~/.cache):

* kills: `zoo finetune ... --epochs 30 --checkpoint-dir D --output out.h5`
  is stopped with SIGKILL or SIGINT at seeded random moments: during feature
  extraction, right after the first feature-cache entry is renamed into place,
  during training, while a checkpoint's temporary file exists, while the
  export's temporary `.out.h5.tmp-*` exists, right after out.h5 is renamed, and
  anywhere in the run (the process is frozen with SIGSTOP first, so the state
  the signal hit is recorded and the narrow moments are retried until hit). Afterwards: out.h5 is
  either the previous good file, byte for byte, or the complete new model
  (`zoo evaluate` runs it and its head weights equal an uninterrupted run's);
  out.history.csv likewise; nothing but `.NAME.tmp-*` temporaries appears
  beside them; every feature-cache entry and the checkpoint open with h5py
  and hold complete data; and a `--resume` rerun finishes with bit-identical
  head weights and the same history.
* resume: finetune (30 epochs) and `zoo train --model mlp --limit 800
  --epochs 4` killed after the checkpoint of a random epoch k, then rerun with
  --resume: bit-identical weights and history (but `seconds`) to an
  uninterrupted run with the same seed.
* weight downloads: `zoo load vgg16` fetches its (seeded, VGG16-shaped) weight
  file from a local HTTP server that sends it slowly (ZOO_WEIGHTS_CATALOGUE points
  zoo at it) and is SIGKILLed at seeded random points of the transfer: nothing
  appears under the final name, another weight file in the Keras cache stays
  byte for byte, each run removes the temporaries of the runs killed before it,
  and an uninterrupted run then publishes the file with its md5. A wrong md5
  leaves nothing at all behind (exit status 5, one line).
* full disk: `zoo features` / `finetune` / `train` with the output under a
  file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored so writes fail with EFBIG) or
  on a 1 MiB tmpfs (root only): non-zero exit (not a signal), exactly one
  `zoo: error:` line and nothing else but progress and notices on stderr, and
  no file (not even a temporary) under the output's directory.
* refused runs: unwritable or missing output directories (--output,
  --checkpoint-dir, --tensorboard, --plot, --cache-dir), `--resume` without a
  checkpoint, with another run's checkpoint or with a truncated one: one clear
  line (names the file, no raw Foundation error dump), non-zero exit.

Budget: ~110 s on 2 idle cores (the backbone features are computed once for
the shared cache, and in part by the early-kill case; the downloads take 15 s).
Each case prints what the signal hit (pytest -rP shows it).
"""
import csv
import hashlib
import http.server
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import h5py  # noqa: E402
import numpy as np  # noqa: E402

from zootools import zoo as zoo_runner  # noqa: E402

ZOO_SOURCE = zoo_runner.binary()
SEED = int(os.environ.get("ZOO_INTERRUPT_SEED", "7"))
EPOCHS = 30
TRAIN_SEED = "1"  # also the seed of the untrained backbone, so part of the feature cache key
# zoo names temporaries .FINAL.tmp-<pid>-<random> (the pid lets a later run remove stale ones)
TMP_RE = re.compile(r"^\.(?P<final>.+)\.tmp-(?:[0-9]+-)?[0-9A-Za-z]+$")
# The feature cache's per-entry lock files (flock; empty, never read as entries).
LOCK_RE = re.compile(r"^\.(?P<final>.+\.h5)\.lock$")
PROGRESS_RE = re.compile(r"\[[=>.]*\] +\d+%")


def rng_for(case):
    return random.Random(f"{SEED}:{case}")


# ---------------------------------------------------------------- running zoo

@pytest.fixture(scope="session")
def zoo(tmp_path_factory):
    """A private copy of the binary and its resource bundle."""
    src = os.path.realpath(ZOO_SOURCE)
    if not os.path.exists(src):
        pytest.fail(f"{src}: no zoo binary (build it or set ZOO)")
    d = tmp_path_factory.mktemp("zoo-bin")
    shutil.copy2(src, d / "zoo")
    for name in os.listdir(os.path.dirname(src)):
        if name.endswith(".resources"):
            shutil.copytree(os.path.join(os.path.dirname(src), name), d / name)
    return str(d / "zoo")


def zoo_env(cache_root, extra=None):
    return zoo_runner.environment(isolated=True, TF_CPP_MIN_LOG_LEVEL=3, ZOO_CACHE_DIR=cache_root, **(extra or {}))


class Result(zoo_runner.Result):
    def describe(self):
        return f"{' '.join(self.command)}\n  exit {self.returncode}\n  stderr tail: {self.stderr[-1500:]!r}"


def run(zoo, args, cwd, preexec_fn=None, timeout=150, env=None):
    r = zoo_runner.run(args, zoo=zoo, cwd=cwd, env=zoo_env(cwd / "zoo-cache-root", env), preexec_fn=preexec_fn,
                       timeout=timeout)
    if r.returncode is None:
        raise subprocess.TimeoutExpired(r.command, timeout, r.stdout, r.stderr)
    return Result(**vars(r))


STARTED = []  # Popen objects of this test, ended (by pid) at teardown if still running


@pytest.fixture(autouse=True)
def end_started_processes():
    yield
    while STARTED:
        p = STARTED.pop()
        if p.poll() is None:
            p.kill()
            p.wait()


class Proc:
    """A zoo process with its output in files, to be killed at a chosen moment."""

    def __init__(self, zoo, args, cwd, env=None):
        self.args = [str(a) for a in args]
        logs = cwd / "logs"
        logs.mkdir(exist_ok=True)
        stamp = time.monotonic_ns()
        self.out = open(logs / f"stdout-{stamp}", "w+")
        self.err = open(logs / f"stderr-{stamp}", "w+")
        self.start = time.monotonic()
        self.p = subprocess.Popen([zoo] + self.args, stdout=self.out, stderr=self.err, cwd=cwd,
                                  env=zoo_env(cwd / "zoo-cache-root", env))
        STARTED.append(self.p)
        self.killed_at = None

    def running(self):
        return self.p.poll() is None

    def kill(self, sig=signal.SIGKILL, inspect=None):
        """Freezes the process (SIGSTOP), records inspect() on the frozen state, then delivers
        sig (and SIGCONT, so that a SIGINT is acted upon). Returns the exit status."""
        self.state_at_kill = None
        if self.running():
            self.killed_at = time.monotonic() - self.start
            os.kill(self.p.pid, signal.SIGSTOP)
            self._wait_stopped()
            self.state_at_kill = inspect() if inspect else None
            os.kill(self.p.pid, sig)
            os.kill(self.p.pid, signal.SIGCONT)
        return self.wait()

    def _wait_stopped(self, timeout=2.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                with open(f"/proc/{self.p.pid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] in ("T", "t", "Z", "X"):
                        return
            except (FileNotFoundError, ProcessLookupError, IndexError):
                return
            time.sleep(0.0002)

    def wait(self, timeout=150):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise
        self.err.seek(0)
        self.stderr = self.err.read()
        self.out.close()
        self.err.close()
        return rc

    def wait_for(self, predicate, timeout=120, poll=0.001):
        """Polls predicate() until true; False if the process ended (or timeout) first."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return True
            if not self.running():
                return bool(predicate())
            time.sleep(poll)
        return False


# ---------------------------------------------------------------- checks (each returns a list of problems)

def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def weights(path, prefix=""):
    """{dataset path under /model_weights: array} for layers whose name starts with prefix
    (e.g. 'head_dense/head_dense/kernel:0')."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name.startswith(prefix):
                out[name] = obj[()]
        f["model_weights"].visititems(visit)
    return out


def weight_differences(path, reference):
    try:
        got = weights(path)
    except Exception as e:  # noqa: BLE001
        return [f"{path}: cannot read /model_weights ({e})"]
    problems = []
    for name, want in reference.items():
        if name not in got:
            problems.append(f"{path}: no /model_weights/{name}")
        elif got[name].dtype != want.dtype or got[name].shape != want.shape or \
                got[name].tobytes() != want.tobytes():
            diff = np.max(np.abs(got[name].astype(np.float64) - want.astype(np.float64))) \
                if got[name].shape == want.shape else "shape"
            problems.append(f"{path}: /model_weights/{name} differs from the uninterrupted run (max diff {diff})")
    return problems


def history_rows(path):
    with open(path, newline="") as f:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]


def listing_problems(directory, finals, before):
    """Only the final names, files that were there before, and `.FINAL.tmp-*` temporaries."""
    problems = []
    for name in sorted(os.listdir(directory)):
        if name in finals or name in before:
            continue
        m = TMP_RE.match(name)
        if m and m.group("final") in finals:
            continue
        problems.append(f"{directory}: unexpected file {name!r}")
    return problems


def cache_problems(cache):
    """Every entry (not temporary) opens and holds /features [N, D] and /labels [N] in full."""
    problems = []
    if not os.path.isdir(cache):
        return problems
    for name in sorted(os.listdir(cache)):
        path = os.path.join(cache, name)
        if TMP_RE.match(name) or LOCK_RE.match(name):
            continue
        if not name.endswith(".h5"):
            problems.append(f"{cache}: unexpected file {name!r}")
            continue
        try:
            with h5py.File(path, "r") as f:
                feats, labels = f["features"][()], f["labels"][()]
                key = f.attrs["cache_key"]
            if feats.ndim != 2 or labels.shape != (feats.shape[0],) or feats.shape[0] == 0:
                problems.append(f"{path}: /features {feats.shape}, /labels {labels.shape}")
            elif not np.all(np.isfinite(feats)) or labels.min() < 0 or labels.max() > 9:
                problems.append(f"{path}: non-finite features or labels out of 0..9")
            json.loads(key if isinstance(key, str) else key.decode())
        except Exception as e:  # noqa: BLE001
            problems.append(f"{path}: incomplete cache entry ({type(e).__name__}: {e})")
    return problems


def checkpoint_state(path):
    """The trainer state of a checkpoint, after reading every dataset in it in full."""
    with h5py.File(path, "r") as f:
        state = f.attrs["state"]
        state = json.loads(state if isinstance(state, str) else state.decode())
        f.visititems(lambda name, obj: obj[()] if isinstance(obj, h5py.Dataset) else None)
        if "weights" not in f:
            raise KeyError("no /weights")
    return state


def checkpoint_problems(directory, epochs):
    problems = listing_problems(directory, {"checkpoint.h5"}, set()) if os.path.isdir(directory) else []
    path = os.path.join(directory, "checkpoint.h5")
    if os.path.exists(path):
        try:
            state = checkpoint_state(path)
            if not 1 <= state["epochsDone"] <= epochs or len(state["history"]) != state["epochsDone"]:
                problems.append(f"{path}: epochsDone {state['epochsDone']}, {len(state['history'])} history rows")
        except Exception as e:  # noqa: BLE001
            problems.append(f"{path}: incomplete checkpoint ({type(e).__name__}: {e})")
    return problems


def stderr_problems(r, context=""):
    """A refused or failed run: non-zero exit (not a signal) and exactly one `zoo: error:`
    line; every other stderr line is a `zoo:` notice or a progress bar."""
    lines = [line for line in re.split(r"[\r\n]", r.stderr) if line.strip()]
    errors = [line for line in lines if line.startswith("zoo: error:")]
    other = [line for line in lines if not line.startswith("zoo: ") and not PROGRESS_RE.search(line)]
    problems = []
    if r.returncode < 0:
        problems.append(f"zoo died of signal {-r.returncode} ({signal.Signals(-r.returncode).name})")
    elif r.returncode == 0:
        problems.append("zoo exited 0")
    if len(errors) != 1:
        problems.append(f"{len(errors)} `zoo: error:` lines")
    if other:
        problems.append(f"{len(other)} other stderr lines, e.g. {other[:3]}")
    if problems:
        return [f"{context}{'; '.join(problems)}\n  {r.describe()}"]
    return []


def clarity_problems(r, names):
    """The error line names the file or directory and is not a raw Foundation error dump."""
    line = next((ln for ln in r.stderr.splitlines() if ln.startswith("zoo: error:")), "")
    problems = []
    if not any(str(n) in line for n in names):
        problems.append(f"error line names none of {[str(n) for n in names]}")
    for raw in ("Error Domain=", "UserInfo=", "(see `zoo help`)"):
        if raw in line:
            problems.append(f"error line contains {raw!r}")
    return [f"{'; '.join(problems)}: {line!r}\n  {r.describe()}"] if problems else []


# ---------------------------------------------------------------- the shared fine-tuning setup

def finetune_args(cache, ckpt, output, epochs=EPOCHS, resume=False):
    args = ["finetune", "--model", "vgg16", "--untrained", "--size", "32", "--epochs", epochs,
            "--seed", TRAIN_SEED, "--cache-dir", cache, "--output", output]
    if ckpt is not None:
        args += ["--checkpoint-dir", ckpt]
    return args + (["--resume"] if resume else [])


@dataclass
class Shared:
    cache: object = None                 # complete feature cache (train and test entries)
    prev_h5: object = None               # a previous good model (1 epoch, same seed)
    prev_csv: object = None
    entry_kill: dict = field(default_factory=dict)
    ref_head: dict = None                # head weights of the uninterrupted 30-epoch run
    ref_history: list = None
    ref_seconds: float = 0.0


@pytest.fixture(scope="session")
def shared(zoo, tmp_path_factory):
    """Builds the feature cache with an interrupted run: SIGKILL right after the first cache
    entry (train split) is renamed into place, then the same command again (must reuse that
    entry, compute the test split and finish: the 'previous good' 1-epoch model). Then an
    uninterrupted 30-epoch run is the reference."""
    s = Shared()
    d = tmp_path_factory.mktemp("shared")
    s.cache = d / "cache"
    prev_args = finetune_args(s.cache, None, d / "prev.h5", epochs=1)

    p = Proc(zoo, prev_args, d)

    def entry_done():
        return s.cache.is_dir() and any(n.endswith(".h5") and not n.startswith(".") for n in os.listdir(s.cache))
    reached = p.wait_for(entry_done, timeout=150)
    rc = p.kill()
    s.entry_kill = dict(reached=reached, rc=rc, killed_at=p.killed_at,
                        problems=cache_problems(s.cache) + listing_problems(d, {"prev.h5", "prev.history.csv"},
                                                                             {"cache", "logs"}),
                        entries=sorted(n for n in os.listdir(s.cache) if not n.startswith(".")),
                        prev_exists=os.path.exists(d / "prev.h5"))
    r = run(zoo, prev_args, d)
    s.entry_kill["rerun"] = r
    assert r.returncode == 0, r.describe()
    s.prev_h5, s.prev_csv = d / "prev.h5", d / "prev.history.csv"

    ref = d / "ref"
    ref.mkdir()
    r = run(zoo, finetune_args(s.cache, ref / "ck", ref / "out.h5"), ref)
    assert r.returncode == 0, r.describe()
    s.ref_seconds = r.seconds
    s.ref_head = weights(ref / "out.h5", prefix="head_")
    s.ref_history = history_rows(ref / "out.history.csv")
    assert len(s.ref_head) == 4 and len(s.ref_history) == EPOCHS, (list(s.ref_head), len(s.ref_history))
    return s


def test_kill_right_after_cache_entry(shared):
    k = shared.entry_kill
    assert k["reached"], "the first feature-cache entry never appeared"
    assert k["rc"] == -signal.SIGKILL, f"expected the kill to land mid-run, exit {k['rc']}"
    assert k["problems"] == [], "\n".join(k["problems"])
    assert len(k["entries"]) == 1 and not k["prev_exists"], k
    assert "train features from the cache" in k["rerun"].stderr, k["rerun"].describe()


def workdir(shared, tmp_path, with_previous=True, with_cache=True):
    out = tmp_path / "out"
    out.mkdir()
    if with_previous:
        shutil.copy2(shared.prev_h5, out / "out.h5")
        shutil.copy2(shared.prev_csv, out / "out.history.csv")
    if with_cache:
        shutil.copytree(shared.cache, tmp_path / "cache")
    return out


def aftermath_problems(zoo, shared, tmp_path, out, had_previous):
    """What must hold after any interruption of finetune_args(tmp/cache, tmp/ck, out/out.h5)."""
    problems = listing_problems(out, {"out.h5", "out.history.csv"}, set())
    h5, hist = out / "out.h5", out / "out.history.csv"
    if os.path.exists(h5):
        if had_previous and sha(h5) == sha(shared.prev_h5):
            pass
        else:
            r = run(zoo, ["evaluate", "--model-file", h5, "--limit", "100"], tmp_path)
            if r.returncode != 0:
                problems.append(f"{h5} is neither the previous file nor a complete model:\n  {r.describe()}")
            else:
                problems += weight_differences(h5, shared.ref_head)
    elif had_previous:
        problems.append(f"{h5}: the previous good file is gone")
    if os.path.exists(hist):
        if not (had_previous and sha(hist) == sha(shared.prev_csv)):
            try:
                if history_rows(hist) != shared.ref_history:
                    problems.append(f"{hist}: neither the previous history nor the finished run's")
            except Exception as e:  # noqa: BLE001
                problems.append(f"{hist}: unreadable ({e})")
    elif had_previous:
        problems.append(f"{hist}: the previous history is gone")
    problems += cache_problems(tmp_path / "cache")
    problems += checkpoint_problems(tmp_path / "ck", EPOCHS)
    return problems


def resume_problems(zoo, shared, tmp_path, out):
    """A --resume rerun after the interruption finishes exactly as the uninterrupted run."""
    if not os.path.exists(tmp_path / "ck" / "checkpoint.h5"):
        return []
    r = run(zoo, finetune_args(tmp_path / "cache", tmp_path / "ck", out / "out.h5", resume=True), tmp_path)
    if r.returncode != 0:
        return [f"--resume after the interruption failed:\n  {r.describe()}"]
    problems = weight_differences(out / "out.h5", shared.ref_head)
    if history_rows(out / "out.history.csv") != shared.ref_history:
        problems.append("history after --resume differs from the uninterrupted run's")
    return problems + listing_problems(out, {"out.h5", "out.history.csv"}, set())


# Each case: (id, signal, moment, a previous good out.h5 exists, a warm feature cache).
KILL_CASES = [
    ("kill-features", signal.SIGKILL, "features", True, False),
    ("kill-training", signal.SIGKILL, "training", True, True),
    ("kill-training-fresh", signal.SIGKILL, "training", False, True),
    ("kill-checkpoint-tmp", signal.SIGKILL, "checkpoint-tmp", True, True),
    ("kill-export-tmp", signal.SIGKILL, "export-tmp", True, True),
    ("kill-after-rename", signal.SIGKILL, "after-rename", True, True),
    ("kill-anytime", signal.SIGKILL, "anytime", True, True),
    ("int-training", signal.SIGINT, "training", True, True),
    ("int-export-tmp", signal.SIGINT, "export-tmp", False, True),
]


@pytest.mark.parametrize("case,sig,moment,previous,warm", KILL_CASES, ids=[c[0] for c in KILL_CASES])
def test_interrupted_finetune(zoo, shared, tmp_path, case, sig, moment, previous, warm):
    rng = rng_for(case)
    # The export's temporary file lives for ~25 ms, a checkpoint's for ~2 ms: retry until the
    # signal lands while one exists.
    narrow = moment in ("export-tmp", "checkpoint-tmp")
    for attempt in range(4 if narrow else 1):
        base = tmp_path / f"attempt{attempt}"
        base.mkdir()
        out = workdir(shared, base, with_previous=previous, with_cache=warm)
        prev_inode = os.stat(out / "out.h5").st_ino if previous else None
        ckpt = base / "ck" / "checkpoint.h5"

        def tmp_exists():
            return any(TMP_RE.match(n) and n.startswith(".out.h5.") for n in os.listdir(out))

        def ckpt_tmp_exists():
            return ckpt.parent.is_dir() and any(TMP_RE.match(n) for n in os.listdir(ckpt.parent))

        def renamed():
            try:
                return os.stat(out / "out.h5").st_ino != prev_inode
            except FileNotFoundError:
                return False

        def state():
            return {"files": sorted(os.listdir(out)), "out.h5 replaced": renamed(),
                    "checkpoint files": sorted(os.listdir(ckpt.parent)) if ckpt.parent.is_dir() else None,
                    "checkpoint epochs": checkpoint_state(ckpt)["epochsDone"] if ckpt.exists() else None}

        p = Proc(zoo, finetune_args(base / "cache", base / "ck", out / "out.h5"), base)
        if moment == "features":
            time.sleep(rng.uniform(0.3, 5.0))
        elif moment == "training":
            assert p.wait_for(ckpt.exists), "no checkpoint appeared"
            time.sleep(rng.uniform(0.0, 0.4) * shared.ref_seconds)
        elif moment == "export-tmp":
            assert p.wait_for(tmp_exists, poll=0.0001), "never saw the export's temporary file"
            time.sleep(rng.uniform(0.0, 0.015) if attempt < 2 else 0)
        elif moment == "checkpoint-tmp":
            assert p.wait_for(ckpt.exists), "no checkpoint appeared"
            time.sleep(rng.uniform(0.0, 0.3) * shared.ref_seconds)
            p.wait_for(ckpt_tmp_exists, poll=0.00002)
        elif moment == "after-rename":
            assert p.wait_for(renamed, poll=0.0001), "out.h5 was never replaced"
        elif moment == "anytime":
            time.sleep(rng.uniform(0.0, shared.ref_seconds))
        rc = p.kill(sig, inspect=state)
        at = p.state_at_kill or {}
        if moment == "export-tmp" and tmp_exists() and not at.get("out.h5 replaced"):
            break
        if moment == "checkpoint-tmp" and any(TMP_RE.match(n) for n in at.get("checkpoint files") or []):
            break
        if not narrow:
            break
    note = f"[seed {SEED}, {case}, attempt {attempt}: {signal.Signals(sig).name} at {p.killed_at}s, exit {rc}, state then {at}]"
    print(note)
    if moment == "export-tmp":
        assert at and not at["out.h5 replaced"] and any(TMP_RE.match(n) for n in at["files"]), \
            f"{note}: the signal never landed while the export was being written"
    if moment == "checkpoint-tmp":
        assert any(TMP_RE.match(n) for n in at.get("checkpoint files") or []), \
            f"{note}: the signal never landed while a checkpoint was being written"
    problems = aftermath_problems(zoo, shared, base, out, previous)
    assert problems == [], note + "\n" + "\n".join(problems)
    if moment in ("training", "checkpoint-tmp", "export-tmp", "anytime"):
        problems = resume_problems(zoo, shared, base, out)
        assert problems == [], note + "\n" + "\n".join(problems)


# ---------------------------------------------------------------- resume after SIGKILL

def kill_after_checkpoint(zoo, args, cwd, ckpt, k, epochs):
    """Starts zoo and SIGKILLs it as soon as the checkpoint records >= k epochs. Returns the
    epoch count of the checkpoint it left, or None if the run ended before the kill."""
    p = Proc(zoo, args, cwd)
    seen = [None]

    def reached():
        try:
            st = os.stat(ckpt)
        except FileNotFoundError:
            return False
        if (st.st_ino, st.st_mtime_ns) == seen[0]:
            return False
        seen[0] = (st.st_ino, st.st_mtime_ns)
        try:
            return checkpoint_state(ckpt)["epochsDone"] >= k
        except Exception:  # noqa: BLE001  (cannot happen with atomic renames; checked below)
            return False
    p.wait_for(reached, timeout=150, poll=0.0002)
    rc = p.kill()
    if rc != -signal.SIGKILL:
        return None
    done = checkpoint_state(ckpt)["epochsDone"]
    return done if done < epochs else None


def test_resume_finetune(zoo, shared, tmp_path):
    k = rng_for("resume-finetune").randint(2, EPOCHS - 5)
    out = workdir(shared, tmp_path, with_previous=False)
    args = finetune_args(tmp_path / "cache", tmp_path / "ck", out / "out.h5")
    done = kill_after_checkpoint(zoo, args, tmp_path, tmp_path / "ck" / "checkpoint.h5", k, EPOCHS)
    assert done is not None, f"could not interrupt the run after epoch {k}"
    print(f"[seed {SEED}] finetune killed after the checkpoint of epoch {done} (aimed at {k}) of {EPOCHS}")
    assert not os.path.exists(out / "out.h5")
    r = run(zoo, args + ["--resume"], tmp_path)
    assert r.returncode == 0, r.describe()
    assert f"resuming after epoch {done}" in r.stderr, r.describe()
    assert weight_differences(out / "out.h5", shared.ref_head) == []
    assert history_rows(out / "out.history.csv") == shared.ref_history


def test_resume_train_mlp(zoo, tmp_path):
    epochs = 4
    base = ["train", "--model", "mlp", "--limit", "800", "--epochs", epochs, "--seed", "3"]
    ref = run(zoo, base + ["--output", tmp_path / "ref.h5"], tmp_path)
    assert ref.returncode == 0, ref.describe()
    ref_weights = weights(tmp_path / "ref.h5")
    assert sorted({n.split("/")[0] for n in ref_weights}) == ["fc1", "fc2", "predictions"], list(ref_weights)
    rng = rng_for("resume-mlp")
    for attempt in range(6):  # an epoch takes ~50 ms: retry if the run got past the last epoch
        k = rng.randint(1, epochs - 1)
        ck, out = tmp_path / f"ck{attempt}", tmp_path / f"out{attempt}.h5"
        args = base + ["--checkpoint-dir", ck, "--output", out]
        done = kill_after_checkpoint(zoo, args, tmp_path, ck / "checkpoint.h5", k, epochs)
        if done is not None:
            break
    else:
        pytest.fail("could not SIGKILL `zoo train` between two epochs in 6 attempts")
    print(f"[seed {SEED}] train mlp killed after the checkpoint of epoch {done} (aimed at {k}) of {epochs}, attempt {attempt}")
    assert not os.path.exists(out)
    r = run(zoo, args + ["--resume"], tmp_path)
    assert r.returncode == 0, r.describe()
    assert f"resuming after epoch {done}" in r.stderr, r.describe()
    assert weight_differences(out, ref_weights) == []
    assert history_rows(str(out)[:-3] + ".history.csv") == history_rows(tmp_path / "ref.history.csv")


# ---------------------------------------------------------------- weight downloads

NOTOP = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"  # the official name in the Keras cache
OTHER = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG16_BLOCKS = [[3, 64, 64], [64, 128, 128], [128, 256, 256, 256], [256, 512, 512, 512], [512, 512, 512, 512]]


def write_vgg16_notop(path, seed):
    """A VGG16 no-top weight file in the official Keras 2 layout (58.9 MB, seeded weights)."""
    rng = np.random.default_rng(seed)
    names = ["input_1"]
    with h5py.File(path, "w") as f:
        f.create_group("input_1").attrs["weight_names"] = np.array([], dtype="S1")
        for b, channels in enumerate(VGG16_BLOCKS, 1):
            for i, (cin, cout) in enumerate(zip(channels, channels[1:]), 1):
                name = f"block{b}_conv{i}"
                g = f.create_group(name)
                g.attrs["weight_names"] = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()]
                g[f"{name}/kernel:0"] = rng.standard_normal((3, 3, cin, cout), dtype=np.float32) * 0.01
                g[f"{name}/bias:0"] = np.zeros(cout, np.float32)
                names.append(name)
            f.create_group(f"block{b}_pool").attrs["weight_names"] = np.array([], dtype="S1")
            names.append(f"block{b}_pool")
        f.attrs["layer_names"] = [n.encode() for n in names]
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["backend"] = b"tensorflow"


class SlowFileHandler(http.server.BaseHTTPRequestHandler):
    """GET /NAME sends server.files[NAME] with its Content-Length, at server.rate bytes/s."""

    def do_GET(self):
        data = self.server.files.get(self.path.lstrip("/"))
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        chunk = 1 << 18
        try:
            for i in range(0, len(data), chunk):
                self.wfile.write(memoryview(data)[i:i + chunk])
                time.sleep(chunk / self.server.rate)
        except (BrokenPipeError, ConnectionResetError):
            pass  # zoo was killed

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def notop_weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / NOTOP
    write_vgg16_notop(path, seed=3)
    return path.read_bytes()


@pytest.fixture
def weight_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowFileHandler)
    server.daemon_threads = True
    server.files, server.rate = {}, 1e9
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def download_setup(tmp_path, server, data, md5):
    """A Keras cache holding another model's weights, and a catalogue sending zoo to `server` for
    VGG16's files. Returns (environment, models directory, {name: sha256} of the other file)."""
    server.files[NOTOP] = data
    models = tmp_path / "keras" / "models"
    models.mkdir(parents=True)
    (models / OTHER).write_bytes(random.Random(1).randbytes(1 << 20))
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    entry = {"name": "vgg16",
             "weightsNoTop": {"fileName": NOTOP, "url": url + NOTOP, "md5": md5, "bytes": len(data)},
             "weightsTop": {"fileName": "top.h5", "url": url + "top.h5", "md5": md5, "bytes": 1}}
    (tmp_path / "catalogue.json").write_text(json.dumps([entry]))
    env = {"KERAS_HOME": str(tmp_path / "keras"), "ZOO_WEIGHTS_CATALOGUE": str(tmp_path / "catalogue.json"),
           "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
    return env, models, {OTHER: sha(models / OTHER)}


def temporaries(directory):
    """{pid: size} of the `.NOTOP.tmp-<pid>-*` files in directory."""
    out = {}
    for name in os.listdir(directory):
        m = re.match(r"^\." + re.escape(NOTOP) + r"\.tmp-([0-9]+)-", name)
        if m:
            try:
                out[int(m.group(1))] = os.path.getsize(os.path.join(directory, name))
            except FileNotFoundError:
                pass
    return out


def test_kill_during_weight_download(zoo, tmp_path, notop_weights, weight_server):
    rng = rng_for("download")
    data = notop_weights
    env, models, others = download_setup(tmp_path, weight_server, data, hashlib.md5(data).hexdigest())
    weight_server.rate = 25e6  # ~2.4 s for the file
    args = ["load", "vgg16", "--size", "32"]
    killed = []
    problems = []
    for k in range(4):
        target = int(rng.uniform(0.05, 0.95) * len(data))
        p = Proc(zoo, args, tmp_path, env=env)
        reached = p.wait_for(lambda: temporaries(models).get(p.p.pid, 0) >= target, timeout=60, poll=0.005)
        rc = p.kill(inspect=lambda: temporaries(models))
        at = p.state_at_kill
        note = f"[seed {SEED}, kill {k} at {target} of {len(data)} bytes, {p.killed_at:.2f} s, exit {rc}, temporaries then {at}]"
        print(note)
        if not reached or rc != -signal.SIGKILL:
            problems.append(f"{note}: the kill did not land during the download\n  stderr: {p.stderr[-800:]!r}")
            continue
        # The temporaries of the runs killed before were removed when this one started writing.
        if set(at) != {p.p.pid}:
            problems.append(f"{note}: temporaries of other runs were left: {at}")
        if os.path.exists(models / NOTOP):
            problems.append(f"{note}: {NOTOP} exists after the kill")
        killed.append(p.p.pid)
        problems += [f"{note}: {n}" for n in listing_problems(models, {NOTOP}, set(others))]
    r = run(zoo, args, tmp_path, env=env, timeout=120)
    if r.returncode != 0 or "downloading " + NOTOP not in r.stderr or "26 loaded" not in r.stdout:
        problems.append(f"the uninterrupted run did not download and load the file:\n  {r.describe()}")
    elif (models / NOTOP).read_bytes() != data:
        problems.append(f"{NOTOP} differs from the served file (md5 {hashlib.md5((models / NOTOP).read_bytes()).hexdigest()})")
    if sorted(os.listdir(models)) != sorted([NOTOP, *others]):
        problems.append(f"{models} holds {sorted(os.listdir(models))} after the uninterrupted run")
    problems += [f"{name} changed" for name, digest in others.items() if sha(models / name) != digest]
    assert len(killed) == 4 and problems == [], "\n".join(problems)


def test_weight_download_md5_mismatch(zoo, tmp_path, notop_weights, weight_server):
    wrong = hashlib.md5(b"another file").hexdigest()
    env, models, others = download_setup(tmp_path, weight_server, notop_weights, wrong)
    r = run(zoo, ["load", "vgg16", "--size", "32"], tmp_path, env=env)
    problems = stderr_problems(r, "[md5 mismatch] ") + clarity_problems(r, [NOTOP])
    line = next((ln for ln in r.stderr.splitlines() if ln.startswith("zoo: error:")), "")
    if r.returncode != 5 or f"md5 mismatch for {models / NOTOP}: expected {wrong}, got {hashlib.md5(notop_weights).hexdigest()}" not in line:
        problems.append(f"expected exit status 5 and the md5s in the error line:\n  {r.describe()}")
    if sorted(os.listdir(models)) != sorted(others):
        problems.append(f"{models} holds {sorted(os.listdir(models))}")
    problems += [f"{name} changed" for name, digest in others.items() if sha(models / name) != digest]
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------- full disk

def fsize_limit(limit):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return pre


# (id, args after `zoo`, file-size limit); OUT is the output directory, CACHE the warm cache.
FULL_DISK_CASES = [
    ("features-copy-from-cache", ["features", "--model", "vgg16", "--untrained", "--seed", TRAIN_SEED,
                                  "--split", "train", "--cache-dir", "CACHE", "--output", "OUT/f.h5"], 1 << 20),
    ("features-no-cache", ["features", "--model", "vgg16", "--untrained", "--split", "test", "--limit", "200",
                           "--no-cache", "--output", "OUT/f.h5"], 100_000),
    ("features-cache-entry", ["features", "--model", "vgg16", "--untrained", "--split", "test", "--limit", "200",
                              "--cache-dir", "OUT/cache", "--output", "OUT/f.h5"], 100_000),
    ("finetune-export", ["finetune", "--model", "vgg16", "--untrained", "--seed", TRAIN_SEED, "--epochs", "2",
                         "--cache-dir", "CACHE", "--checkpoint-dir", "OUT/ck", "--output", "OUT/m.h5"], 4 << 20),
    ("finetune-checkpoint", ["finetune", "--model", "vgg16", "--untrained", "--seed", TRAIN_SEED, "--epochs", "2",
                             "--cache-dir", "CACHE", "--checkpoint-dir", "OUT/ck", "--output", "OUT/m.h5"], 1 << 20),
    ("train-export", ["train", "--model", "mlp", "--limit", "300", "--epochs", "1", "--output", "OUT/m.h5"], 500_000),
]


def fill(args, out, cache):
    return [str(a).replace("OUT", str(out)).replace("CACHE", str(cache)) for a in args]


def files_under(directory):
    return sorted(os.path.relpath(os.path.join(r, f), directory) for r, _, fs in os.walk(directory) for f in fs)


def leftover_problems(directory):
    """After a failed write: no output under its final name, no temporary left behind (zoo
    removes them on errors); a checkpoint of an earlier epoch or a cache entry that did fit
    may stay, but only complete."""
    problems = []
    for rel in files_under(directory):
        parts = rel.split(os.sep)
        if parts == ["ck", "checkpoint.h5"] or (parts[0] == "cache" and len(parts) == 2 and not TMP_RE.match(parts[1])):
            continue
        problems.append(f"{os.path.join(directory, rel)} left behind")
    return problems + checkpoint_problems(os.path.join(directory, "ck"), 1000) + \
        cache_problems(os.path.join(directory, "cache"))


@pytest.mark.parametrize("case,args,limit", FULL_DISK_CASES, ids=[c[0] for c in FULL_DISK_CASES])
def test_file_size_limit(zoo, shared, tmp_path, case, args, limit):
    out = tmp_path / "out"
    out.mkdir()
    r = run(zoo, fill(args, out, shared.cache), tmp_path, preexec_fn=fsize_limit(limit))
    problems = stderr_problems(r, f"[{case}, RLIMIT_FSIZE {limit}] ") + leftover_problems(out)
    assert problems == [], "\n".join(problems)


@pytest.fixture
def tiny_fs(tmp_path):
    """A 1 MiB tmpfs (needs root; skipped otherwise)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {r.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


TINY_FS_CASES = [
    ("features", ["features", "--model", "vgg16", "--untrained", "--seed", TRAIN_SEED, "--split", "train",
                  "--cache-dir", "CACHE", "--output", "OUT/f.h5"]),
    ("finetune", ["finetune", "--model", "vgg16", "--untrained", "--seed", TRAIN_SEED, "--epochs", "1",
                  "--cache-dir", "CACHE", "--output", "OUT/m.h5"]),
    ("train", ["train", "--model", "mlp", "--limit", "300", "--epochs", "1", "--output", "OUT/m.h5"]),
]


@pytest.mark.parametrize("case,args", TINY_FS_CASES, ids=[c[0] for c in TINY_FS_CASES])
def test_full_filesystem(zoo, shared, tmp_path, tiny_fs, case, args):
    r = run(zoo, fill(args, tiny_fs, shared.cache), tmp_path)
    problems = stderr_problems(r, f"[{case} on a 1 MiB tmpfs] ") + leftover_problems(tiny_fs)
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------- refused runs

@pytest.fixture
def locked_dir(tmp_path):
    """A directory nobody, root included, can create files in (chattr +i as root, else mode 555)."""
    d = tmp_path / "locked"
    d.mkdir()
    if os.geteuid() == 0:
        r = subprocess.run(["chattr", "+i", str(d)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"chattr +i failed: {r.stderr.strip()}")
    else:
        d.chmod(0o555)
    try:
        yield d
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(d)], capture_output=True)
        d.chmod(0o755)


MLP = ["train", "--model", "mlp", "--limit", "300", "--epochs", "1"]
# (id, args; LOCKED = the unwritable directory, MISSING = a directory that does not exist,
#  FILE = a regular file, T = tmp_path; names: what the message must mention)
REFUSED_CASES = [
    ("train-output-locked", MLP + ["--output", "LOCKED/m.h5"], ["LOCKED/m.h5"]),
    ("train-output-missing-dir", MLP + ["--output", "MISSING/m.h5"], ["MISSING/m.h5"]),
    ("train-output-under-a-file", MLP + ["--output", "FILE/m.h5"], ["FILE/m.h5"]),
    ("finetune-output-locked", ["finetune", "--model", "vgg16", "--untrained", "--seed", TRAIN_SEED, "--epochs", "1",
                                "--cache-dir", "CACHE", "--output", "LOCKED/m.h5"], ["LOCKED/m.h5"]),
    ("features-output-locked", ["features", "--model", "vgg16", "--untrained", "--seed", TRAIN_SEED,
                                "--cache-dir", "CACHE", "--output", "LOCKED/f.h5"], ["LOCKED/f.h5"]),
    ("checkpoint-dir-locked", MLP + ["--output", "T/m.h5", "--checkpoint-dir", "LOCKED"], ["LOCKED"]),
    ("checkpoint-dir-in-locked", MLP + ["--output", "T/m.h5", "--checkpoint-dir", "LOCKED/ck"], ["LOCKED/ck"]),
    ("tensorboard-in-locked", MLP + ["--output", "T/m.h5", "--tensorboard", "LOCKED/tb"], ["LOCKED/tb"]),
    ("plot-in-locked", MLP + ["--output", "T/m.h5", "--plot", "LOCKED/p.svg"], ["LOCKED/p.svg"]),
    ("cache-dir-in-locked", ["finetune", "--model", "vgg16", "--untrained", "--epochs", "1", "--limit", "50",
                             "--cache-dir", "LOCKED/cache", "--output", "T/m.h5"], ["LOCKED/cache"]),
    ("resume-no-checkpoint", MLP + ["--output", "T/m.h5", "--checkpoint-dir", "T/ck", "--resume"],
     ["T/ck/checkpoint.h5"]),
    ("resume-no-checkpoint-dir", MLP + ["--output", "T/m.h5", "--checkpoint-dir", "MISSING/ck", "--resume"],
     ["MISSING/ck/checkpoint.h5"]),
    ("finetune-resume-no-checkpoint", ["finetune", "--model", "vgg16", "--untrained", "--seed", TRAIN_SEED,
                                       "--epochs", "1", "--cache-dir", "CACHE", "--checkpoint-dir", "T/ck",
                                       "--output", "T/m.h5", "--resume"], ["T/ck/checkpoint.h5"]),
]


@pytest.mark.parametrize("case,args,names", REFUSED_CASES, ids=[c[0] for c in REFUSED_CASES])
def test_refused(zoo, shared, tmp_path, locked_dir, case, args, names):
    (tmp_path / "afile").write_text("not a directory\n")
    (tmp_path / "ck").mkdir()
    subs = {"LOCKED": str(locked_dir), "MISSING": str(tmp_path / "missing"), "FILE": str(tmp_path / "afile"),
            "CACHE": str(shared.cache), "T": str(tmp_path)}

    def fill_one(a):
        return re.sub(r"\b(LOCKED|MISSING|FILE|CACHE|T)\b", lambda m: subs[m.group(1)], str(a))
    r = run(zoo, [fill_one(a) for a in args], tmp_path)
    problems = stderr_problems(r, f"[{case}] ") + clarity_problems(r, [fill_one(n) for n in names])
    if os.listdir(locked_dir):
        problems.append(f"{locked_dir} is not empty: {os.listdir(locked_dir)}")
    assert problems == [], "\n".join(problems)


def test_resume_other_runs_checkpoint(zoo, tmp_path):
    """A checkpoint of another run (other seed) or a truncated one is refused in one line."""
    base = ["train", "--model", "mlp", "--limit", "300", "--epochs", "2", "--checkpoint-dir", tmp_path / "ck"]
    r = run(zoo, base + ["--seed", "1", "--output", tmp_path / "a.h5"], tmp_path)
    assert r.returncode == 0, r.describe()
    r = run(zoo, base + ["--seed", "2", "--resume", "--output", tmp_path / "b.h5"], tmp_path)
    problems = stderr_problems(r, "[other run] ") + clarity_problems(r, [tmp_path / "ck" / "checkpoint.h5"])
    ckpt = tmp_path / "ck" / "checkpoint.h5"
    data = ckpt.read_bytes()
    ckpt.write_bytes(data[: len(data) // 2])
    r = run(zoo, base + ["--seed", "1", "--resume", "--output", tmp_path / "c.h5"], tmp_path)
    problems += stderr_problems(r, "[truncated checkpoint] ") + clarity_problems(r, [ckpt])
    for name in ("b.h5", "c.h5"):
        if os.path.exists(tmp_path / name):
            problems.append(f"{name} was written by a refused run")
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------- exit status 6 for every writer

def leave_free(fs, nbytes):
    """Fills the tmpfs `fs` with a hidden file until about `nbytes` remain free."""
    filler = fs / ".filler"
    filler.unlink(missing_ok=True)
    stat = os.statvfs(fs)
    free = stat.f_bavail * stat.f_frsize
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - nbytes))




def writer_args(zoo, tmp_path, fs, args):
    """`args` with FS and T filled in; trains the model a `predict` case reads first."""
    if "T/mlp.h5" in args:
        run(zoo, MLP + ["--output", tmp_path / "mlp.h5"], tmp_path)
    subs = {"FS": str(fs), "T": str(tmp_path)}
    return [re.sub(r"\b(FS|T)(?=/)", lambda m: subs[m.group(1)], str(a)) for a in args]

# (id, args after `zoo` (FS: the full file system, T: elsewhere), bytes left free, what the line names)
WRITER_CASES = [
    ("model-export", MLP + ["--output", "FS/m.h5"], 4096, "FS/m.h5"),
    ("checkpoint", MLP + ["--output", "T/m.h5", "--checkpoint-dir", "FS/ck"], 4096, "FS/ck"),
    ("tensorboard", MLP + ["--epochs", "3", "--output", "T/m.h5", "--tensorboard", "FS/tb", "--histogram-freq", "1"], 6000,
     "FS/tb/"),
    ("plot", MLP + ["--output", "T/m.h5", "--plot", "FS/p.svg"], 2000, "FS/p.svg"),
    ("predictions", ["predict", "--model-file", "T/mlp.h5", "--limit", "500", "--output", "FS/p.h5"], 1000, "FS/p.h5"),
    ("features-output", ["features", "--model", "vgg16", "--untrained", "--limit", "60", "--no-cache",
                         "--output", "FS/f.h5"], 20_000, "FS/f.h5"),
    ("features-cache-entry", ["features", "--model", "vgg16", "--untrained", "--limit", "60", "--cache-dir", "FS/cache",
                              "--output", "T/f.h5"], 20_000, "FS/cache/"),
]


@pytest.mark.parametrize("case,args,free,names", WRITER_CASES, ids=[c[0] for c in WRITER_CASES])
def test_full_disk_is_exit_6(zoo, tmp_path, tiny_fs, case, args, free, names):
    """Every writer on a full file system: exit status 6, one line naming the file, and no
    partial file (TensorBoard's event files, which are logs, keep only whole records)."""
    filled = writer_args(zoo, tmp_path, tiny_fs, args)
    leave_free(tiny_fs, free)
    r = run(zoo, filled, tmp_path)
    problems = stderr_problems(r, f"[{case}, {free} bytes free] ") + clarity_problems(r, [str(tiny_fs) + names[2:]])
    if r.returncode != 6:
        problems.append(f"exit status {r.returncode}, not 6")
    if "No space left on device" not in r.stderr:
        problems.append(f"the reason is not the OS's: {r.stderr!r}")
    for rel in files_under(tiny_fs):
        path = tiny_fs / rel
        if rel == ".filler" or (rel.startswith("cache" + os.sep) and LOCK_RE.match(os.path.basename(rel))):
            continue
        if "tfevents" in rel:
            problems += event_file_problems(path)
        else:
            problems.append(f"{path} left behind")
    assert problems == [], "\n".join(problems)


def event_file_problems(path):
    """A TFRecord stream of whole records with good length CRCs, starting with the version event."""
    data = path.read_bytes()
    at, records = 0, 0
    while at < len(data):
        if len(data) - at < 12:
            return [f"{path}: {len(data) - at} trailing bytes"]
        length = int.from_bytes(data[at:at + 8], "little")
        if at + 16 + length > len(data):
            return [f"{path}: record at {at} cut short"]
        at += 16 + length
        records += 1
    return [] if records and b"brain.Event:2" in data[:64] else [f"{path}: no version record"]


@pytest.fixture
def read_only_fs(tiny_fs):
    r = subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot remount read-only: {r.stderr.strip()}")
    return tiny_fs


@pytest.mark.parametrize("case,args,free,names", WRITER_CASES, ids=[c[0] for c in WRITER_CASES])
def test_read_only_output_is_exit_6(zoo, tmp_path, read_only_fs, case, args, free, names):
    r = run(zoo, writer_args(zoo, tmp_path, read_only_fs, args), tmp_path)
    problems = stderr_problems(r, f"[{case}, read-only] ") + clarity_problems(r, [str(read_only_fs) + names[2:].rstrip("/")])
    if r.returncode != 6:
        problems.append(f"exit status {r.returncode}, not 6")
    assert problems == [], "\n".join(problems)


def test_download_to_full_disk_is_exit_6(zoo, tmp_path, tiny_fs, notop_weights, weight_server):
    """Official weights downloaded into a Keras cache on a full file system: exit status 6 (not
    5, the server is fine), one line naming the file, nothing left in the cache."""
    env, _, _ = download_setup(tmp_path, weight_server, notop_weights, hashlib.md5(notop_weights).hexdigest())
    env["KERAS_HOME"] = str(tiny_fs / "keras")
    r = run(zoo, ["load", "vgg16", "--size", "32"], tmp_path, env=env)
    problems = stderr_problems(r, "[download, 1 MiB tmpfs] ") + clarity_problems(r, [tiny_fs / "keras" / "models" / NOTOP])
    if r.returncode != 6:
        problems.append(f"exit status {r.returncode}, not 6")
    if "No space left on device" not in r.stderr:
        problems.append(f"the reason is not the OS's: {r.stderr!r}")
    left = files_under(tiny_fs)
    if left:
        problems.append(f"{tiny_fs} holds {left}")
    assert problems == [], "\n".join(problems)
