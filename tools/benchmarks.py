#!/usr/bin/env python3
"""zoo against Keras (TensorFlow) and PyTorch on this machine: writes BENCHMARKS.md and benchmarks.json.

Run through tools/bench.sh (it makes the venv, with torch from tools/requirements-bench.txt):

  tools/bench.sh                 # everything (~20 minutes on 2 quiet cores)
  tools/bench.sh --quick         # smoke run: tiny batches and data, every row, ~3 minutes
  tools/bench.sh --only forward --models vgg16 --sizes 32   # some rows (see --help)

Every measurement runs in its own process, one after another, on --threads threads (OpenBLAS,
TensorFlow intra- and inter-op, torch intra- and inter-op), and its peak RSS is that process's
ru_maxrss (os.wait4). zoo and the cblas_sgemm peak run with OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE removed from their environment (they make OpenBLAS pick a slower kernel);
Keras and PyTorch keep the caller's environment except thread counts (OMP/MKL/OPENBLAS_NUM_THREADS).

Rows (--only):
  sgemm     cblas_sgemm GFLOP/s, square 2048-4096, best of 3, on 1 and --threads threads
  forward   VGG16/ResNet50 without top, 32/48 px (batch 64, 3 warm-up batches, >= 5 s) and 224 px
            (batch 64, 2 warm-up batches, 3 timed batches)
  features  VGG16 @32 avg-pool features of 10,000 digits, preprocessing included
  head      Dense(256)+Dropout(0.5)+Dense(10) on 60,000 x 512 features, Adam, batch 128
  train     mlp and cnn from scratch on 60,000 digits, batch 128
  families  one model per keras.applications family (--family-models), without top: forward
            images/s at 224 px (batch 16, 2 warm-up batches, 3 timed batches) and at 32 px or the
            family's minimum size (batch 64, >= 5 s), zoo against Keras and ONNX Runtime
            (tools/bench_onnx.py: the same tf_keras model converted by tf2onnx, CPU, --threads
            intra-op threads); a model zoo's catalogue lacks is skipped with a note
Each framework's number is its best configuration: Keras forward the faster of a tf.function call
and model.predict, Keras training the faster of Keras 3 and tf_keras, PyTorch forward/features the
faster of channels_last and contiguous (NCHW); training rows report the fastest epoch.
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

from zootools import MNIST_SAMPLE, ROOT, mnist, zoo as zoo_runner

TOOLS = os.path.join(ROOT, "tools")
WORK = os.path.join(ROOT, ".build", "bench")
FASHION = "/usr/share/datasets/fashion-mnist"  # Debian's dataset-fashion-mnist: 60,000 + 10,000 IDX
BLAS_ENV_DROPPED = zoo_runner.BLAS_OVERRIDES
FRAMEWORKS = ("zoo", "keras", "pytorch")
LABEL = {"zoo": "zoo", "keras": "Keras", "pytorch": "PyTorch"}
GROUPS = ("sgemm", "forward", "features", "head", "train")
GROUPS += ("families",)
# ONNX Runtime is a peer of the families rows only; the other tables keep their three columns.
PEERS = FRAMEWORKS + ("onnxruntime",)
LABEL["onnxruntime"] = "ONNX Runtime"
FAMILY_MODELS = "vgg19,resnet101,resnet50v2,densenet121,mobilenet,mobilenetv2,inceptionv3,xception,efficientnetb0"
BUSY_SHARE = 0.1  # flag measurements during which other processes used more than this share of the CPUs

FULL = dict(sgemm_sizes="2048,3072,4096", sgemm_reps=3, batch=64, seconds=5.0, warmup=3, batch_224=64,
            batches_224=3, warmup_224=2, feature_digits=10000, head_rows=60000, head_epochs=3,
            train_rows=60000, mlp_epochs=2, cnn_epochs=1)
QUICK = dict(sgemm_sizes="512,1024", sgemm_reps=1, batch=8, seconds=0.5, warmup=1, batch_224=2,
             batches_224=1, warmup_224=1, feature_digits=256, head_rows=2000, head_epochs=2,
             train_rows=1000, mlp_epochs=1, cnn_epochs=1)
FULL.update(family_batch=64, family_batch_224=16)
QUICK.update(family_batch=8, family_batch_224=2)


def note(msg):
    print(f"benchmarks: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

class Runner:
    """Runs one measurement per process and records its output, status, wall time and peak RSS."""

    def __init__(self, threads, timeout, log_dir, pin):
        self.threads, self.timeout, self.log_dir, self.pin = threads, timeout, log_dir, pin
        self.jobs = []
        os.makedirs(log_dir, exist_ok=True)

    def env(self, framework):
        threads = {name: self.threads for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        return zoo_runner.environment(drop_blas_overrides=framework in ("zoo", "sgemm"), TF_CPP_MIN_LOG_LEVEL=3,
                                      **threads)

    def run(self, name, framework, cmd, measurement=True):
        """Returns the job record; record["result"] is the parsed stdout (None on failure).
        measurement=False: a preparation or check, never flagged for a busy machine."""
        if self.pin:
            cmd = ["taskset", "-c", f"0-{self.threads - 1}"] + cmd
        log_path = os.path.join(self.log_dir, name.replace("/", "_") + ".log")
        note(f"{name}: {' '.join(shlex.quote(c) for c in cmd)}")
        load = os.getloadavg()[0]
        with tempfile.TemporaryFile() as out, open(log_path, "wb") as err:
            busy0 = cpu_busy_seconds()
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=out, stderr=err, env=self.env(framework), cwd=ROOT,
                                 start_new_session=True)
            killed = []
            timer = threading.Timer(self.timeout, lambda: (killed.append(1), os.killpg(p.pid, signal.SIGKILL)))
            timer.start()
            _, status, usage = os.wait4(p.pid, 0)  # the child's own rusage: ru_maxrss in KiB
            timer.cancel()
            p.returncode = os.waitstatus_to_exitcode(status)
            wall = time.perf_counter() - t0
            busy1 = cpu_busy_seconds()
            out.seek(0)
            stdout = out.read().decode(errors="replace")
        job = {"name": name, "framework": framework, "command": cmd, "status": p.returncode,
               "wall_seconds": round(wall, 3), "peak_rss_mb": round(usage.ru_maxrss * 1024 / 1e6, 1),
               "load_average_before": round(load, 2), "log": os.path.relpath(log_path, ROOT), "result": None}
        # CPU time other processes took while this one ran, as a share of all CPUs: the noise.
        # (/proc/stat counts in ticks of 10 ms: too coarse for processes shorter than 2 s.)
        if measurement and busy0 is not None and busy1 is not None and wall >= 2:
            own = usage.ru_utime + usage.ru_stime
            job["other_cpu_share"] = round(max(0.0, busy1 - busy0 - own) / (wall * (os.cpu_count() or 1)), 3)
            if job["other_cpu_share"] > BUSY_SHARE:
                job["warning"] = (f"machine busy: other processes used {100 * job['other_cpu_share']:.0f}% of the "
                                  "CPUs during this measurement")
        if killed:
            job["error"] = f"killed after the {self.timeout} s timeout"
        elif p.returncode != 0:
            with open(log_path, errors="replace") as f:
                tail = [line.strip() for line in f.read().splitlines() if line.strip()][-3:]
            job["error"] = f"exit status {p.returncode}: " + " | ".join(tail)
        else:
            try:
                job["result"] = zoo_runner.parse_json(stdout)
            except ValueError as e:
                job["error"] = f"unreadable output ({e}): {stdout[-300:]!r}"
        if "error" in job:
            note(f"{name}: FAILED: {job['error']} (log: {job['log']})")
        else:
            note(f"{name}: done in {wall:.1f} s, peak RSS {job['peak_rss_mb']:.0f} MB")
        self.jobs.append(job)
        return job


def cpu_busy_seconds():
    """CPU seconds all processes have used since boot (every CPU; steal counts as busy), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def capture(cmd, env=None):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


