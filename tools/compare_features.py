#!/usr/bin/env python3
"""End-to-end `zoo features` parity with TensorFlow (run in CI after a release build).

For (vgg16, 32), (vgg16, 48) and (resnet50, 32) it builds the tf_keras
keras.applications backbone (include_top=False, pooling="avg") with the seeded
random weights of compare_full.py (zootools.models.seeded_application), saves
them as legacy .h5 and computes the
features of the first N built-in MNIST test digits in TensorFlow
(tf.image.resize -> grayscale_to_rgb -> preprocess_input -> model), then runs

  $ZOO features --model M --weights W.h5 --split test --size S --pooling avg \
      --limit N --no-cache --output F.h5

A case passes iff max|zoo - keras| <= 1e-4 * max|keras| and /labels equals
the sample's labels. One more case runs zoo twice with a fresh --cache-dir:
the second call must report "cacheHit": true and return the first call's
features bit for bit.
"""
import argparse
import os
import shutil
import sys
import tempfile

import h5py

from zootools import mnist, models, zoo
from zootools.frameworks import clear_sessions, forward, np, tf_keras
from zootools.parity import REL_TOL, max_abs
from zootools.preprocess import digits_to_input

# Note: all three end in a 1x1 map, where avg == max pooling; --cases
# vgg16:64,resnet50:64 (2x2 maps) also tells the pooling modes apart.
CASES = "vgg16:32,vgg16:48,resnet50:32"
BATCH = 50  # Keras side; memory only, results do not depend on it


class Reference:
    """The tf_keras backbone with seeded weights, saved to `weights`, and its
    features of `digits`."""

    def __init__(self, model_name, size, digits, seed, weights):
        model = models.seeded_application(tf_keras, model_name, size, seed, pooling="avg")
        model.save_weights(weights)  # .h5 suffix: tf_keras writes the legacy HDF5 format
        preprocess = getattr(tf_keras.applications, model_name).preprocess_input
        self.y = np.concatenate([forward(model, digits_to_input(digits[i:i + BATCH], size, preprocess))
                                 for i in range(0, len(digits), BATCH)])
        self.peak = float(np.max(np.abs(self.y)))
        if not 1e-3 <= self.peak <= 1e6:
            raise SystemExit(f"{model_name} {size}: reference max|features| = {self.peak:g} out of [1e-3, 1e6]")


def run_zoo(binary, model_name, size, weights, limit, output, cache_dir=None):
    """Runs `zoo features`; returns (features, labels, JSON summary, seconds, error or None)."""
    args = ["features", "--model", model_name, "--weights", weights, "--split", "test",
            "--size", size, "--pooling", "avg", "--limit", limit, "--output", output, "--json"]
    args += ["--cache-dir", cache_dir] if cache_dir else ["--no-cache"]
    result = zoo.run(args, zoo=binary)
    secs = result.seconds
    if result.failure():
        return None, None, None, secs, result.failure()
    try:
        summary = result.json()
        with h5py.File(output, "r") as f:
            features, labels = f["features"][()], f["labels"][()]
    except Exception as e:  # noqa: BLE001 - any unreadable output is a failure
        return None, None, None, secs, f"cannot read zoo's output: {e}"
    if features.dtype != np.float32 or labels.dtype != np.int64:
        return None, None, None, secs, f"dtypes /features {features.dtype}, /labels {labels.dtype}"
    return features, labels, summary, secs, None


def check(ref, labels, features, zoo_labels):
    """(max abs err or None, error message or None) of zoo's output against Keras."""
    if features.shape != ref.y.shape:
        return None, f"/features shape {features.shape}, Keras {ref.y.shape}"
    if not np.array_equal(zoo_labels, labels):
        return None, f"/labels differ from the sample's labels at {np.flatnonzero(zoo_labels != labels)[:10]}"
    err = max_abs(features, ref.y)
    return err, None if err <= REL_TOL * ref.peak else "features differ from Keras"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", default=zoo.binary(), help="default: $ZOO or the release build")
    ap.add_argument("--limit", type=int, default=200, help="first N digits of the test split")
    ap.add_argument("--cases", default=CASES, help="model:size list (default %(default)s)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", metavar="DIR", help="write files here and keep them")
    args = ap.parse_args()
    cases = [(m, int(s)) for m, _, s in (c.partition(":") for c in args.cases.split(","))]
    if any(m not in models.APPLICATIONS for m, _ in cases):
        ap.error(f"unknown model in --cases {args.cases}")
    if not os.access(args.zoo, os.X_OK):
        ap.error(f"zoo CLI not found at {args.zoo} (build it or pass --zoo)")
    images, labels = mnist.digits("test")
    digits, labels = images[:args.limit], labels[:args.limit]
    workdir = args.keep or tempfile.mkdtemp(prefix="zoo_features_")
    os.makedirs(workdir, exist_ok=True)

    print(f"{'model':9s} {'size':>4s} {'run':9s} {'max abs err':>11s} {'rel err':>9s} {'result':6s} {'zoo s':>7s}",
          flush=True)
    passed = failed = 0

    def report(model_name, size, run, ref, err, secs, msg):
        nonlocal passed, failed
        ok = msg is None
        passed, failed = passed + ok, failed + (not ok)
        abs_, rel = ("-", "-") if err is None else (f"{err:11.3e}", f"{err / ref.peak:9.2e}")
        print(f"{model_name:9s} {size:4d} {run:9s} {abs_:>11s} {rel:>9s} {'PASS' if ok else 'FAIL':6s} {secs:7.2f}",
              flush=True)
        if msg:
            print("    " + msg.replace("\n", "\n    "), flush=True)

    try:
        for i, (model_name, size) in enumerate(cases):
            stem = os.path.join(workdir, f"{model_name}_{size}")
            ref = Reference(model_name, size, digits, args.seed, stem + ".h5")
            features, zoo_labels, _, secs, msg = run_zoo(args.zoo, model_name, size, stem + ".h5",
                                                         args.limit, stem + "_features.h5")
            err, msg = (None, msg) if msg else check(ref, labels, features, zoo_labels)
            report(model_name, size, "no-cache", ref, err, secs, msg)
            if i == 0:  # the cache case, on the first backbone
                cache_dir = os.path.join(workdir, "cache")
                shutil.rmtree(cache_dir, ignore_errors=True)  # a hit must come from this run's first call
                runs = [run_zoo(args.zoo, model_name, size, stem + ".h5", args.limit,
                                f"{stem}_cached{k}.h5", cache_dir) for k in (1, 2)]
                (f1, l1, s1, _, msg1), (f2, l2, s2, secs, msg2) = runs
                err, msg = None, msg1 or msg2
                if not msg:
                    err, msg = check(ref, labels, f2, l2)
                    hits = (s1.get("cacheHit"), s2.get("cacheHit"))
                    if hits != (False, True):
                        msg = f"cacheHit on the two calls: {hits}, expected (False, True)"
                    elif not np.array_equal(f1, f2):
                        msg = "second (cached) call's features differ from the first call's"
                report(model_name, size, "cache hit", ref, err, secs, msg)
            del ref
            clear_sessions()
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
