#!/usr/bin/env python3
"""Full-size parity check of the Swift `zoo` CLI against Keras (run in CI).

For each model (vgg16, resnet50, and on request vgg19, resnet101, resnet152,
resnet50v2, resnet101v2, resnet152v2, inceptionv3, xception, mobilenetv3small, convnexttiny) and size
(32, or with `--sizes min` each model's minimum: include_top=False, pooling
None; 224: include_top=True) it builds the keras.applications model in
tf_keras with seeded random weights, computes Keras's output on a random
caffe-range batch, writes the weights in several file formats and runs

  $ZOO forward MODEL --weights FILE --size N [--include-top] --input IN.h5 --output OUT.h5

on each. A run passes iff max|zoo - keras| <= 1e-4 * max|keras|.
--dry-run skips zoo and instead loads every written file back with Keras.
"""
import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
import warnings

from zootools import efficientnet, h5files, models, zoo
from zootools.frameworks import clear_sessions, forward, keras, np, tf_keras
from zootools.parity import REL_TOL, assert_close, max_abs

warnings.filterwarnings("ignore")  # legacy-HDF5 save warnings are expected here
FORMATS = ("legacy", "official", "fullmodel", "keras3", "keras")
EXT = {"legacy": ".h5", "official": ".h5", "fullmodel": ".h5", "keras3": ".weights.h5", "keras": ".keras"}
BATCH = {32: 4, 224: 2}
# keras.applications' smallest input where it is above 32 (`--sizes min` takes each model's).
MINIMUM_SIZE = {"inceptionv3": 75, "xception": 71}


def sizes_for(model_name, sizes):
    return [MINIMUM_SIZE.get(model_name, 32) if s == "min" else int(s) for s in sizes]


def official_entries(model_name, model):
    """Layer names exactly as in the official weight files (Models/catalogue.json):
    VGG input `input_2`; ResNet (v1 and v2, keras-applications' resnet_common) input `input_1`
    and top Dense `probs`."""
    inp = model.layers[0].name
    if model_name.startswith("vgg"):
        return h5files.model_entries(model, rename={inp: "input_2"})
    return h5files.model_entries(model, rename={inp: "input_1", "predictions": "probs"})


class Case:
    """One (model, size): the tf_keras reference model, input and output."""

    def __init__(self, model_name, size, seed):
        self.name, self.size, self.top = model_name, size, size == 224
        if model_name in efficientnet.NAMES:
            self.m2 = efficientnet.seeded_application(tf_keras, model_name, size, seed, include_top=self.top)
        else:
            self.m2 = models.seeded_application(tf_keras, model_name, size, seed, include_top=self.top)
        rng = np.random.default_rng(seed + 1)
        low = 0 if model_name in efficientnet.NAMES else -120  # EfficientNet takes pixels and scales them itself
        self.x = rng.uniform(low, 140, (BATCH.get(size, 2), size, size, 3)).astype(np.float32)
        self.y = forward(self.m2, self.x)
        peak = float(np.max(np.abs(self.y)))
        if not 1e-3 <= peak <= 1e6:
            raise SystemExit(f"{model_name} {size}: reference output max|y| = {peak:g} out of [1e-3, 1e6]")
        self._m3 = None

    @property
    def m3(self):
        """Keras 3 twin with the same weights (only built when needed)."""
        if self._m3 is None:
            if self.name in efficientnet.NAMES:
                self._m3 = efficientnet.application(keras, self.name, self.size, include_top=self.top)
            else:
                self._m3 = models.application(keras, self.name, self.size, include_top=self.top)
            models.copy_weights(self.m2, self._m3)
            if self.name in efficientnet.NAMES:
                efficientnet.finalize(self._m3)
            assert_close(forward(self._m3, self.x), self.y, REL_TOL * self.peak, "Keras 3 twin")
        return self._m3

    @property
    def peak(self):
        return float(np.max(np.abs(self.y)))

    def write(self, fmt, path):
        if fmt == "legacy":
            self.m2.save_weights(path)
        elif fmt == "official":
            entries = official_entries(self.name, self.m2)
            if self.name.startswith("vgg"):
                h5files.write_keras1_flat(path, entries)
            else:
                h5files.write_keras2_nested(path, entries)
            # The look-alike must load in Keras before it can judge zoo.
            err = self.keras_reload(fmt, path)
            if not err <= REL_TOL * self.peak:
                raise SystemExit(f"official look-alike {path} does not reproduce Keras (err {err:g})")
        elif fmt == "fullmodel":
            self.m2.save(path, save_format="h5")
        elif fmt == "keras3":
            self.m3.save_weights(path)
        elif fmt == "keras":
            self.m3.save(path)

    def keras_reload(self, fmt, path):
        """Load `path` with Keras into a zeroed model; max abs error vs reference."""
        if fmt == "fullmodel":
            y = forward(tf_keras.models.load_model(path, compile=False), self.x)
        elif fmt == "keras":
            y = forward(keras.models.load_model(path, compile=False), self.x)
        else:
            m = self.m3 if fmt == "keras3" else self.m2
            for layer in models.weighted_layers(m):
                layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
            m.load_weights(path)
            y = forward(m, self.x)
        return max_abs(y, self.y)