# ---------------------------------------------------------------- setup

def build(args):
    if not args.no_build:
        note("swift build -c release --product zoo")
        subprocess.run(["swift", "build", "-c", "release", "--product", "zoo"], cwd=ROOT, check=True,
                       stdout=sys.stderr)
    if args.no_build and os.environ.get("ZOO"):
        zoo = zoo_runner.binary()
    else:
        zoo = os.path.join(capture(["swift", "build", "-c", "release", "--show-bin-path"]) or
                           os.path.join(ROOT, ".build", "release"), "zoo")
    if not os.access(zoo, os.X_OK):
        raise SystemExit(f"benchmarks: {zoo} is missing; build it or drop --no-build")
    sgemm = os.path.join(WORK, "sgemm_peak")
    flags = capture(["pkg-config", "--cflags", "--libs", "openblas"]).split() or ["-lopenblas"]
    subprocess.run(["gcc", "-O2", os.path.join(TOOLS, "sgemm_peak.c"), *flags, "-o", sgemm], check=True)
    return zoo, sgemm


def tiled_dataset(train, test):
    """The built-in 5,000-digit sample tiled to `train` + `test` digits as uncompressed IDX files
    (timings do not depend on the content); deterministic, so its md5 (in zoo's cache keys) is stable."""
    directory = os.path.join(WORK, f"mnist-tiled-{train}-{test}")
    if os.path.isdir(directory):
        return directory
    tmp = directory + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for split, count in (("train", train), ("test", test)):
        for kind in ("images", "labels"):
            path = mnist.idx_file(MNIST_SAMPLE, split, kind)
            values = mnist.read_idx(path)  # uint8, as the files hold it
            tiled = np.concatenate([values] * -(-count // len(values)))[:count]
            name = os.path.basename(path).removesuffix(".gz")
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(mnist.idx_bytes(tiled))
    os.rename(tmp, directory)
    return directory


def head_dataset(data):
    """`data`'s training split with the built-in sample's 1,000 test digits: `zoo finetune` computes
    (once, cached) features of both splits, and only the training rows are timed."""
    directory = os.path.join(WORK, "head-data")
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    for source, prefix in ((data, "train"), (MNIST_SAMPLE, "t10k")):
        for name in sorted(os.listdir(source)):
            if name.startswith(prefix + "-"):
                os.symlink(os.path.join(source, name), os.path.join(directory, name))
    return directory


def machine_info(sgemm_config):
    cpuinfo = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), [])
    meminfo = open("/proc/meminfo").read() if os.path.exists("/proc/meminfo") else ""
    mem_kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal")), 0)
    os_name = "?"
    if os.path.exists("/etc/os-release"):
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip().strip('"')
    lscpu = capture(["lscpu"])
    field = lambda key: next((line.split(":", 1)[1].strip() for line in lscpu.splitlines()  # noqa: E731
                              if line.startswith(key + ":")), "?")
    return {
        "cpu": model, "cpu_family_model": f"family {field('CPU family')}, model {field('Model')}",
        "hypervisor": field("Hypervisor vendor"), "cores": os.cpu_count(),
        "avx512": sorted(f for f in flags if f.startswith("avx512")), "fma": "fma" in flags, "avx2": "avx2" in flags,
        "memory_gb": round(mem_kb / 1e6, 1), "kernel": platform.release(), "os": os_name,
        "l2": field("L2 cache"), "l3": field("L3 cache"), "openblas_config": sgemm_config,
    }


def versions(python, zoo):
    py = capture([python, "-c", "import importlib.metadata as m, json, platform\n"
                  "out = {'python': platform.python_version()}\n"
                  "for p in ('tensorflow', 'tf_keras', 'keras', 'torch', 'numpy'):\n"
                  "    try: out[p] = m.version(p)\n"
                  "    except m.PackageNotFoundError: out[p] = None\n"
                  "print(json.dumps(out))"])
    head = capture(["git", "rev-parse", "HEAD"])
    dirty = capture(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                     ":!BENCHMARKS.md", ":!benchmarks.json"])
    return {
        "swift": capture(["swift", "--version"]).splitlines()[0] if capture(["swift", "--version"]) else "?",
        "zoo_git": head[:12] + (" (with uncommitted changes)" if dirty else ""), "zoo_binary": os.path.relpath(zoo, ROOT),
        "openblas_package": capture(["dpkg-query", "-W", "-f", "${Package} ${Version}", "libopenblas0-pthread"]) or "?",
        "gcc": (capture(["gcc", "--version"]).splitlines() or ["?"])[0],
        **(json.loads(py) if py.startswith("{") else {}),
    }


# ---------------------------------------------------------------- measurements

def best(jobs, key, higher=True):
    """The job whose result[key] is best, among the ones that worked."""
    ok = [j for j in jobs if j.get("result") and j["result"].get(key) is not None]
    if not ok:
        return None
    return (max if higher else min)(ok, key=lambda j: j["result"][key])


def cell(job, value_key, variant=True):
    """{value, rss, variant, variants} of one framework in one row, or an error."""
    if job is None:
        return None
    r = job.get("result") or {}
    if "error" in job:
        return {"error": job["error"], "log": job["log"]}
    return {"value": r.get(value_key), "rss_mb": job["peak_rss_mb"], "variant": r.get("variant") if variant else None,
            "job": job["name"], "busy": (job.get("other_cpu_share") or 0) > BUSY_SHARE}


