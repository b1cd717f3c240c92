#!/usr/bin/env python3
"""Round trip of a model exported by `zoo` through Keras (run in CI).

`zoo` exports a fine-tuned model as a legacy full-model Keras HDF5 file
(tf_keras-style Functional `model_config` + `/model_weights`, one flat model):
raw digits [28, 28, 1] (0..255) -> Resizing(S, S, bilinear, "resize") ->
fixed Conv2D(3, 1, "caffe_preprocess") -> keras.applications backbone ->
pooling -> head_dense / head_dropout / head_predictions. Given that file and

  $ZOO predict --model-file FILE.h5 --split test [--limit N] --output P.h5

(float32 /probabilities [N, 10], int64 /predictions [N]) this script checks:

  layout       the file's config: input [None, 28, 28, 1], resize, caffe_preprocess
               (kernel ones, bias -[103.939, 116.779, 123.68]), head_predictions softmax
  predictions  P.h5 shapes/dtypes, /predictions == argmax /probabilities, rows sum to 1
  (a) tf_keras.models.load_model / keras.models.load_model (no custom objects), predict
      on the first N test digits as float32 [N, 28, 28, 1]
  (b) keras.applications backbone + head built in tf_keras (and Keras 3), weights
      loaded with load_weights(FILE, by_name=True), on TF-preprocessed input
      (tf.image.resize -> grayscale_to_rgb -> preprocess_input)

A Keras run passes iff max|P - keras| <= 1e-4 and the argmax agrees on every
row; a differing argmax is only tolerated where both sides' top-2 gap is
<= 2e-4 (a genuine near-tie, the only case where it can happen within 1e-4;
counted in the "ties" column). Backbone, size, pooling and head are read from
the file's config unless given.

A Keras 3 archive (FILE.keras, from `zoo finetune --output FILE.keras`) is checked the same way
where Keras 3 applies: its layout (zip entries metadata.json, config.json, model.weights.h5 as
saving_lib writes them; the layers above, with caffe_preprocess's weights read from
model.weights.h5; class_names in metadata.json, when present, one per class) and (a) with
keras.saving.load_model only (tf_keras and by-name loading do not read .keras archives).

--self-test builds such files in tf_keras (vgg16 and resnet50 at size 32,
random backbone, briefly trained head), computes P.h5 with Keras, and expects
all checks to pass, and perturbed P.h5 files to fail. --write-reference DIR writes the committed
export_reference.{h5,config.json,predictions.h5} (tiny backbone).
"""
import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
import zipfile

import h5py

from zootools import mnist, models
from zootools.frameworks import forward, keras, np, tf_keras
from zootools.parity import max_abs
from zootools.preprocess import CAFFE_MEAN_BGR, digits_to_input, preprocess_for

warnings.filterwarnings("ignore")  # legacy-HDF5 save warnings are expected here

TOL = 1e-4
BATCH = 50  # Keras side; memory only
BACKBONES = ("vgg16", "resnet50", "tiny_vgg")


# ---------------------------------------------------------------- reading the export

ARCHIVE_ENTRIES = ["metadata.json", "config.json", "model.weights.h5"]  # saving_lib's order


def is_keras_archive(path):
    return path.endswith(".keras") or zipfile.is_zipfile(path)


def archive_layer_weights(path, name):
    """The weights of layer `name` in a .keras archive: layers/<key>/vars/0, 1, ... of the group
    whose vars are named `name`."""
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
        for group in f["layers"].values():
            variables = group["vars"]
            if variables.attrs.get("name") == name:
                return [np.asarray(variables[str(i)]) for i in range(len(variables))]
    return []


def check_archive(path):
    """Problems of a .keras archive's own layout (entries, metadata), as a list."""
    problems = []
    with zipfile.ZipFile(path) as z:
        names = [i.filename for i in z.infolist()]
        if names != ARCHIVE_ENTRIES:
            problems.append(f"zip entries {names}, expected {ARCHIVE_ENTRIES}")
            return problems
        metadata = json.loads(z.read("metadata.json"))
    if not str(metadata.get("keras_version", "")).startswith("3."):
        problems.append(f"metadata.json keras_version {metadata.get('keras_version')!r}")
    names = metadata.get("class_names")
    if names is not None and (len(names) != 10 or not all(isinstance(n, str) for n in names)):
        problems.append(f"metadata.json class_names {names!r}, expected 10 names")
    return problems


