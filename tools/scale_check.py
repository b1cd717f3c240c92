#!/usr/bin/env python3
"""Scale check for `zoo features` (issue #6): memory stays bounded and time grows linearly with
the number of images, and the progress bar's ETA is right.

Runs `zoo features` on N = each of --counts digits (each run in its own process, feature cache
off) and reports, per run: wall time, images/s, peak RSS (from wait4), and the ETA printed at
every 10% turned into a predicted finish time, with its error against the real finish as a
share of the real run time. `--full` adds the whole 60,000-digit training split.

    tools/scale_check.py [--zoo PATH] [--model resnet50] [--size 224]
                         [--counts 1000,2000,4000] [--full] [--json out.json]

Data: Debian's Fashion-MNIST (60,000 28x28 digits in IDX, as MNIST) when installed, else the
built-in sample tiled to 60,000 (the timing and memory do not depend on the pixels).
Exits 1 when peak RSS grows by more than 10% from the smallest to the largest run, the
images/s of the largest run is more than 10% off the smallest's, or an ETA from 20% on is off by
more than 10%. (At 10% the rate still includes the first batch's one-off costs.)
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from benchmarks import FASHION, tiled_dataset
from zootools import zoo as zoo_runner

ETA = re.compile(r"(\d+)%.*ETA (?:(\d+):)?(\d+):(\d+)")
DONE = re.compile(r"(\d+)/(\d+) images")


def seconds(h, m, s):
    return int(h or 0) * 3600 + int(m) * 60 + int(s)


def run(zoo, model, size, data, count, batch):
    out = tempfile.mktemp(suffix=".h5")
    env = zoo_runner.environment(drop_blas_overrides=True)
    # Not zoo_runner.run: the ETA lines are timed as zoo prints them.
    cmd = [zoo_runner.binary(zoo), "features", "--model", model, "--untrained", "--size", str(size), "--data", data, "--split", "train",
           "--limit", str(count), "--batch-size", str(batch), "--no-cache", "--output", out]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    etas, totals = [], set()
    for line in proc.stderr:  # not a TTY: zoo prints one line per 10%
        totals.update(int(t) for _, t in DONE.findall(line))
        m = ETA.search(line)
        if m and m.group(1) != "100":
            now = time.monotonic() - start
            etas.append((int(m.group(1)), now, now + seconds(*m.groups()[1:])))
    _, status, usage = os.wait4(proc.pid, 0)
    total = time.monotonic() - start
    if os.path.exists(out):
        os.unlink(out)
    if status != 0:
        sys.exit(f"scale_check: {' '.join(cmd)} failed with status {status}")
    if totals - {count}:
        sys.exit(f"scale_check: asked for {count} images, zoo ran {sorted(totals)} (does {data} hold that many?)")
    return {
        "images": count, "seconds": total, "images_per_second": count / total,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "eta": [{"percent": p, "at": t, "predicted_finish": f, "error": (f - total) / total} for p, t, f in etas],
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--zoo", default=zoo_runner.binary(), help="default: $ZOO or the release build")
    p.add_argument("--model", default="resnet50")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch-size", type=int, default=64)
    # Runs of a minute or more: the ETA is printed in whole seconds.
    p.add_argument("--counts", default="1000,2000,4000")
    p.add_argument("--full", action="store_true", help="also run all 60,000 training digits")
    p.add_argument("--data", help=f"MNIST-format directory (default: {FASHION} if installed, else the sample tiled)")
    p.add_argument("--json", help="write the results here too")
    args = p.parse_args()
    data = args.data or (FASHION if os.path.isdir(FASHION) else tiled_dataset(60000, 10000))
    counts = [int(c) for c in args.counts.split(",")] + ([60000] if args.full else [])
    runs = []
    print(f"{args.model} features at {args.size}x{args.size}, batch {args.batch_size}, data {data}")
    print(f"{'images':>7} {'seconds':>9} {'img/s':>7} {'peak RSS MB':>12}  ETA error (predicted finish - real) / real, at 10%..90%")
    for count in counts:
        r = run(args.zoo, args.model, args.size, data, count, args.batch_size)
        runs.append(r)
        errors = " ".join(f"{e['percent']}%:{100 * e['error']:+.1f}%" for e in r["eta"])
        print(f"{count:>7} {r['seconds']:>9.1f} {r['images_per_second']:>7.2f} {r['peak_rss_mb']:>12.0f}  {errors}", flush=True)
    first, last = runs[0], runs[-1]
    problems = []
    if last["peak_rss_mb"] > 1.1 * first["peak_rss_mb"]:
        problems.append(f"peak RSS grew from {first['peak_rss_mb']:.0f} to {last['peak_rss_mb']:.0f} MB")
    if abs(last["images_per_second"] / first["images_per_second"] - 1) > 0.1:
        problems.append(f"images/s went from {first['images_per_second']:.2f} to {last['images_per_second']:.2f}")
    for r in runs:
        for e in r["eta"]:
            if e["percent"] >= 20 and abs(e["error"]) > 0.1:
                problems.append(f"{r['images']} images: ETA at {e['percent']}% off by {100 * e['error']:+.1f}%")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"model": args.model, "size": args.size, "data": data, "runs": runs, "problems": problems}, f, indent=1)
    print("ok: bounded memory, linear time, ETA within 10%" if not problems else "FAILED: " + "; ".join(problems))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