def with_variants(c, jobs, key):
    if c is not None:
        c["variants"] = {j["result"].get("variant", "?"): j["result"][key] for j in jobs
                         if j.get("result") and j["result"].get(key) is not None}
        failed = [j["name"] for j in jobs if "error" in j]
        if failed:
            c["failed_variants"] = failed
    return c


def run_sgemm(runner, sgemm, cfg, threads):
    counts = sorted({1, threads})
    job = runner.run("sgemm", "sgemm", [sgemm, ",".join(map(str, counts)), cfg["sgemm_sizes"], str(cfg["sgemm_reps"])])
    return job.get("result")


def run_forward(runner, args, cfg, zoo, python, model, size):
    large = size >= 224
    batch = cfg["batch_224"] if large else cfg["batch"]
    warmup = cfg["warmup_224"] if large else cfg["warmup"]
    timing = ["--batches", str(cfg["batches_224"])] if large else ["--seconds", str(cfg["seconds"])]
    name = f"forward/{model}@{size}"
    row = {"model": model, "size": size, "batch": batch, "warmup": warmup,
           "timing": f"{cfg['batches_224']} timed batches" if large else f"timed for at least {cfg['seconds']:g} s",
           "cells": {}}
    gflop = None
    if "zoo" in args.frameworks:
        job = runner.run(f"{name}/zoo", "zoo", [zoo, "bench", model, "--size", str(size), "--batch-size", str(batch),
                                                  "--threads", str(args.threads), "--warmup", str(warmup), *timing,
                                                  "--json"])
        r = job.get("result")
        if r:
            r["images_per_second"], r["variant"] = r["imagesPerSecond"], "fused inference graph"
            gflop = r["gflopPerImage"]
            row["gemm"] = r.get("gemm")
        row["cells"]["zoo"] = cell(job, "images_per_second")
    if gflop is None:  # the nominal work per image, from zoo's own count
        job = runner.run(f"{name}/zoo-gflop", "zoo", [zoo, "bench", model, "--size", str(size), "--batch-size", "1",
                                                        "--warmup", "0", "--batches", "1", "--json"], measurement=False)
        gflop = (job.get("result") or {}).get("gflopPerImage")
    row["gflop_per_image"] = gflop
    # Each peer's variants (its own script's flag for them), the fastest counting.
    peers = {"keras": ("bench_keras.py", "--models", "--mode", ("function", "predict")),
             "pytorch": ("bench_torch.py", "--model", "--layout", ("channels_last", "contiguous"))}
    for framework, (script, model_flag, variant_flag, variants) in peers.items():
        if framework not in args.frameworks:
            continue
        jobs = [runner.run(f"{name}/{framework}-{variant}", framework,
                           [python, os.path.join(TOOLS, script), "forward", model_flag, model, "--size", str(size),
                            "--batch", str(batch), variant_flag, variant, "--warmup", str(warmup), *timing,
                            "--threads", str(args.threads)]) for variant in variants]
        row["cells"][framework] = with_variants(cell(best(jobs, "images_per_second") or jobs[0], "images_per_second"),
                                                jobs, "images_per_second")
    return row


def run_features(runner, args, cfg, zoo, python, data):
    n = cfg["feature_digits"]
    limit = ["--limit", str(n)]
    row = {"model": "vgg16", "size": 32, "digits": n, "batch": 64, "cells": {}}
    if "zoo" in args.frameworks:
        out = os.path.join(WORK, "tmp", "features.h5")
        job = runner.run("features/zoo", "zoo", [zoo, "features", "--model", "vgg16", "--untrained", "--no-cache",
                                                  "--data", data, "--split", "test", "--size", "32", "--pooling", "avg",
                                                  "--batch-size", "64", *limit, "--output", out, "--json"])
        r = job.get("result")
        if r:
            r["seconds_total"] = r["seconds"]
            r["seconds"] = r["count"] / r["imagesPerSecond"]  # extraction only, as the others: no model build
            r["variant"] = "zoo features --no-cache"
        row["cells"]["zoo"] = cell(job, "seconds")
    if "keras" in args.frameworks:
        job = runner.run("features/keras", "keras", [python, os.path.join(TOOLS, "bench_keras.py"), "features",
                                                     "--data", data, "--split", "test", *limit, "--size", "32",
                                                     "--batch", "64", "--warmup", "1", "--threads", str(args.threads)])
        row["cells"]["keras"] = cell(job, "seconds")
    if "pytorch" in args.frameworks:
        jobs = [runner.run(f"features/pytorch-{layout}", "pytorch",
                           [python, os.path.join(TOOLS, "bench_torch.py"), "features", "--data", data, "--split",
                            "test", *limit, "--size", "32", "--batch", "64", "--layout", layout, "--warmup", "1",
                            "--threads", str(args.threads)]) for layout in ("channels_last", "contiguous")]
        row["cells"]["pytorch"] = with_variants(cell(best(jobs, "seconds", higher=False) or jobs[0], "seconds"),
                                                jobs, "seconds")
    return row


def epochs_of(job, zoo_history=False):
    """Fastest epoch (the result's "epoch_seconds", or zoo's history), added as result["seconds"]."""
    r = job.get("result")
    if r:
        times = [h["seconds"] for h in r["history"]] if zoo_history else r["epoch_seconds"]
        r["epoch_seconds"], r["seconds"] = times, min(times)
    return job


def run_head(runner, args, cfg, zoo, python, data):
    rows, epochs = cfg["head_rows"], cfg["head_epochs"]
    row = {"rows": rows, "features": 512, "batch": 128, "epochs": epochs, "cells": {}}
    if "zoo" in args.frameworks:
        head_data = head_dataset(data)
        common = [zoo, "finetune", "--model", "vgg16", "--untrained", "--data", head_data, "--size", "32",
                  "--pooling", "avg", "--hidden", "256", "--dropout", "0.5", "--batch-size", "128",
                  "--optimizer", "adam", "--validation-split", "0", "--limit", str(rows),
                  "--cache-dir", os.path.join(WORK, "feature-cache"), "--json"]
        # Untimed: fills the feature cache (the backbone over every digit once; kept for later runs).
        warm = runner.run("head/zoo-fill-feature-cache", "zoo",
                          common + ["--epochs", "1", "--output", os.path.join(WORK, "tmp", "head-warm.h5")],
                          measurement=False)
        job = runner.run("head/zoo", "zoo", common + ["--epochs", str(epochs),
                                                     "--output", os.path.join(WORK, "tmp", "head.h5")])
        r = epochs_of(job, zoo_history=True).get("result")
        if r:
            r["variant"] = "zoo finetune, cached features"
            if r.get("cacheHits") != 2:
                job["warning"] = "; ".join(x for x in (job.get("warning"), (
                    f"features were not all from the cache (hits {r.get('cacheHits')}): epoch times are "
                    "unaffected, but the peak RSS includes the backbone")) if x)
        row["cache_fill_seconds"] = warm["wall_seconds"]
        row["cache_was_warm"] = (warm.get("result") or {}).get("cacheHits") == 2
        row["cells"]["zoo"] = cell(job, "seconds")
    if "keras" in args.frameworks:
        jobs = [epochs_of(runner.run(f"head/keras-{k}", "keras",
                                     [python, os.path.join(TOOLS, "bench_keras.py"), "head", "--rows", str(rows),
                                      "--epochs", str(epochs), "--batch", "128", "--keras", k,
                                      "--threads", str(args.threads)])) for k in args.keras_variants]
        row["cells"]["keras"] = with_variants(cell(best(jobs, "seconds", higher=False) or jobs[0], "seconds"),
                                              jobs, "seconds")
    if "pytorch" in args.frameworks:
        job = epochs_of(runner.run("head/pytorch", "pytorch", [python, os.path.join(TOOLS, "bench_torch.py"), "head",
                                                               "--rows", str(rows), "--epochs", str(epochs),
                                                               "--batch", "128", "--threads", str(args.threads)]))
        if job.get("result"):
            job["result"]["variant"] = "eager, Adam"
        row["cells"]["pytorch"] = cell(job, "seconds")
    return row