def run_zoo(binary, case, weights, in_path, out_path):
    """Returns (max abs err or None, seconds, error message or None)."""
    args = ["forward", case.name, "--weights", weights, "--size", case.size]
    args += ["--include-top"] if case.top else []
    result = zoo.run(args + ["--input", in_path, "--output", out_path], zoo=binary)
    if result.failure():
        return None, result.seconds, result.failure()
    try:
        out = h5files.read_output(out_path)
    except Exception as e:  # noqa: BLE001 - any unreadable output is a failure
        return None, result.seconds, f"cannot read {out_path}: {e}"
    if out.shape != case.y.shape:
        return None, result.seconds, f"output shape {out.shape}, Keras {case.y.shape}"
    return max_abs(out, case.y), result.seconds, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", default=zoo.binary(), help="default: $ZOO or the release build")
    ap.add_argument("--models", default="vgg16,resnet50")
    ap.add_argument("--sizes", default="32,224", help="224 means include_top=True, others notop; "
                                                       "min: each model's minimum size")
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--keep", metavar="DIR", help="write files here and keep them")
    ap.add_argument("--dry-run", action="store_true", help="skip zoo; reload each file with Keras instead")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    model_names = args.models.split(",")
    sizes = args.sizes.split(",")
    if any(s != "min" and not s.isdigit() for s in sizes):
        ap.error(f"--sizes: numbers or min, got {args.sizes}")
    formats = args.formats.split(",")
    bad = [m for m in model_names if m not in models.APPLICATIONS and m not in efficientnet.NAMES]
    bad += [f for f in formats if f not in FORMATS]
    if bad:
        ap.error(f"unknown model/format: {bad}")
    if not args.dry_run and not os.access(args.zoo, os.X_OK):
        ap.error(f"zoo CLI not found at {args.zoo} (build it or pass --zoo; --dry-run to test Keras only)")
    workdir = args.keep or tempfile.mkdtemp(prefix="zoo_compare_")
    os.makedirs(workdir, exist_ok=True)

    engine = "keras" if args.dry_run else "zoo"
    print(f"{'model':9s} {'size':>4s} {'format':9s} {'max abs err':>11s} {'rel err':>9s} {'result':6s} "
          f"{engine + ' s':>7s}", flush=True)
    passed = failed = 0
    try:
        for model_name in model_names:
            for size in sizes_for(model_name, sizes):
                case = Case(model_name, size, args.seed)
                in_path = os.path.join(workdir, f"{model_name}_{size}_input.h5")
                h5files.write_io(in_path, case.x, None)  # /input only: zoo must compute /output
                for fmt in formats:
                    path = os.path.join(workdir, f"{model_name}_{size}_{fmt}{EXT[fmt]}")
                    out_path = os.path.join(workdir, f"{model_name}_{size}_{fmt}_output.h5")
                    case.write(fmt, path)
                    if args.dry_run:
                        t0 = time.time()
                        err, msg = case.keras_reload(fmt, path), None
                        secs = time.time() - t0
                    else:
                        err, secs, msg = run_zoo(args.zoo, case, path, in_path, out_path)
                    ok = err is not None and err <= REL_TOL * case.peak
                    passed, failed = passed + ok, failed + (not ok)
                    rel = "-" if err is None else f"{err / case.peak:9.2e}"
                    abs_ = "-" if err is None else f"{err:11.3e}"
                    print(f"{model_name:9s} {size:4d} {fmt:9s} {abs_:>11s} {rel:>9s} {'PASS' if ok else 'FAIL':6s} "
                          f"{secs:7.2f}", flush=True)
                    if msg:
                        print("    " + msg.replace("\n", "\n    "), flush=True)
                    if not args.keep:  # full-size files are up to 553 MB each
                        for p in (path, out_path):
                            if os.path.exists(p):
                                os.remove(p)
                del case
                clear_sessions()
                gc.collect()
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
