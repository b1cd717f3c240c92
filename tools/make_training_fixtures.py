#!/usr/bin/env python3
"""Write the Keras-exact training-step fixtures into Tests/Fixtures/training/.

Three small models (head: Dense 64->32->10; mlp: MNIST 784->512->256->10;
cnn: the Keras MNIST convnet) are trained for a few steps with each optimizer
case, from one stored set of initial weights, on stored data in fixed batch
order. Each file holds the data, the initial weights, and per case the final
weights and the loss of every step, so the Swift trainer can replay the steps
and compare.

The reference is Keras 3 (`import keras`). Every case is run four ways: a
Keras 3 train_on_batch loop (what is stored), Keras 3 `fit(shuffle=False)`,
and the same two in tf_keras; all four must agree (weights within 1e-5
relative per tensor, losses within 1e-5) before anything is written.

Usage: python tools/make_training_fixtures.py [--out DIR] [--only head,mlp,cnn]
"""
import argparse
import os
import time
import warnings

import h5py

from zootools import ROOT, mnist, models
from zootools.frameworks import KERAS3_VERSION, TF_KERAS_VERSION, keras, np, tf, tf_keras
from zootools.parity import max_abs

warnings.filterwarnings("ignore")
tf.config.experimental.enable_op_determinism()

AGREE_TOL = 1e-5      # tf_keras vs Keras 3, fit vs train_on_batch (relative per tensor)
FIT_LOSS_TOL = 1e-4   # per-step losses recovered from fit's running mean (see fit_run)
FLOAT64_TOL = 3e-5    # Keras 3 in float64 vs float32: conditioning guard (see float64_run)
MAX_TOTAL = 12_000_000
# The cnn's fc1 kernel is 9216 x 128 (1.18M floats, 4.7 MB per copy): the full
# initial copy plus two full final copies alone would exceed MAX_TOTAL, so the
# final fc1 kernels keep every 9th row (9 is coprime to the 64 channels, so the
# 1024 rows cover every channel and every spatial position of the 12x12 map).
CNN_FC1_ROW_STRIDE = 9
BATCH = 32
LOSS = "sparse_categorical_crossentropy"

# name -> (Keras class, constructor kwargs). Adam / RMSprop: Keras defaults.
CASES = {
    "sgd": ("SGD", dict(learning_rate=0.1)),
    "sgd_momentum": ("SGD", dict(learning_rate=0.05, momentum=0.9)),
    "sgd_nesterov": ("SGD", dict(learning_rate=0.05, momentum=0.9, nesterov=True)),
    "adam": ("Adam", {}),
    "rmsprop": ("RMSprop", {}),
}
# Hyper-parameters stored as attributes on each case group (from get_config()).
EXTRA_ATTRS = {"Adam": ("beta_1", "beta_2", "epsilon", "amsgrad"),
               "RMSprop": ("rho", "epsilon", "centered")}


# ---------------------------------------------------------------- models
# zoo's head, mlp and cnn with dropout rate 0 (a step must not depend on dropout masks).

def build_head(K):
    return models.head_model(K, 64, 32, 0.0, input_name="input")


def build_mlp(K):
    return models.scratch_model(K, "mlp", dropout=(0.0, 0.0), input_name="input")


def build_cnn(K):
    return models.scratch_model(K, "cnn", dropout=(0.0, 0.0), input_name="input")


# ---------------------------------------------------------------- data

def head_data(seed, rows=640):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, 64)).astype(np.float32)
    labels = rng.integers(0, 10, rows).astype(np.int64)
    return {"features": features, "labels": labels}, features


def digit_data(seed, rows):
    """First `rows` digits of the built-in train split after a seeded
    permutation (the files are sorted by label). The model input is the
    uint8 image as float32 [N, 28, 28, 1] (0..255; the model rescales)."""
    images, labels = mnist.digits("train")
    indices = np.random.default_rng(seed).permutation(len(images))[:rows].astype(np.int64)
    data = {"images": images[indices], "labels": labels[indices], "indices": indices}
    return data, images[indices][..., None].astype(np.float32)