def run_train(runner, args, cfg, zoo, python, data, model):
    rows, epochs = cfg["train_rows"], cfg[f"{model}_epochs"]
    limit = ["--limit", str(rows)]
    row = {"model": model, "rows": rows, "batch": 128, "epochs": epochs, "cells": {}}
    if "zoo" in args.frameworks:
        job = epochs_of(runner.run(f"train/{model}/zoo", "zoo",
                                   [zoo, "train", "--model", model, "--data", data, *limit, "--epochs", str(epochs),
                                    "--batch-size", "128", "--optimizer", "adam", "--validation-split", "0",
                                    "--output", os.path.join(WORK, "tmp", f"{model}.h5"), "--json"]),
                        zoo_history=True)
        if job.get("result"):
            job["result"]["variant"] = "zoo train"
        row["cells"]["zoo"] = cell(job, "seconds")
    if "keras" in args.frameworks:
        jobs = [epochs_of(runner.run(f"train/{model}/keras-{k}", "keras",
                                     [python, os.path.join(TOOLS, "bench_keras.py"), "train", "--model", model,
                                      "--data", data, *limit, "--epochs", str(epochs), "--batch", "128",
                                      "--keras", k, "--threads", str(args.threads)])) for k in args.keras_variants]
        row["cells"]["keras"] = with_variants(cell(best(jobs, "seconds", higher=False) or jobs[0], "seconds"),
                                              jobs, "seconds")
    if "pytorch" in args.frameworks:
        job = epochs_of(runner.run(f"train/{model}/pytorch", "pytorch",
                                   [python, os.path.join(TOOLS, "bench_torch.py"), "train", "--model", model,
                                    "--data", data, *limit, "--epochs", str(epochs), "--batch", "128",
                                    "--layout", "contiguous", "--threads", str(args.threads)]))
        row["cells"]["pytorch"] = cell(job, "seconds")
    return row


def zoo_catalogue(zoo):
    """zoo's catalogue models -> minimum input size, from `zoo catalogue --json` ({} if it fails)."""
    try:
        return {e["name"]: e["minimumInputSize"] for e in json.loads(capture([zoo, "catalogue", "--json"]) or "[]")}
    except (ValueError, KeyError, TypeError):
        return {}


def run_family(runner, args, cfg, zoo, python, model, size, batch):
    """One families row: zoo bench, bench_keras.py (function and predict) and bench_onnx.py on
    the same model without top at one size and batch."""
    large = size >= 224
    warmup = cfg["warmup_224"] if large else cfg["warmup"]
    timing = ["--batches", str(cfg["batches_224"])] if large else ["--seconds", str(cfg["seconds"])]
    name = f"families/{model}@{size}"
    row = {"model": model, "size": size, "batch": batch, "warmup": warmup,
           "timing": f"{cfg['batches_224']} timed batches" if large else f"timed for at least {cfg['seconds']:g} s",
           "cells": {}}
    if "zoo" in args.frameworks:
        job = runner.run(f"{name}/zoo", "zoo", [zoo, "bench", model, "--size", str(size), "--batch-size", str(batch),
                                                  "--threads", str(args.threads), "--warmup", str(warmup), *timing,
                                                  "--json"])
        r = job.get("result")
        if r:
            r["images_per_second"], r["variant"] = r["imagesPerSecond"], "fused inference graph"
            row["gflop_per_image"] = r["gflopPerImage"]
        row["cells"]["zoo"] = cell(job, "images_per_second")
    common = ["--size", str(size), "--batch", str(batch), "--warmup", str(warmup), *timing,
              "--threads", str(args.threads)]
    if "keras" in args.frameworks:
        jobs = [runner.run(f"{name}/keras-{mode}", "keras",
                           [python, os.path.join(TOOLS, "bench_keras.py"), "forward", "--models", model,
                            "--mode", mode, *common]) for mode in ("function", "predict")]
        row["cells"]["keras"] = with_variants(cell(best(jobs, "images_per_second") or jobs[0], "images_per_second"),
                                              jobs, "images_per_second")
    if "onnxruntime" in args.frameworks:
        # Converted first, untimed, in its own process: tf2onnx's peak RSS is not ONNX Runtime's.
        onnx_dir = os.path.join(WORK, "onnx")
        conversion = runner.run(f"{name}/onnxruntime-convert", "onnxruntime",
                                [python, os.path.join(TOOLS, "bench_onnx.py"), "convert", "--models", model,
                                 *common, "--keep", onnx_dir], measurement=False)
        converted = (conversion.get("result") or {}).get("onnx")
        job = conversion if converted is None else runner.run(
            f"{name}/onnxruntime", "onnxruntime",
            [python, os.path.join(TOOLS, "bench_onnx.py"), "forward", "--onnx", converted, *common])
        r = job.get("result")
        if r and "skipped" in r:
            job["error"] = f"skipped: {r['skipped']}"
        elif r:
            row["onnxruntime_version"] = r.get("onnxruntime_version")
        row["cells"]["onnxruntime"] = cell(job, "images_per_second")
    return row


def run_families(runner, args, cfg, zoo, python):
    """224 px at --family-batch-224 and 32 px (the family's minimum if larger) at --family-batch,
    for every model of --family-models that zoo's catalogue has."""
    minimum = zoo_catalogue(zoo)
    rows = []
    for model in [m for m in args.family_models.split(",") if m]:
        if model not in minimum:
            note(f"families: {model} is not in zoo's catalogue (zoo catalogue): skipped")
            rows.append({"model": model, "skipped": "not in zoo's catalogue", "cells": {}})
            continue
        for size, batch in ((224, cfg["family_batch_224"]), (max(32, minimum[model]), cfg["family_batch"])):
            rows.append(run_family(runner, args, cfg, zoo, python, model, size, batch))
    return rows