def read_config(path):
    if is_keras_archive(path):
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read("config.json"))
    with h5py.File(path, "r") as f:
        if "model_config" not in f.attrs:
            raise ValueError(f"{path}: no model_config attribute (not a full-model .h5 file)")
        raw = f.attrs["model_config"]
    return json.loads(raw.decode() if isinstance(raw, bytes) else raw)


def config_layers(config):
    return {layer["config"]["name"]: layer for layer in config["config"]["layers"]}


def infer_recipe(config):
    """(backbone, size, pooling, hidden, dropout) from a model_config; None where unknown."""
    layers = config_layers(config)
    if "conv1_conv" in layers:
        backbone = "resnet50"
    elif "block5_conv3" in layers:
        backbone = "vgg16"
    elif "block1_conv1" in layers:
        backbone = "tiny_vgg"
    else:
        backbone = None
    size = layers.get("resize", {}).get("config", {}).get("height")
    classes = {layer["class_name"] for layer in layers.values()}
    pooling = next((p for p, cls in models.POOLING_LAYERS.items() if cls in classes), None)
    hidden = layers["head_dense"]["config"]["units"] if "head_dense" in layers else 0
    dropout = layers["head_dropout"]["config"]["rate"] if "head_dropout" in layers else 0.0
    return backbone, size, pooling, hidden, dropout


def check_layout(path):
    """Error message or None: the parts of the layout that every export shares."""
    config = read_config(path)
    layers = config["config"]["layers"]
    problems = []
    if config.get("class_name") not in ("Functional", "Model"):
        problems.append(f"root class_name {config.get('class_name')!r}")
    first = [(layer["class_name"], layer["config"]["name"]) for layer in layers[:3]]
    if [c for c, _ in first] != ["InputLayer", "Resizing", "Conv2D"] or [n for _, n in first][1:] != \
            ["resize", "caffe_preprocess"]:
        problems.append(f"first layers {first}, expected InputLayer, Resizing 'resize', Conv2D 'caffe_preprocess'")
    else:
        shape = layers[0]["config"].get("batch_input_shape") or layers[0]["config"].get("batch_shape")
        if list(shape) != [None, 28, 28, 1]:
            problems.append(f"input shape {shape}")
        if layers[1]["config"].get("interpolation") != "bilinear":
            problems.append(f"resize interpolation {layers[1]['config'].get('interpolation')!r}")
        conv = layers[2]["config"]
        if conv.get("filters") != 3 or list(conv.get("kernel_size", [])) != [1, 1]:
            problems.append(f"caffe_preprocess filters/kernel_size {conv.get('filters')}/{conv.get('kernel_size')}")
        if is_keras_archive(path):
            values = archive_layer_weights(path, "caffe_preprocess")
        else:
            with h5py.File(path, "r") as f:
                g = f["model_weights"].get("caffe_preprocess")
                names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"]] if g else []
                values = [np.asarray(g[n]) for n in names]
        want = [np.ones((1, 1, 1, 3), np.float32), -np.asarray(CAFFE_MEAN_BGR, np.float32)]
        if len(values) != 2 or any(v.shape != w.shape or not np.array_equal(v, w) for v, w in zip(values, want)):
            problems.append(f"caffe_preprocess weights {[v.ravel().tolist() for v in values]}")
    if is_keras_archive(path):
        problems += check_archive(path)
    last = layers[-1]
    if last["config"]["name"] != "head_predictions" or last["config"].get("activation") != "softmax" \
            or last["config"].get("units") != 10:
        problems.append(f"last layer {last['config']['name']!r} ({last['config'].get('units')}, "
                        f"{last['config'].get('activation')}), expected head_predictions (10, softmax)")
    return "; ".join(problems) or None


def read_predictions(path, limit):
    with h5py.File(path, "r") as f:
        probs, preds = f["probabilities"], f["predictions"]
        dtypes = (probs.dtype, preds.dtype)
        probs, preds = probs[()], preds[()]
    problems = []
    if dtypes != (np.float32, np.int64):
        problems.append(f"dtypes /probabilities {dtypes[0]}, /predictions {dtypes[1]} (want float32, int64)")
    if probs.ndim != 2 or probs.shape[1] != 10 or preds.shape != probs.shape[:1]:
        problems.append(f"shapes /probabilities {probs.shape}, /predictions {preds.shape}")
        return probs, preds, "; ".join(problems)
    n = len(probs) if limit is None else limit
    if len(probs) < n:
        problems.append(f"{len(probs)} rows, --limit {n}")
    probs, preds = probs[:n], preds[:n]
    if not np.array_equal(preds, probs.argmax(1)):
        bad = np.flatnonzero(preds != probs.argmax(1))[:10]
        problems.append(f"/predictions != argmax(/probabilities) at rows {bad}")
    sums = probs.astype(np.float64).sum(1)
    if len(sums) and np.max(np.abs(sums - 1)) > TOL:
        problems.append(f"probability rows sum to {sums.min():.6f}..{sums.max():.6f}")
    return probs, preds, "; ".join(problems) or None