class Spec:
    def __init__(self, name, builder, data, steps, cases, seed, notes, row_stride=None, bias_std=0.0):
        self.name, self.builder, self.steps, self.cases, self.seed = name, builder, steps, cases, seed
        # Initial biases N(0, bias_std) instead of Keras's zeros (see the cnn spec).
        self.bias_std = bias_std
        self.row_stride = row_stride or {}  # {layer: k}: final kernels stored at rows 0, k, 2k, ... only
        self.data, self.x = data
        self.y = self.data["labels"]
        self.notes = notes
        assert len(self.y) == steps * BATCH, (len(self.y), steps)


SPECS = {
    "head": lambda: Spec("head", build_head, head_data(1), 20, list(CASES), 11,
                         "`/features` float32 [640,64] N(0,1), `/labels` int64 [640] uniform 0-9 (numpy seed 1)"),
    "mlp": lambda: Spec("mlp", build_mlp, digit_data(2, 320), 10, ["sgd", "adam"], 12,
                        "`/images` uint8 [320,28,28], `/labels` int64 [320], `/indices` int64 [320] = rows of the "
                        "built-in train split (numpy seed 2 permutation of 0..3999, first 320)"),
    "cnn": lambda: Spec("cnn", build_cnn, digit_data(3, 128), 4, ["sgd", "adam"], 13,
                        "`/images` uint8 [128,28,28], `/labels` int64 [128], `/indices` int64 [128] = rows of the "
                        "built-in train split (numpy seed 3 permutation, first 128); initial biases "
                        "N(0, 0.1) (numpy seed 1013), not zeros: with zero biases the zero background makes "
                        "max-pool windows tie and ReLUs sit at 0, and TensorFlow itself (oneDNN on vs off) "
                        "ends 4 SGD steps 1.3% apart, so no second implementation could match; with these "
                        "biases oneDNN on vs off agree to 1.4e-7 (SGD) and 1.2e-5 (Adam)",
                        row_stride={"fc1": CNN_FC1_ROW_STRIDE}, bias_std=0.1),
}


# ---------------------------------------------------------------- training runs

def make_optimizer(K, case):
    cls, kwargs = CASES[case]
    return getattr(K.optimizers, cls)(**kwargs)


def fresh_model(spec, K, initial, case):
    model = spec.builder(K)
    for layer in models.weighted_layers(model):
        layer.set_weights(initial[layer.name])
    model.compile(optimizer=make_optimizer(K, case), loss=LOSS)
    return model


def layer_weights(model):
    """{layer: [kernel, bias]} of the weighted layers, in layer.weights order."""
    return {layer.name: [np.asarray(w, np.float32) for w in layer.get_weights()]
            for layer in models.weighted_layers(model)}


def loop_run(spec, K, initial, case):
    """train_on_batch over the batches in order. Its return value is the loss
    of the forward pass of that step, i.e. before the update (checked below
    against an explicit forward pass on the first step)."""
    model = fresh_model(spec, K, initial, case)
    losses = []
    for step in range(spec.steps):
        xb, yb = spec.x[step * BATCH:(step + 1) * BATCH], spec.y[step * BATCH:(step + 1) * BATCH]
        if step == 0:
            before = float(K.losses.SparseCategoricalCrossentropy()(yb, model(xb, training=True)))
        loss = model.train_on_batch(xb, yb)
        losses.append(float(np.asarray(loss).reshape(-1)[0]))
    if abs(losses[0] - before) > 1e-6 * abs(before):
        raise AssertionError(f"{K.__name__} train_on_batch step-1 loss {losses[0]} != forward pass {before}")
    return layer_weights(model), np.asarray(losses, np.float64)