# ---------------------------------------------------------------- targets and report

def value(row, fw):
    c = row["cells"].get(fw)
    return c.get("value") if c and "error" not in c else None


def rss(row, fw):
    c = row["cells"].get(fw)
    return c.get("rss_mb") if c and "error" not in c else None


def speed_ratio(row, fw, higher_is_better):
    z, o = value(row, "zoo"), value(row, fw)
    if not z or not o:
        return None
    return z / o if higher_is_better else o / z


def verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "**not met**")


def evaluate_targets(results, sgemm_peak):
    """Every target of issue #6 for every row that has the numbers: dicts of target (in full),
    short (for the row's table), row, measured and verdict."""
    targets = []

    def add(target, short, row, measured, ok):
        targets.append({"target": target, "short": short, "row": row, "measured": measured, "verdict": verdict(ok)})

    for row in results.get("forward", []):
        label = row_label("forward", row)
        need = (1.5, 1.2) if row["size"] in (32, 48) else (1.0, 1.0) if row["size"] == 224 else None
        if need:
            for fw, factor in zip(("keras", "pytorch"), need):
                r = speed_ratio(row, fw, True)
                add(f"forward images/s >= {factor:g}x {LABEL[fw]}", f">= {factor:g}x {LABEL[fw]}", label,
                    None if r is None else f"{r:.2f}x", None if r is None else r >= factor)
        if row["model"] == "vgg16" and sgemm_peak:
            z = value(row, "zoo")
            share = z * row["gflop_per_image"] / sgemm_peak if z and row.get("gflop_per_image") else None
            add("VGG16 forward >= 60% of cblas_sgemm GFLOP/s", ">= 60% of sgemm", label,
                None if share is None else f"{100 * share:.0f}%", None if share is None else share >= 0.6)
    for row in results.get("head", []):
        r = speed_ratio(row, "keras", False)
        add("head training epoch faster than Keras", "faster than Keras", row_label("head", row),
            None if r is None else f"{r:.2f}x", None if r is None else r > 1)
    for row in results.get("train", []):
        if row["model"] == "cnn":
            r = speed_ratio(row, "keras", False)
            add("cnn epoch faster than Keras", "faster than Keras", row_label("train", row),
                None if r is None else f"{r:.2f}x", None if r is None else r > 1)
    for row in results.get("families", []):
        if "skipped" in row:
            continue
        for fw, target, short, ok in (("keras", "family forward faster than Keras", "faster than Keras",
                                       lambda r: r > 1),
                                      ("onnxruntime", "family forward at least on par with ONNX Runtime",
                                       "on par with ONNX Runtime", lambda r: r >= 1)):
            r = speed_ratio(row, fw, True)
            add(target, short, row_label("families", row), None if r is None else f"{r:.2f}x",
                None if r is None else ok(r))
    for group in ("forward", "features", "head", "train"):
        for row in results.get(group, []):
            z, k = rss(row, "zoo"), rss(row, "keras")
            add("peak RSS <= Keras", "RSS <= Keras", row_label(group, row),
                None if z is None or k is None else f"{z:.0f} / {k:.0f} MB", None if z is None or k is None else z <= k)
    return targets


def row_label(group, row):
    if group == "forward":
        return f"{row['model']} @{row['size']}"
    if group == "families":
        return f"family {row['model']} @{row['size']}"
    if group == "features":
        return f"features vgg16 @{row['size']}"
    if group == "head":
        return "head"
    return row["model"]


def fmt(x, digits=None):
    if x is None:
        return "–"
    if digits is None:
        digits = 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2
    return f"{x:,.{digits}f}"


def show(row, fw, digits=None):
    c = row["cells"].get(fw)
    if c is None:
        return "not run"
    if "error" in c:
        return "failed"
    text = fmt(c.get("value"), digits)
    if c.get("variant") and len(c.get("variants", {})) > 1:
        text += f" ({c['variant']})"
    return text + ("*" if c.get("busy") else "")


def ratio_text(row, fw, higher):
    r = speed_ratio(row, fw, higher)
    return "–" if r is None else f"{r:.2f}x"


def rss_text(row):
    return " / ".join(fmt(rss(row, fw), 0) for fw in FRAMEWORKS)


def targets_for(targets, label):
    picked = [f"{t['short']}: {t['verdict']}" for t in targets if t["row"] == label]
    return "; ".join(picked) or "–"


def busy_summary(jobs):
    shares = sorted(j["other_cpu_share"] for j in jobs if j.get("other_cpu_share") is not None)
    if not shares:
        return "CPU use of other processes unknown"
    busy = sum(x > BUSY_SHARE for x in shares)
    return (f"other processes used {100 * shares[len(shares) // 2]:.0f}% (median) and up to {100 * shares[-1]:.0f}% "
            f"of the CPUs during the measurements of 2 s or more; {busy} of {len(shares)} above "
            f"{100 * BUSY_SHARE:.0f}% (flagged below)")


def torch_check(meta):
    c = meta.get("pytorch_check") or {}
    counts, cmp = c.get("parameter_counts"), c.get("keras_comparison")
    if not counts:
        return ""
    text = (f": {counts['vgg16']:,} and {counts['resnet50_keras_count_params']:,} parameters with BN statistics, "
            "as Keras")
    if cmp:
        text += ("; same outputs as Keras on copied weights (max |diff| " + ", ".join(
            f"{k} {v['max_abs_diff']:.1e} of {v['max_abs_keras']:.2g}" for k, v in cmp.items()) + ")")
    return text


def zoo_gemm_note(results):
    """Which GEMM zoo's forward rows multiplied the frozen weights with (from `zoo bench --json`)."""
    kinds = sorted({row["gemm"] for row in results.get("forward", []) if row.get("gemm")})
    names = {"packed": "zoo's packed AVX-512 GEMM (Sources/CKernels/packed_gemm.c)", "openblas": "OpenBLAS"}
    return "; frozen weights through " + " and ".join(names.get(k, k) for k in kinds) if kinds else ""