# ---------------------------------------------------------------- comparisons

def top2_gap(p):
    s = np.sort(p, axis=1)
    return s[:, -1] - s[:, -2]


def compare(ref, probs):
    """(max abs diff, argmax mismatches, of them near-ties, error or None)."""
    if ref.shape != probs.shape:
        return None, None, None, f"Keras output shape {ref.shape}, file {probs.shape}"
    err = max_abs(ref, probs)
    differ = ref.argmax(1) != probs.argmax(1)
    ties = differ & (top2_gap(ref) <= 2 * TOL) & (top2_gap(probs) <= 2 * TOL)
    msg = []
    if not err <= TOL:
        msg.append(f"max abs diff {err:.3g} > {TOL:g}")
    if np.any(differ & ~ties):
        msg.append(f"argmax differs at rows {np.flatnonzero(differ & ~ties)[:10]}")
    return err, int(differ.sum()), int(ties.sum()), "; ".join(msg) or None


def predict_loaded(K, path, x):
    model = K.models.load_model(path, compile=False)
    return np.asarray(model.predict(x, batch_size=BATCH, verbose=0))


def predict_by_name(K, path, digits, recipe):
    backbone, size, pooling, hidden, dropout = recipe
    model = models.build_classifier(K, backbone, size, pooling, hidden, dropout)
    model.load_weights(path, by_name=True)
    preprocess = preprocess_for(backbone)
    return np.concatenate([forward(model, digits_to_input(digits[i:i + BATCH], size, preprocess))
                           for i in range(0, len(digits), BATCH)])


def run_checks(model_file, predictions, limit=None, override=None, out=print):
    """Runs every check; prints the table and the closing line; returns the
    number failed. override: {"backbone"|"size"|"pooling": value} instead of
    what the model_config says."""
    rows = []

    def row(name, fn):
        t0 = time.time()
        try:
            err, differ, ties, msg = fn()
        except Exception as e:  # noqa: BLE001 - any load/predict error is a failed check
            err, differ, ties, msg = None, None, None, f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300]}"
        rows.append((name, err, differ, ties, msg, time.time() - t0))
        r = rows[-1]
        out(f"{name:38s} {n:5d} {'-' if err is None else f'{err:.3e}':>12s} "
            f"{'-' if differ is None else differ:>7} {'-' if ties is None else ties:>5} "
            f"{'PASS' if msg is None else 'FAIL':6s} {r[5]:7.2f}")
        if msg:
            out("    " + msg)

    try:
        probs, preds, pmsg = read_predictions(predictions, limit)
    except Exception as e:  # noqa: BLE001 - reported as a failed check below
        probs, pmsg = np.zeros((0, 10), np.float32), f"cannot read {predictions}: {type(e).__name__}: {e}"
    n = len(probs)
    images, _ = mnist.digits("test")
    digits = images[:n]
    x = digits[..., None].astype(np.float32)
    try:
        found = infer_recipe(read_config(model_file))
    except Exception:  # noqa: BLE001 - the layout check reports it
        found = (None,) * 5
    recipe = dict(zip(("backbone", "size", "pooling", "hidden", "dropout"), found))
    recipe.update(override or {})
    recipe = tuple(recipe.values())
    out(f"model file {model_file}: backbone {recipe[0]}, size {recipe[1]}, pooling {recipe[2]}, "
        f"hidden {recipe[3]}, dropout {recipe[4]}; {n} test digits")
    out(f"{'check':38s} {'rows':>5s} {'max abs diff':>12s} {'argmax≠':>7s} {'ties':>5s} {'result':6s} "
        f"{'seconds':>7s}")
    row("layout (model_config, weights)", lambda: (None, None, None, check_layout(model_file)))
    row("predictions file", lambda: (None, None, None, pmsg))
    if n == 0:
        failed = max(1, sum(r[4] is not None for r in rows))  # an empty P.h5 fails too
        out("no prediction rows to compare: Keras checks skipped")
        out(f"{len(rows) - failed} passed, {failed} failed")
        return failed
    archive = is_keras_archive(model_file)
    for K, name in ((keras, "keras3"),) if archive else ((tf_keras, "tf_keras"), (keras, "keras3")):
        row(f"(a) {name} load_model", lambda K=K: compare(predict_loaded(K, model_file, x), probs))
        K.backend.clear_session()
    if archive:
        failed = sum(r[4] is not None for r in rows)
        out(f"{len(rows) - failed} passed, {failed} failed")
        return failed
    backbone, size, pooling = recipe[:3]
    if backbone not in BACKBONES or not size:
        row("(b) by-name", lambda: (None, None, None, f"cannot tell backbone/size ({backbone}, {size}): "
                                                      "pass --backbone and --size"))
    else:
        for K, name in ((tf_keras, "tf_keras"), (keras, "keras3")):
            row(f"(b) {name} by-name {backbone} {size} {pooling}",
                lambda K=K: compare(predict_by_name(K, model_file, digits, recipe), probs))
            K.backend.clear_session()
    failed = sum(r[4] is not None for r in rows)
    out(f"{len(rows) - failed} passed, {failed} failed")
    return failed