class BatchLosses:
    """Records logs["loss"] at each on_train_batch_end. In fit (both Keras
    versions) that is the running mean over the epoch so far, not the batch
    loss; fit_run recovers the batch losses by differencing."""

    def __new__(cls, K):
        class _CB(K.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.means = []

            def on_train_batch_end(self, batch, logs=None):
                self.means.append(float(logs["loss"]))
        return _CB()


def fit_run(spec, K, initial, case):
    model = fresh_model(spec, K, initial, case)
    cb = BatchLosses(K)
    model.fit(spec.x, spec.y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[cb])
    means = np.asarray(cb.means, np.float64)
    assert len(means) == spec.steps, (len(means), spec.steps)
    n = np.arange(1, spec.steps + 1)
    losses = n * means - np.concatenate([[0.0], (n * means)[:-1]])
    return layer_weights(model), losses, means


def float64_run(spec, initial, case):
    """The Keras 3 loop in float64: how far rounding alone moves the result.
    A fixture is only useful to a float32 reimplementation (other summation
    orders) if this is well below its 1e-4 tolerance, i.e. no ReLU/max-pool
    decision sits on a knife edge."""
    old = keras.config.floatx()
    keras.config.set_floatx("float64")
    try:
        return loop_run(spec, keras, initial, case)
    finally:
        keras.config.set_floatx(old)


def rel_diff(a, b):
    """max |a - b| / max |b| (max abs diff if b is all zeros)."""
    return max_abs(a, b) / max(float(np.max(np.abs(b))), 1e-30)


def compare(ref, other):
    """Worst relative per-tensor difference between two {layer: [arrays]}."""
    assert ref.keys() == other.keys(), (ref.keys(), other.keys())
    return max(rel_diff(o, r) for layer in ref for r, o in zip(ref[layer], other[layer]))


def run_case(spec, initial, case):
    """Returns (weights, losses, agreement dict) after checking all four runs agree."""
    w3, l3 = loop_run(spec, keras, initial, case)
    w3f, l3f, means3 = fit_run(spec, keras, initial, case)
    w2, l2 = loop_run(spec, tf_keras, initial, case)
    w2f, l2f, _ = fit_run(spec, tf_keras, initial, case)
    w64, l64 = float64_run(spec, initial, case)
    agree = {
        "k3 fit vs loop (weights)": compare(w3, w3f),
        "tf_keras loop vs k3 loop (weights)": compare(w3, w2),
        "tf_keras fit vs k3 loop (weights)": compare(w3, w2f),
        "tf_keras loop vs k3 loop (losses)": max_abs(l2, l3),
        "fit running-mean losses vs loop": max(max_abs(l3f, l3), max_abs(l2f, l3)),
        "float64 vs float32 (weights)": compare(w3, w64),
        "float64 vs float32 (losses)": max_abs(l64, l3),
    }
    for what, err in agree.items():
        tol = {"fit": FIT_LOSS_TOL, "flo": FLOAT64_TOL}.get(what[:3], AGREE_TOL)
        if not err <= tol:
            raise AssertionError(f"{spec.name}/{case}: {what}: {err:.3g} > {tol:g}")
    if not np.allclose(means3, np.cumsum(l3) / np.arange(1, spec.steps + 1), rtol=1e-5):
        raise AssertionError(f"{spec.name}/{case}: fit's logs['loss'] is not the running mean of the batch losses")
    moved = max(rel_diff(w3[layer][i], initial[layer][i]) for layer in w3 for i in range(len(w3[layer])))
    if moved < 1e-3:
        raise AssertionError(f"{spec.name}/{case}: weights barely changed ({moved:.3g})")
    return w3, l3, agree


# ---------------------------------------------------------------- writing

def create(group, name, data):
    """Datasets above 1k elements are chunked with shuffle + deflate (lossless;
    libhdf5 decompresses transparently in H5Dread): ~17% smaller float32 weights."""
    data = np.asarray(data)
    big = data.size > 1024
    group.create_dataset(name, data=data, compression="gzip" if big else None,
                         compression_opts=9 if big else None, shuffle=big)


def write_weights(group, weights, row_stride=None):
    """<layer>/kernel, <layer>/bias; for layers in row_stride only the rows
    0, k, 2k, ... of the kernel, as <layer>/kernel_rows with their indices in
    <layer>/row_indices (int64) and attribute row_stride = k."""
    for layer, values in weights.items():
        g = group.create_group(layer)
        for role, v in zip(("kernel", "bias"), values):
            v = np.asarray(v, np.float32)
            k = (row_stride or {}).get(layer)
            if role == "kernel" and k:
                rows = np.arange(0, v.shape[0], k, dtype=np.int64)
                create(g, "kernel_rows", v[rows])
                create(g, "row_indices", rows)
                g.attrs["row_stride"] = k
            else:
                create(g, role, v)


def case_attrs(case):
    cls, _ = CASES[case]
    config = make_optimizer(keras, case).get_config()
    attrs = {"optimizer": cls.lower(), "learning_rate": float(np.float32(config["learning_rate"])),
             "momentum": float(config.get("momentum", 0.0)), "nesterov": bool(config.get("nesterov", False))}
    for key in EXTRA_ATTRS.get(cls, ()):
        attrs[key] = config[key]
    # Booleans as int64 0/1: h5py writes numpy bools as an HDF5 enum, which
    # ZooHDF5's attribute reader (float, integer, string) does not take.
    return {k: int(v) if isinstance(v, (bool, np.bool_)) else v for k, v in attrs.items()}


def write_fixture(path, spec, initial, results):
    with h5py.File(path, "w") as f:
        f.attrs["model"] = spec.name
        f.attrs["keras_version"] = KERAS3_VERSION
        f.attrs["tf_keras_version"] = TF_KERAS_VERSION
        f.attrs["loss"] = LOSS
        f.attrs["batch_size"] = BATCH
        f.attrs["steps"] = spec.steps
        f.attrs["init_seed"] = spec.seed
        for key, value in spec.data.items():
            create(f, key, value)
        write_weights(f.create_group("initial"), initial)
        for case, (weights, losses, _) in results.items():
            g = f.create_group(case)
            for key, value in case_attrs(case).items():
                g.attrs[key] = value
            write_weights(g, weights, spec.row_stride)
            g.create_dataset("losses", data=np.asarray(losses, np.float64))


def verify_file(path, spec, initial, results):
    """Read the file back; replaying it in Keras 3 must give the stored weights."""
    with h5py.File(path, "r") as f:
        def read(g):
            out = {}
            for layer in (k for k in f[g] if isinstance(f[g][k], h5py.Group)):
                lg = f[g][layer]
                kernel = lg["kernel"][()] if "kernel" in lg else (lg["kernel_rows"][()], lg["row_indices"][()])
                out[layer] = [kernel, lg["bias"][()]]
            return out

        stored_initial = read("initial")
        assert compare(initial, stored_initial) == 0.0
        for case, (weights, losses, _) in results.items():
            stored = read(case)
            for layer, k in spec.row_stride.items():
                rows, indices = stored[layer][0]
                assert np.array_equal(indices, np.arange(0, len(weights[layer][0]), k))
                assert np.array_equal(rows, weights[layer][0][indices])
                stored[layer][0] = weights[layer][0]
            assert compare(weights, stored) == 0.0
            assert np.array_equal(f[case]["losses"][()], losses)
    replay, _ = loop_run(spec, keras, stored_initial, spec.cases[0])
    assert compare(results[spec.cases[0]][0], replay) == 0.0, "replay is not bit-reproducible"


def write_readme(out, sizes, summary):
    """summary: {fixture: (spec, {case: (weights, losses, agreement)})}."""
    v = dict(k3=KERAS3_VERSION, k2=TF_KERAS_VERSION)
    lines = [
        "# Training fixtures", "",
        "Generated by `tools/make_training_fixtures.py` (do not edit by hand; rerun the script; the output is "
        "byte-for-byte deterministic).",
        f"Reference: Keras {v['k3']} (`import keras`, TensorFlow backend, CPU), a `train_on_batch` loop. Every "
        f"case was also run with `fit(batch_size=32, epochs=1, shuffle=False)` and both ways in tf_keras {v['k2']}; "
        "all runs agree within 1e-5 (relative per tensor: max|a - b| / max|b|) before anything is written.", "",
        "## Layout of `head_steps.h5`, `mlp_steps.h5`, `cnn_steps.h5`", "",
        "- root attributes: `model`, `keras_version`, `tf_keras_version`, `loss` "
        "(`sparse_categorical_crossentropy`), `batch_size` (32), `steps`, `init_seed` "
        "(`keras.utils.set_random_seed` before building: Keras's default glorot_uniform kernels, zero biases)",
        "- data (see the table); step `s` (0-based) trains on rows `[32*s, 32*s+32)`, in order, no shuffling",
        "- `/initial/<layer>/kernel`, `/initial/<layer>/bias`: float32 weights every case starts from "
        "(Keras layouts: Dense kernel [in, out], Conv2D kernel [kh, kw, in, out]; weighted layers only)",
        "- `/<case>/<layer>/kernel|bias`: float32 weights after the last step",
        f"- exception, `cnn_steps.h5` `/<case>/fc1`: the final 9216x128 kernel is stored only at rows "
        f"0, {CNN_FC1_ROW_STRIDE}, {2 * CNN_FC1_ROW_STRIDE}, ... as `kernel_rows` float32 [1024, 128], with "
        f"`row_indices` int64 [1024] and group attribute `row_stride` = {CNN_FC1_ROW_STRIDE} (no `kernel` dataset "
        "there; the full initial kernel is in `/initial/fc1/kernel`). Full final copies would have put the "
        "fixtures over their 12 MB budget. Row r of the flattened 12x12x64 map is (y, x, c) = "
        "(r / 768, r / 64 % 12, r % 64); stride 9 is coprime to 64, so every channel and position is covered",
        "- `/<case>/losses`: float64 [steps], the batch loss of each step computed in the forward pass of that "
        "step, i.e. before its update (Keras's `train_on_batch` return value, a float32 in Keras)",
        "- `/<case>` attributes: `optimizer` (string `sgd`/`adam`/`rmsprop`), `learning_rate`, `momentum`, "
        "`nesterov`; Adam also `beta_1`, `beta_2`, `epsilon`, `amsgrad`; RMSprop also `rho`, `epsilon`, `centered`. "
        "Numbers are float64 (`learning_rate` is the float32 Keras holds, widened: 0.10000000149011612), "
        "booleans int64 0/1",
        "- datasets with more than 1024 elements are chunked and compressed (shuffle + deflate 9, lossless; "
        "libhdf5 decompresses transparently in `H5Dread`)", "",
        "Cases: `sgd` = SGD(lr 0.1); `sgd_momentum` = SGD(lr 0.05, momentum 0.9); `sgd_nesterov` = SGD(lr 0.05, "
        "momentum 0.9, nesterov); `adam` = Adam() (lr 0.001, beta 0.9/0.999, epsilon 1e-7); "
        "`rmsprop` = RMSprop() (lr 0.001, rho 0.9, epsilon 1e-7, no momentum; Keras 3's update is "
        "`lr * g / sqrt(v + epsilon)`, tf_keras's `lr * g * rsqrt(v + epsilon)`, 1e-7 apart).",
        "Digit models take the uint8 image as float32 0..255 in shape [N, 28, 28, 1]; the `Rescaling(1/255)` "
        "layer is part of the model.", "",
        "| File | Bytes | Model | Data | Cases | Steps |", "|---|---|---|---|---|---|"]
    for name, (spec, _) in summary.items():
        lines.append(f"| `{name}_steps.h5` | {sizes[name]} | {MODEL_TEXT[name]} | {spec.notes} | "
                     f"{', '.join(f'`{c}`' for c in spec.cases)} | {spec.steps} |")
    lines += ["", "Conditioning: the same Keras 3 loop run in float64 differs from the stored float32 result by "
              "(relative per tensor, worst tensor; the smallest tensors are the biases that start at zero):", "",
              "| Fixture | Case | First loss | Last loss | float64 vs float32 weights | tf_keras vs Keras 3 weights |",
              "|---|---|---|---|---|---|"]
    for name, (spec, results) in summary.items():
        for case, (_, losses, agree) in results.items():
            lines.append(f"| {name} | `{case}` | {losses[0]:.6f} | {losses[-1]:.6f} | "
                         f"{agree['float64 vs float32 (weights)']:.2e} | "
                         f"{agree['tf_keras loop vs k3 loop (weights)']:.2e} |")
    lines += ["", "## Export reference", "",
              "Written by `tools/check_export.py --write-reference Tests/Fixtures/training`:",
              "- `export_reference.h5`: tf_keras `model.save(save_format=\"h5\", include_optimizer=False)` of the "
              "layout `zoo` exports (raw digits [28,28,1] -> `Resizing(16, 16, bilinear, \"resize\")` -> fixed "
              "`Conv2D(3, 1, \"caffe_preprocess\")` -> tiny VGG-like backbone `block1_conv1` .. `block2_pool` -> "
              "`global_average_pooling2d` -> `head_dense` (16) / `head_dropout` (0.5) / `head_predictions`), "
              "trained briefly in Keras so its predictions are spread over the classes",
              "- `export_reference.config.json`: that file's `model_config` attribute, indented",
              "- `export_reference.predictions.h5`: Keras's `/probabilities` float32 [1000, 10] and `/predictions` "
              "int64 [1000] for the built-in test split (what `zoo predict --model-file export_reference.h5 "
              "--split test` must write; the first N rows for `--limit N`)"]
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


MODEL_TEXT = {
    "head": "Input(64) -> Dense(32, relu, `head_dense`) -> Dropout(0.0, `head_dropout`) -> "
            "Dense(10, softmax, `head_predictions`)",
    "mlp": "Input(28,28,1) -> Rescaling(1/255, `rescale`) -> Flatten(`flatten`) -> Dense(512, relu, `fc1`) -> "
           "Dense(256, relu, `fc2`) -> Dense(10, softmax, `predictions`)",
    "cnn": "Input(28,28,1) -> Rescaling(1/255, `rescale`) -> Conv2D(32, 3, relu, `conv1`) -> "
           "Conv2D(64, 3, relu, `conv2`) -> MaxPooling2D(2, `pool`) -> Dropout(0.0, `dropout1`) -> "
           "Flatten(`flatten`) -> Dense(128, relu, `fc1`) -> Dropout(0.0, `dropout2`) -> "
           "Dense(10, softmax, `predictions`)",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "training"))
    ap.add_argument("--only", default=",".join(SPECS), help="comma-separated subset of %(default)s")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    summary, sizes = {}, {}
    print(f"{'fixture':8s} {'case':13s} {'first loss':>10s} {'last loss':>10s} "
          f"{'k3 fit/loop':>11s} {'tfk loop':>9s} {'tfk fit':>9s} {'tfk loss':>9s} {'f64 wts':>9s} {'f64 loss':>9s}",
          flush=True)
    for name in args.only.split(","):
        spec = SPECS[name]()
        keras.utils.set_random_seed(spec.seed)
        initial = layer_weights(spec.builder(keras))
        if spec.bias_std:
            rng = np.random.default_rng(spec.seed + 1000)
            initial = {layer: [w if w.ndim > 1 else rng.normal(0, spec.bias_std, w.shape).astype(np.float32) for w in ws]
                       for layer, ws in initial.items()}
        results = {}
        for case in spec.cases:
            weights, losses, agree = run_case(spec, initial, case)
            results[case] = (weights, losses, agree)
            a = list(agree.values())
            print(f"{name:8s} {case:13s} {losses[0]:10.6f} {losses[-1]:10.6f} "
                  f"{a[0]:11.2e} {a[1]:9.2e} {a[2]:9.2e} {a[3]:9.2e} {a[5]:9.2e} {a[6]:9.2e}", flush=True)
        path = os.path.join(args.out, f"{name}_steps.h5")
        write_fixture(path, spec, initial, results)
        verify_file(path, spec, initial, results)
        summary[name], sizes[name] = (spec, results), os.path.getsize(path)
        keras.backend.clear_session()
        tf_keras.backend.clear_session()
    total = 0
    # Budget over every file in the directory, also those not rebuilt now (export_reference.*, README).
    for fname in sorted(os.listdir(args.out)):
        size = os.path.getsize(os.path.join(args.out, fname))
        total += size
        sizes[fname.replace("_steps.h5", "")] = size
        print(f"{fname:36s} {size:10d} bytes")
    if set(summary) == set(SPECS):
        write_readme(args.out, sizes, summary)
    print(f"total {total} bytes; done in {time.time() - t0:.1f} s")
    if total >= MAX_TOTAL:
        raise SystemExit(f"training fixtures total {total} bytes >= {MAX_TOTAL}")


if __name__ == "__main__":
    main()