def markdown(meta, results, targets):
    s = meta["settings"]
    v, m = meta["versions"], meta["machine"]
    out = ["# Benchmarks", ""]
    if s["quick"]:
        out += ["> **QUICK SMOKE RUN (`--quick`) — NOT A BENCHMARK RESULT.** Tiny batches, a few hundred",
                "> digits and sub-second timings on a shared, loaded machine: these numbers only show that",
                "> every row runs; the met/not met marks below are computed mechanically and mean nothing.",
                "> Regenerate the real table with `tools/bench.sh` on a quiet machine.", ""]
    out += [f"Generated {meta['date']} by `{meta['command']}` (tools/benchmarks.py; raw results in "
            f"`{os.path.basename(meta['json'])}`).", "",
            "| | |", "|---|---|",
            f"| machine | {m['cpu']} ({m['cpu_family_model']}), {m['cores']} cores, {m['memory_gb']} GB, "
            f"{m['os']}, Linux {m['kernel']}" + (f", {m['hypervisor']} guest" if m['hypervisor'] != '?' else "") + " |",
            f"| CPU flags | AVX-512: {', '.join(f.replace('avx512', '') for f in m['avx512']) or 'none'}; "
            f"AVX2 {'yes' if m['avx2'] else 'no'}, FMA {'yes' if m['fma'] else 'no'}; L2 {m['l2']}, L3 {m['l3']} |",
            f"| zoo | git {v['zoo_git']}, {v['swift']}, release build" + zoo_gemm_note(results) + " |",
            f"| OpenBLAS | {v['openblas_package']}: {m['openblas_config'] or '?'} |",
            f"| Keras | TensorFlow {v.get('tensorflow')} (oneDNN on), tf_keras {v.get('tf_keras')}, "
            f"Keras {v.get('keras')} (TensorFlow backend); Python {v.get('python')}, NumPy {v.get('numpy')} |",
            f"| PyTorch | torch {v.get('torch')} on the CPU; VGG16 and ResNet50 (v1) written out as Keras builds "
            f"them (tools/bench_torch.py){torch_check(meta)} |",
            f"| threads | {s['threads']} everywhere: OpenBLAS (zoo, sgemm), TensorFlow intra-op and inter-op, "
            "torch.set_num_threads and set_num_interop_threads; OMP/MKL/OPENBLAS_NUM_THREADS set for every process"
            + (f"; every process pinned to CPUs 0-{s['threads'] - 1} (taskset)" if s['pinned'] else "") + " |",
            f"| environment | zoo and the sgemm peak run with {' and '.join(BLAS_ENV_DROPPED)} removed "
            f"(here: {meta['env_dropped'] or 'not set'}); Keras and PyTorch keep the caller's environment |",
            f"| data | {s['data_note']} |",
            f"| load | {busy_summary(meta['jobs'])}; load average {meta['load_start']:.2f} at the start, "
            f"{meta['load_end']:.2f} at the end |",
            "", "Each measurement runs in its own process, one after another; **peak RSS** is that process's "
            "ru_maxrss; a value marked * was measured while other processes used more than "
            f"{100 * BUSY_SHARE:.0f}% of the CPUs (from /proc/stat, minus the process's own CPU time). "
            "Ratios are speed ratios (above 1: zoo faster). "
            "Each framework's best configuration "
            "counts, named in brackets when there was a choice: Keras forward `function` (model called in a "
            "tf.function) or `predict` (model.predict); Keras training `keras3` or `tf_keras` (model.fit); "
            "PyTorch forward and features `channels_last` or `contiguous` (NCHW), eval mode, "
            "torch.inference_mode. GFLOP/s use zoo's nominal count of multiply-adds x 2 per image for every "
            "framework.", ""]

    sg = results.get("sgemm")
    if sg:
        out += ["## cblas_sgemm peak", "",
                f"`tools/sgemm_peak.c`, row-major square C = A B, best of {sg['reps']} after one warm-up call "
                f"({sg['core']} kernel).", "",
                "| threads | " + " | ".join(f"N = {n}" for n in sorted({r['size'] for r in sg['results']})) + " | peak |",
                "|---|" + "---|" * (len({r['size'] for r in sg['results']}) + 1)]
        for t in sorted({r["threads"] for r in sg["results"]}):
            cells = [fmt(r["gflops"], 0) for r in sorted(sg["results"], key=lambda r: r["size"]) if r["threads"] == t]
            out.append(f"| {t} | " + " | ".join(cells) + f" | **{fmt(sg['peak'][str(t)], 0)}** GFLOP/s |")
        out.append("")

    fwd = results.get("forward")
    if fwd:
        peak = meta.get("sgemm_peak")
        out += ["## Forward throughput (images/s)", "",
                "No top, no pooling, Keras-default (zoo, Keras) or PyTorch-default random weights, one constant "
                "batch of inputs in Keras-preprocessed ranges. " + "; ".join(
                    sorted({f"{r['size']} px: batch {r['batch']}, {r['warmup']} warm-up batch(es), {r['timing']}"
                            for r in fwd}, key=lambda t: int(t.split()[0]))) + ".", "",
                "| model | size | zoo | Keras | PyTorch | zoo/Keras | zoo/PyTorch | GFLOP/s zoo / Keras / PyTorch "
                f"| % of sgemm peak{f' ({peak:.0f})' if peak else ''} zoo / Keras / PyTorch "
                "| peak RSS MB zoo / Keras / PyTorch | targets |",
                "|---|---|---|---|---|---|---|---|---|---|---|"]
        for row in fwd:
            g = row.get("gflop_per_image")
            gf = [value(row, fw) * g if value(row, fw) and g else None for fw in FRAMEWORKS]
            pct = " / ".join(fmt(100 * x / peak, 0) if x and peak else "–" for x in gf)
            out.append(f"| {row['model']} | {row['size']} | {show(row, 'zoo')} | {show(row, 'keras')} | "
                       f"{show(row, 'pytorch')} | {ratio_text(row, 'keras', True)} | {ratio_text(row, 'pytorch', True)} | "
                       f"{' / '.join(fmt(x, 0) for x in gf)} | {pct} | {rss_text(row)} | "
                       f"{targets_for(targets, row_label('forward', row))} |")
        out += ["", f"GFLOP per image (zoo's count): " + ", ".join(
            sorted({f"{r['model']} @{r['size']}: {r['gflop_per_image']:.3f}" for r in fwd if r.get('gflop_per_image')})), ""]

    fam = results.get("families")
    if fam:
        measured = [r for r in fam if "skipped" not in r]
        ort = next((r["onnxruntime_version"] for r in measured if r.get("onnxruntime_version")), None)
        out += ["## Families: forward throughput (images/s)", "",
                "One model per keras.applications family, no top, no pooling, Keras-default random weights, one "
                "constant batch of uniform(-120, 140) inputs. ONNX Runtime" + (f" {ort}" if ort else "") +
                ": the same tf_keras model converted by tf2onnx (tools/bench_onnx.py; converted beforehand in "
                "another process, so its peak RSS is ONNX Runtime's), CPU execution provider, sequential, "
                "intra_op_num_threads = threads; its output is checked against Keras's before timing. "
                + "; ".join(sorted({f"{r['size']} px: batch {r['batch']}, {r['warmup']} warm-up batch(es), "
                                    f"{r['timing']}" for r in measured}, key=lambda t: int(t.split()[0]))) + ".", "",
                "| model | size | batch | zoo | Keras | ONNX Runtime | zoo/Keras | zoo/ONNX Runtime "
                "| peak RSS MB zoo / Keras / ONNX Runtime | targets |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        for row in fam:
            if "skipped" in row:
                out.append(f"| {row['model']} | – | – | skipped: {row['skipped']} | | | | | | |")
                continue
            peak = " / ".join(fmt(rss(row, fw), 0) for fw in ("zoo", "keras", "onnxruntime"))
            out.append(f"| {row['model']} | {row['size']} | {row['batch']} | {show(row, 'zoo')} | "
                       f"{show(row, 'keras')} | {show(row, 'onnxruntime')} | {ratio_text(row, 'keras', True)} | "
                       f"{ratio_text(row, 'onnxruntime', True)} | {peak} | "
                       f"{targets_for(targets, row_label('families', row))} |")
        out.append("")

    def time_table(title, intro, rows, group, label, unit_note):
        out.extend([f"## {title}", "", intro, "",
                    f"| work | zoo {unit_note} | Keras | PyTorch | zoo/Keras | zoo/PyTorch "
                    "| peak RSS MB zoo / Keras / PyTorch | targets |",
                    "|---|---|---|---|---|---|---|---|"])
        for row in rows:
            out.append(f"| {label(row)} | {show(row, 'zoo', 2)} | {show(row, 'keras', 2)} | {show(row, 'pytorch', 2)} | "
                       f"{ratio_text(row, 'keras', False)} | {ratio_text(row, 'pytorch', False)} | {rss_text(row)} | "
                       f"{targets_for(targets, row_label(group, row))} |")
        out.append("")

    if results.get("features"):
        r0 = results["features"][0]
        time_table("Feature extraction (seconds)",
                   f"VGG16 @32 with average pooling over {r0['digits']:,} digits (test split), batch {r0['batch']}, "
                   "preprocessing included: bilinear resize 28 -> 32 (half-pixel centres, no antialiasing), gray to "
                   "BGR, minus the ImageNet means. zoo: `zoo features --untrained --no-cache` (its extraction time: "
                   "reading digits, preprocessing, backbone, writing HDF5); Keras: resize + preprocess_input + model "
                   "in one tf.function, looped over batches; PyTorch: F.interpolate(bilinear, align_corners=False, "
                   "antialias=False) + the same. Model construction and one warm-up batch are not timed.",
                   results["features"], "features", lambda r: f"{r['digits']:,} digits, VGG16 @{r['size']}", "(s)")
    if results.get("head"):
        r0 = results["head"][0]
        time_table("Head training (seconds per epoch)",
                   f"Dense(256, relu) + Dropout(0.5) + Dense(10, softmax), Adam (lr 0.001), batch {r0['batch']}, "
                   f"{r0['rows']:,} rows of 512 features per epoch, no validation; the fastest of {r0['epochs']} "
                   "epochs. zoo: `zoo finetune` on VGG16 @32 average-pooled features from its feature cache (filled "
                   "by an untimed run first: " + ("already full from an earlier run" if r0.get("cache_was_warm") else
                                                  f"{fmt(r0.get('cache_fill_seconds'), 0)} s") +
                   "), epoch times from its history; Keras and PyTorch: the same head on random features.",
                   results["head"], "head", lambda r: f"head, {r['rows']:,} x 512", "(s)")
    if results.get("train"):
        r0 = results["train"][0]
        epochs_note = ", ".join(f"{r['model']}: {r['epochs']} epoch(s)" for r in results["train"])
        time_table("Training from scratch (seconds per epoch)",
                   f"`zoo train --model mlp|cnn` and the same models in Keras and PyTorch: Adam (lr 0.001), batch "
                   f"{r0['batch']}, {r0['rows']:,} digits per epoch, no validation; the fastest epoch "
                   f"({epochs_note}). mlp: Dense "
                   "512, 256, 10; cnn: Conv 32 3x3, Conv 64 3x3, MaxPool 2, Dropout 0.25, Dense 128, Dropout 0.5, "
                   "Dense 10 (Sources/ZooModels/ScratchModels.swift). PyTorch uses contiguous (NCHW) tensors "
                   "(channels_last trained the cnn about 4x slower in a trial on this machine).",
                   results["train"], "train", lambda r: f"{r['model']}, {r['rows']:,} digits", "(s)")

    if targets:
        out += ["## Targets (issue #6)", "", "| target | row | measured | |", "|---|---|---|---|"]
        out += [f"| {t['target']} | {t['row']} | {t['measured'] or '–'} | {t['verdict']} |" for t in targets]
        met = sum(t["verdict"] == "met" for t in targets)
        out += ["", f"{met} of {sum(t['verdict'] != 'n/a' for t in targets)} measured targets met."]
        out.append("")
    out += ["## How the numbers are made comparable", "",
            "- Same machine, same run, same thread count, one process per measurement, run one after another "
            "(zoo, then Keras, then PyTorch for each row). Load averages before each process are in the JSON.",
            "- Each framework in its best configuration (above); every variant's number is in the JSON.",
            "- Same work: the PyTorch networks are Keras's (parameter counts and outputs checked against Keras "
            "each run); random weights everywhere (speed does not depend on their values); forward inputs of "
            "the same shape and range; GFLOP/s from one nominal count for all.",
            "- Not timed anywhere: process start, imports, model construction, warm-up batches (Keras traces "
            "its tf.function on the first one). Training rows report the fastest epoch, which leaves out "
            "Keras's first-epoch tracing and PyTorch's first-step initialisation.",
            "- What differs by design: zoo folds BatchNormalization into the convolutions for inference "
            "(TensorFlow's graph optimiser also fuses; PyTorch eager does not); zoo's feature time includes "
            "writing the HDF5 file, the others only gather a NumPy array; zoo's head trains on its real cached "
            "features, Keras and PyTorch on random ones of the same shape.",
            "- Peak RSS is the whole process: it includes each runtime's libraries (TensorFlow about 0.6 GB before "
            "any model; this PyTorch is the PyPI CUDA build, whose libraries are mapped but unused).",
            "- Noise: on a machine shared with other work every number moves by up to ~1.4x, and PyTorch's "
            "OpenMP threads suffer most (2 threads ran 3x slower than 1 in a trial on a loaded machine). Only "
            "a run on a quiet machine is a benchmark.", ""]
    failed = [j for j in meta["jobs"] if "error" in j or "warning" in j]
    if failed:
        out += ["## Failed or flagged measurements", ""]
        out += [f"- `{j['name']}`: {'; '.join(x for x in (j.get('error'), j.get('warning')) if x)} (log `{j['log']}`)"
                for j in failed]
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--quick", action="store_true", help="smoke run: tiny batches, data and timings")
    ap.add_argument("--only", default=",".join(GROUPS), help=f"row groups, comma-separated: {','.join(GROUPS)}")
    ap.add_argument("--models", default="vgg16,resnet50", help="forward rows")
    ap.add_argument("--sizes", default="32,48,224", help="forward rows")
    ap.add_argument("--train-models", default="mlp,cnn", help="train rows")
    ap.add_argument("--family-models", default=FAMILY_MODELS, help="families rows (models zoo lacks are skipped)")
    ap.add_argument("--frameworks", default=",".join(PEERS), help="columns: zoo,keras,pytorch (onnxruntime: families rows)")
    ap.add_argument("--keras-variants", default="keras3,tf_keras", help="Keras implementations tried for head/train")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", help="MNIST-format directory with >= 60,000 train and 10,000 test digits "
                                   f"(default: {FASHION} if installed, else the built-in sample tiled)")
    ap.add_argument("--python", default=sys.executable, help="Python with TensorFlow, Keras and torch")
    ap.add_argument("--output", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--json-output", default=None, help="default: benchmarks.json beside --output")
    ap.add_argument("--no-build", action="store_true", help="use the existing release build of zoo ($ZOO if set)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per measurement")
    ap.add_argument("--command", default=None, help=argparse.SUPPRESS)  # how tools/bench.sh was called
    for key, default in FULL.items():
        ap.add_argument("--" + key.replace("_", "-"), type=type(default), default=None,
                        help=f"default {default} ({QUICK[key]} with --quick)")
    args = ap.parse_args(argv)
    cfg = {k: getattr(args, k) if getattr(args, k) is not None else (QUICK if args.quick else FULL)[k] for k in FULL}
    groups = [g for g in args.only.split(",") if g]
    unknown = set(groups) - set(GROUPS)
    args.frameworks = [f for f in args.frameworks.split(",") if f]
    args.keras_variants = [k for k in args.keras_variants.split(",") if k]
    if unknown or set(args.frameworks) - set(PEERS) or set(args.keras_variants) - {"keras3", "tf_keras"}:
        ap.error("unknown row group, framework or Keras variant")
    if any(isinstance(v, (int, float)) and v <= 0 for v in cfg.values()) or args.threads <= 0:
        ap.error("sizes, counts, seconds and --threads must be positive")
    json_path = args.json_output or os.path.join(os.path.dirname(os.path.abspath(args.output)), "benchmarks.json")
    os.makedirs(os.path.join(WORK, "tmp"), exist_ok=True)

    zoo, sgemm = build(args)
    if args.data:
        data, data_note = os.path.abspath(args.data), f"{args.data}"
    elif os.path.isfile(os.path.join(FASHION, "train-images-idx3-ubyte.gz")):
        data, data_note = FASHION, f"Fashion-MNIST from Debian's dataset-fashion-mnist ({FASHION}, 28x28 IDX)"
    else:
        data = tiled_dataset(60000, 10000)
        data_note = "the built-in 5,000-digit sample tiled to 60,000 + 10,000 digits (uncompressed IDX)"
    # Every framework gets the same rows: no more than the data holds.
    for key, split in (("head_rows", "train"), ("train_rows", "train"), ("feature_digits", "test")):
        available = mnist.count(data, split) if os.path.isdir(data) else None
        if available is not None and available < cfg[key]:
            note(f"{data}: {available} {split} digits, so {key} = {available} instead of {cfg[key]}")
            cfg[key] = available
    pin = (os.cpu_count() or 1) > args.threads and shutil.which("taskset") is not None
    runner = Runner(args.threads, args.timeout, os.path.join(WORK, "logs"), pin)
    load_start = os.getloadavg()[0]
    results = {}

    sg = run_sgemm(runner, sgemm, cfg, args.threads) if "sgemm" in groups or "forward" in groups else None
    if sg and "sgemm" in groups:
        results["sgemm"] = sg
    sgemm_peak = sg["peak"].get(str(args.threads)) if sg else None
    # The hand-written PyTorch networks: Keras's parameter counts, and Keras's outputs on the same weights.
    check = runner.run("pytorch-check", "pytorch", [args.python, os.path.join(TOOLS, "bench_torch.py"), "check",
                                                     "--keras", "--threads", str(args.threads)], measurement=False) \
        if "pytorch" in args.frameworks else None
    if "forward" in groups:
        results["forward"] = [run_forward(runner, args, cfg, zoo, args.python, model, int(size))
                              for model in args.models.split(",") for size in args.sizes.split(",")]
    if "features" in groups:
        results["features"] = [run_features(runner, args, cfg, zoo, args.python, data)]
    if "head" in groups:
        results["head"] = [run_head(runner, args, cfg, zoo, args.python, data)]
    if "train" in groups:
        results["train"] = [run_train(runner, args, cfg, zoo, args.python, data, m)
                            for m in args.train_models.split(",")]
    if "families" in groups:
        results["families"] = run_families(runner, args, cfg, zoo, args.python)

    targets = evaluate_targets(results, sgemm_peak)
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": args.command or " ".join(["tools/benchmarks.py"] + (argv if argv is not None else sys.argv[1:])),
        "json": json_path, "machine": machine_info(sg["config"] if sg else None),
        "versions": versions(args.python, zoo),
        "settings": {"quick": args.quick, "threads": args.threads, "groups": groups, "frameworks": args.frameworks,
                     "keras_variants": args.keras_variants, "pinned": pin, "data": data, "data_note": data_note, **cfg},
        "env_dropped": ", ".join(f"{k}={os.environ[k]}" for k in BLAS_ENV_DROPPED if k in os.environ),
        "sgemm_peak": sgemm_peak, "load_start": load_start, "load_end": os.getloadavg()[0],
        "pytorch_check": (check or {}).get("result"), "jobs": runner.jobs,
    }
    if meta["pytorch_check"]:
        meta["versions"]["torch"] = meta["pytorch_check"]["torch_version"]
    with open(args.output, "w") as f:
        f.write(markdown(meta, results, targets) + "\n")
    with open(json_path, "w") as f:
        json.dump({"meta": {k: v for k, v in meta.items() if k != "jobs"}, "results": results,
                   "targets": targets,
                   "jobs": runner.jobs}, f, indent=1)
        f.write("\n")
    note(f"wrote {os.path.relpath(args.output)} and {os.path.relpath(json_path)}")
    return 1 if any("error" in j for j in runner.jobs) else 0


if __name__ == "__main__":
    sys.exit(main())