# ---------------------------------------------------------------- self-made export files

def make_export(path, backbone, size, pooling="avg", hidden=256, dropout=0.5, seed=0, train_rows=1000,
                train_all=False, epochs=2):
    """A tf_keras model of the export layout, saved with model.save(h5) as an
    uncompiled model. Backbone: seeded random weights (He-normal, scaled as in
    zootools.models.kernel_scale so activations stay O(1); caffe_preprocess kept fixed).
    The head (train_all: every layer but caffe_preprocess) is then trained
    for `epochs` on `train_rows` train digits with the rest frozen, so that,
    like a real fine-tuned model, predictions spread over the classes (random
    heads predict one class everywhere, which would make the argmax check
    vacuous)."""
    tf_keras.utils.set_random_seed(seed)
    model = models.build_export_model(tf_keras, backbone, size, pooling, hidden, dropout)
    pre = model.get_layer("caffe_preprocess").get_weights()
    models.set_random_weights(model, seed, kernel_init="he", kernel_scale=models.kernel_scale)
    model.get_layer("caffe_preprocess").set_weights(pre)
    if train_rows:
        for layer in model.layers:
            layer.trainable = layer.name != "caffe_preprocess" if train_all else layer.name in models.HEAD_LAYERS
        images, labels = mnist.digits("train")
        rows = np.random.default_rng(seed).permutation(len(images))[:train_rows]
        model.compile(tf_keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
        model.fit(images[rows, ..., None].astype(np.float32), labels[rows], batch_size=32, epochs=epochs, verbose=0)
        for layer in model.layers:
            layer.trainable = layer.name != "caffe_preprocess"
    model.save(path, save_format="h5", include_optimizer=False)
    return model


def write_predictions(path, probs):
    with h5py.File(path, "w") as f:
        f.create_dataset("probabilities", data=np.asarray(probs, np.float32))
        f.create_dataset("predictions", data=np.asarray(probs).argmax(1).astype(np.int64))


def keras_predictions(model, n):
    images, _ = mnist.digits("test")
    return np.asarray(model.predict(images[:n, ..., None].astype(np.float32), batch_size=BATCH, verbose=0))


def self_test(backbones, limit):
    """Good files must pass; perturbed predictions must fail. Returns failures."""
    workdir = tempfile.mkdtemp(prefix="zoo_export_")
    bad = 0
    try:
        for backbone in backbones:
            model_file = os.path.join(workdir, f"{backbone}.h5")
            p_file = os.path.join(workdir, f"{backbone}_p.h5")
            probs = keras_predictions(make_export(model_file, backbone, 32), limit)
            histogram = np.bincount(probs.argmax(1), minlength=10)
            print(f"\n== self-test {backbone} 32 avg: Keras argmax histogram {histogram}, "
                  f"mean max prob {probs.max(1).mean():.3f}, min top-2 gap {top2_gap(probs).min():.2e}")
            write_predictions(p_file, probs)
            if run_checks(model_file, p_file, limit):
                print("SELF-TEST: a correct export failed")
                bad += 1
            # 3e-4 off on one probability (row still sums to ~1): must fail every Keras comparison.
            worse = probs.copy()
            worse[0, 0] += 3e-4
            worse[0, 1] -= 3e-4
            write_predictions(p_file, worse)
            print(f"\n== self-test {backbone}: perturbed probabilities (must fail)")
            failed = run_checks(model_file, p_file, limit)
            if failed != 4:
                print(f"SELF-TEST: perturbed predictions failed {failed} checks, expected 4")
                bad += 1
            # Right probabilities, wrong /predictions on one row: only the predictions-file check fails.
            write_predictions(p_file, probs)
            with h5py.File(p_file, "r+") as f:
                f["predictions"][0] = (f["predictions"][0] + 1) % 10
            print(f"\n== self-test {backbone}: /predictions inconsistent with /probabilities (must fail)")
            failed = run_checks(model_file, p_file, limit)
            if failed != 1:
                print(f"SELF-TEST: inconsistent /predictions failed {failed} checks, expected 1")
                bad += 1
            # The same model as a Keras 3 archive: passes, and the perturbed probabilities fail its
            # one Keras comparison.
            archive_file = os.path.join(workdir, f"{backbone}.keras")
            keras.models.load_model(model_file, compile=False).save(archive_file)
            keras.backend.clear_session()
            print(f"\n== self-test {backbone}: Keras 3 archive")
            write_predictions(p_file, probs)
            if run_checks(archive_file, p_file, limit):
                print("SELF-TEST: a correct .keras export failed")
                bad += 1
            write_predictions(p_file, worse)
            print(f"\n== self-test {backbone}: Keras 3 archive, perturbed probabilities (must fail)")
            failed = run_checks(archive_file, p_file, limit)
            if failed != 1:
                print(f"SELF-TEST: perturbed predictions failed {failed} checks of the archive, expected 1")
                bad += 1
            tf_keras.backend.clear_session()
            keras.backend.clear_session()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nself-test: {'OK' if not bad else f'{bad} problem(s)'}")
    return bad


REFERENCE = dict(backbone="tiny_vgg", size=16, pooling="avg", hidden=16, dropout=0.5, seed=5, limit=1000,
                 train_rows=4000, epochs=5)


def write_reference(out):
    """export_reference.h5 (tf_keras model.save, tiny backbone, resize to 16),
    export_reference.config.json (its model_config, indented) and
    export_reference.predictions.h5 (what `zoo predict --split test` must
    write for it: all 1000 test digits; with --limit N the first N rows)."""
    r = REFERENCE
    os.makedirs(out, exist_ok=True)
    model_file = os.path.join(out, "export_reference.h5")
    model = make_export(model_file, r["backbone"], r["size"], r["pooling"], r["hidden"], r["dropout"], r["seed"],
                        r["train_rows"], train_all=True, epochs=r["epochs"])
    with open(os.path.join(out, "export_reference.config.json"), "w") as f:
        f.write(json.dumps(read_config(model_file), indent=2) + "\n")
    p_file = os.path.join(out, "export_reference.predictions.h5")
    probs = keras_predictions(model, r["limit"])
    write_predictions(p_file, probs)
    print(f"argmax histogram {np.bincount(probs.argmax(1), minlength=10)}, mean max prob {probs.max(1).mean():.3f}, "
          f"accuracy {np.mean(probs.argmax(1) == mnist.digits('test')[1][:len(probs)]):.3f}")
    failed = run_checks(model_file, p_file)
    for name in ("export_reference.h5", "export_reference.config.json", "export_reference.predictions.h5"):
        print(f"{name:36s} {os.path.getsize(os.path.join(out, name)):8d} bytes")
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--model-file", help="the exported full-model .h5 file or .keras archive")
    ap.add_argument("--predictions", help="zoo predict's output (P.h5)")
    ap.add_argument("--limit", type=int, help="compare the first N rows (default: all rows of P.h5)")
    ap.add_argument("--backbone", choices=BACKBONES, help="default: from the model_config")
    ap.add_argument("--size", type=int, help="default: the resize layer's height")
    ap.add_argument("--pooling", choices=("avg", "max", "none"), help="default: from the model_config")
    ap.add_argument("--self-test", action="store_true", help="check this script on self-made tf_keras exports")
    ap.add_argument("--self-test-backbones", default="vgg16,resnet50")
    ap.add_argument("--write-reference", metavar="DIR", help="write the committed export_reference fixtures")
    args = ap.parse_args()
    if args.self_test:
        sys.exit(1 if self_test(args.self_test_backbones.split(","), args.limit or 1000) else 0)
    if args.write_reference:
        sys.exit(1 if write_reference(args.write_reference) else 0)
    if not (args.model_file and args.predictions):
        ap.error("--model-file and --predictions are required (or --self-test / --write-reference)")
    override = {k: v for k, v in (("backbone", args.backbone), ("size", args.size)) if v is not None}
    if args.pooling:
        override["pooling"] = None if args.pooling == "none" else args.pooling
    failed = run_checks(args.model_file, args.predictions, args.limit, override)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
