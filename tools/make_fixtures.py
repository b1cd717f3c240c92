#!/usr/bin/env python3
"""Write the small committed Keras fixtures into Tests/Fixtures/keras/.

Three tiny functional models (tiny_vgg, tiny_resnet, tiny_layers; input
16x16x3) get seeded random weights in tf_keras, are copied into the same
model built with Keras 3, and are saved in every weight-file layout the Swift
loader supports, plus input/output pairs and error cases. Every file is
loaded back with Keras and must reproduce the reference output.

Usage: python tools/make_fixtures.py [--out DIR]
"""
import argparse
import io
import json
import os
import re
import shutil
import tempfile
import time
import warnings
import zipfile

import h5py

from zootools import KERAS_FIXTURES, h5files, models
from zootools.frameworks import KERAS3_VERSION, TF_KERAS_VERSION, forward, keras, np, tf_keras, tfk_hdf5
from zootools.parity import assert_close

warnings.filterwarnings("ignore")

TMP = tempfile.mkdtemp(prefix="zoo_fixtures_")
SEEDS = {"tiny_vgg": 1, "tiny_resnet": 2, "tiny_layers": 3}
MAX_FILE, MAX_TOTAL = 300_000, 3_000_000
FIXED_DATE = "2000-01-01@00:00:00"  # replaces .keras "date_saved" (see normalize_keras_zip)
TOL = 1e-5  # tf_keras vs Keras 3, and file reload vs reference

DESCRIPTIONS = {
    "tfkeras.weights.h5": "tf_keras {v2} `save_weights` to a `.h5` name (legacy HDF5, vlen strings, "
                          "`layer/layer/var:0`); Keras must load it through a plain `.h5` name, "
                          "a `.weights.h5` name selects the Keras 3 reader",
    "tfkeras_v3.weights.h5": "tf_keras {v2} `save_weights('x.weights.h5')`: Keras 3 layout "
                             "(`layers/<class>[_N]/vars/<i>`) but without any `@name` attributes",
    "tfkeras.model.h5": "tf_keras {v2} `model.save(save_format='h5')`: `model_config` + `/model_weights`",
    "k3.weights.h5": "Keras {v3} `save_weights` (`layers/<class>[_N]/vars/<i>`)",
    "k3.keras": "Keras {v3} `model.save('.keras')` zip (metadata.json, config.json, model.weights.h5; "
                "stored), save date/timestamps fixed for reproducibility",
    "k3.model.h5": "Keras {v3} `model.save('.h5')` legacy HDF5 (weight names without `:0`)",
    "keras1.h5": "hand-written Keras-1 flat look-alike (official VGG16 style): no version attrs, fixed-length "
                 "`S` names, `<layer>/<layer>_W_1:0`, BN `_running_std_1:0` = variance, input named `input_2`",
    "keras2nested.h5": "hand-written Keras-2 nested look-alike (official ResNet50 style): fixed-length `S` names "
                       "and attrs, keras_version 2.2.4, `<layer>/<layer>/kernel:0`",
    "chunked.h5": "hand-written nested file with `layer_names0/1` and, for every 2nd weighted layer, "
                  "`weight_names0/1` (fixed-length chunks as Keras's np.array_split writes them)",
    "io.h5": "`/input` float32 [2,16,16,3] (N(0,1)) and `/output` = tf_keras prediction; @keras_version",
    "config.json": "tf_keras `model.to_json()` (indented)",
    "k3.config.json": "Keras 3 `model.to_json()` (indented)",
}


def log(msg):
    print(msg, flush=True)


def legacy_name(path):
    """Both tf_keras 2.21 and Keras 3 pick the *native* (Keras 3) reader for
    any name ending in .weights.h5, so a legacy file with that suffix has to
    be loaded through a plain .h5 copy."""
    if not path.endswith(".weights.h5"):
        return path
    with h5py.File(path, "r") as f:
        if "layer_names" not in f.attrs:
            return path
    tmp = os.path.join(TMP, os.path.basename(path)[: -len(".weights.h5")] + ".legacy.h5")
    shutil.copyfile(path, tmp)
    return tmp


def check_load(path, builder, K, y_ref, x, by_name=False):
    m = builder(K)  # fresh instance: Keras's own (different) initial weights
    src = legacy_name(path)
    m.load_weights(src, by_name=True) if by_name else m.load_weights(src)
    return assert_close(forward(m, x), y_ref, TOL, f"{os.path.basename(path)} via {K.__name__}")


def check_load_model(path, K, y_ref, x):
    m = K.models.load_model(path, compile=False)
    return assert_close(forward(m, x), y_ref, TOL, f"{os.path.basename(path)} load_model via {K.__name__}")


def expect_failure(what, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - any Keras/h5py error is the expected outcome
        return f"{type(e).__name__}: {str(e).splitlines()[0][:90]}"
    raise AssertionError(f"{what} unexpectedly loaded")


def normalize_keras_zip(path):
    """Make a .keras archive byte-reproducible: Keras stamps the save time into
    metadata.json ("date_saved") and the zip entry of model.weights.h5, and
    config.json carries Python id()s as "shared_object_id" (renumbered 1, 2, ...
    in order of first appearance, which keeps the sharing). Members, order and
    ZIP_STORED compression are kept as Keras wrote them."""
    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in members:
            if info.filename == "metadata.json":
                meta = json.loads(data)
                meta["date_saved"] = FIXED_DATE
                data = json.dumps(meta).encode()
            elif info.filename == "config.json":
                ids = {}
                data = re.sub(rb'"shared_object_id": (\d+)', lambda m: b'"shared_object_id": %d'
                              % ids.setdefault(m.group(1), len(ids) + 1), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type, fixed.external_attr = info.compress_type, info.external_attr
            z.writestr(fixed, data)


def check_chunking_matches_keras(names):
    """Our keras_chunks() must equal what Keras itself writes when the list is
    over the header limit: shrink the limit so Keras splits into 2 chunks."""
    data = [n.encode() for n in names]
    limit = h5files.fixed_strings(names).nbytes - 1  # just too big for one chunk
    old = tfk_hdf5.HDF5_OBJECT_HEADER_LIMIT
    tfk_hdf5.HDF5_OBJECT_HEADER_LIMIT = limit
    try:
        with h5py.File(io.BytesIO(), "w") as f:
            tfk_hdf5.save_attributes_to_hdf5_group(f, "layer_names", data)
            theirs = [f.attrs[f"layer_names{i}"] for i in range(2)]
            assert "layer_names2" not in f.attrs
    finally:
        tfk_hdf5.HDF5_OBJECT_HEADER_LIMIT = old
    for a, b in zip(theirs, h5files.keras_chunks(names, 2)):
        assert a.dtype == b.dtype and list(a) == list(b), (a, b)


def make_model_files(name, out):
    """Write all files for one tiny model; returns (notes, model, x, y)."""
    builder = models.TINY_BUILDERS[name]
    seed = SEEDS[name]
    m2 = builder(tf_keras)
    if name == "tiny_resnet":  # same model.layers order as keras.applications
        block = [layer.name[len("conv2_block1"):] for layer in m2.layers if layer.name.startswith("conv2_block1")]
        assert block == ["_1_conv", "_1_bn", "_1_relu", "_2_conv", "_2_bn", "_2_relu",
                         "_0_conv", "_3_conv", "_0_bn", "_3_bn", "_add", "_out"], block
    models.set_random_weights(m2, seed)
    m3 = builder(keras)
    models.copy_weights(m2, m3)
    x = np.random.default_rng(100 + seed).normal(size=(2, 16, 16, 3)).astype(np.float32)
    y = forward(m2, x)
    assert_close(forward(m3, x), y, TOL, f"{name}: tf_keras vs Keras 3")

    p = lambda suffix: os.path.join(out, f"{name}.{suffix}")  # noqa: E731
    entries = h5files.model_entries(m2)
    weighted = [n for n, w in entries if w]

    # tf_keras 2.21 save_weights("*.weights.h5") writes the Keras 3 layout
    # (kept as tfkeras_v3.weights.h5); the legacy HDF5 needs a plain .h5 name.
    m2.save_weights(os.path.join(TMP, "w.h5"))
    shutil.move(os.path.join(TMP, "w.h5"), p("tfkeras.weights.h5"))
    m2.save_weights(p("tfkeras_v3.weights.h5"))
    m2.save(p("tfkeras.model.h5"), save_format="h5")
    m3.save_weights(p("k3.weights.h5"))
    m3.save(p("k3.keras"))
    normalize_keras_zip(p("k3.keras"))
    m3.save(p("k3.model.h5"))
    h5files.write_keras1_flat(p("keras1.h5"), h5files.model_entries(m2, rename={"input_1": "input_2"}))
    h5files.write_keras2_nested(p("keras2nested.h5"), entries)
    check_chunking_matches_keras([n for n, _ in entries])
    h5files.write_legacy_h5(p("chunked.h5"), entries, layout="nested", encoding="vlen",
                            keras_version=TF_KERAS_VERSION, backend="tensorflow", layer_chunks=2,
                            weight_chunks={n: 2 for n in weighted[::2]})
    h5files.write_io(p("io.h5"), x, y)
    with open(p("config.json"), "w") as f:
        f.write(json.dumps(json.loads(m2.to_json()), indent=2) + "\n")
    with open(p("k3.config.json"), "w") as f:
        f.write(json.dumps(json.loads(m3.to_json()), indent=2) + "\n")

    # Every file must reproduce the reference output.
    notes = []
    check_load(p("tfkeras.weights.h5"), builder, tf_keras, y, x)
    check_load_model(p("tfkeras.model.h5"), tf_keras, y, x)
    check_load(p("tfkeras.model.h5"), builder, keras, y, x)
    check_load(p("k3.weights.h5"), builder, keras, y, x)
    check_load(p("k3.weights.h5"), builder, tf_keras, y, x)
    check_load(p("tfkeras_v3.weights.h5"), builder, tf_keras, y, x)
    check_load(p("tfkeras_v3.weights.h5"), builder, keras, y, x)
    check_load(p("k3.keras"), builder, keras, y, x)
    check_load_model(p("k3.keras"), keras, y, x)
    check_load_model(p("k3.model.h5"), keras, y, x)
    check_load(p("k3.model.h5"), builder, tf_keras, y, x)
    for suffix in ("keras1.h5", "keras2nested.h5", "chunked.h5"):
        for K in (tf_keras, keras):
            check_load(p(suffix), builder, K, y, x)
    check_load(p("tfkeras.weights.h5"), builder, keras, y, x)
    assert np.array_equal(h5files.read_output(p("io.h5")), y)
    return m2, x, y


def make_error_files(out, vgg, x, y):
    """Error fixtures, all derived from tiny_vgg."""
    p = lambda fname: os.path.join(out, fname)  # noqa: E731
    rng = np.random.default_rng(7)
    builder = models.build_tiny_vgg
    entries = h5files.model_entries(vgg)
    nested = dict(layout="nested", encoding="vlen", keras_version=TF_KERAS_VERSION, backend="tensorflow")

    wrong = [(n, [("kernel", rng.normal(size=(3, 3, 4, 9)).astype(np.float32)),
                  ("bias", rng.normal(size=(9,)).astype(np.float32))]) if n == "block2_conv1" else (n, w)
             for n, w in entries]
    h5files.write_legacy_h5(p("tiny_vgg.wrongshape.h5"), wrong, **nested)

    # Shuffled layer_names plus a layer the model does not have.
    extra = ("extra_dense", [("kernel", rng.normal(size=(16, 3)).astype(np.float32)),
                             ("bias", rng.normal(size=(3,)).astype(np.float32))])
    shuffled = [entries[i] for i in rng.permutation(len(entries))] + [extra]
    shuffled.insert(len(shuffled) // 2, shuffled.pop())  # extra not at the end
    h5files.write_legacy_h5(p("tiny_vgg.byname.h5"), shuffled, **nested)

    with open(p("not_hdf5.h5"), "w") as f:
        f.write("This is a plain text file, not HDF5. ModelZoo must report a clear error.\n")
    with open(p("tiny_vgg.tfkeras.weights.h5"), "rb") as f:
        data = f.read()
    with open(p("tiny_vgg.truncated.h5"), "wb") as f:
        f.write(data[: int(len(data) * 0.6)])

    # by-name loading works in both Keras versions; topological must not.
    for K in (tf_keras, keras):
        check_load(p("tiny_vgg.byname.h5"), builder, K, y, x, by_name=True)
    notes = []
    for fname in ("tiny_vgg.wrongshape.h5", "tiny_vgg.byname.h5", "not_hdf5.h5", "tiny_vgg.truncated.h5"):
        for K in (tf_keras, keras):
            err = expect_failure(f"{fname} via {K.__name__}", lambda: check_load(p(fname), builder, K, y, x))
            notes.append(f"{fname} via {K.__name__} (topological) -> {err}")
    return notes


def write_readme(out, files):
    v = dict(v2=TF_KERAS_VERSION, v3=KERAS3_VERSION)
    lines = ["# Keras fixtures", "",
             "Generated by `tools/make_fixtures.py` (do not edit by hand; rerun the script).",
             "Models (input 16x16x3, seeded random weights, identical in every file of a model):",
             "`tiny_vgg` (VGG16 in miniature), `tiny_resnet` (keras.applications ResNet50 v1 structure, "
             "conv2 x2 blocks + conv3 x1 block), `tiny_layers` (every other supported layer/option).",
             "All weight files reproduce `<model>.io.h5` `/output` within 1e-5 when loaded by Keras.", "",
             "| File | Bytes | How it was made |", "|---|---|---|"]
    errors = {
        "tiny_vgg.wrongshape.h5": "legacy nested file, `block2_conv1` kernel (3,3,4,9) and bias (9,) instead of 8 "
                                  "filters: loading must fail with a shape error",
        "tiny_vgg.byname.h5": "legacy nested file, `layer_names` shuffled, extra group `extra_dense` (16x3 Dense): "
                              "loads only by name (`by_name=True`)",
        "not_hdf5.h5": "a plain text file",
        "tiny_vgg.truncated.h5": "first 60% of the bytes of `tiny_vgg.tfkeras.weights.h5`",
    }
    for fname in files:
        model, _, suffix = fname.partition(".")
        desc = errors.get(fname) or DESCRIPTIONS[suffix].format(**v)
        lines.append(f"| `{fname}` | {os.path.getsize(os.path.join(out, fname))} | {desc} |")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=KERAS_FIXTURES)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    for name in models.TINY_BUILDERS:
        m2, x, y = make_model_files(name, args.out)
        if name == "tiny_vgg":
            vgg, vx, vy = m2, x, y
        log(f"{name}: written and verified (output {y.shape}, tf_keras vs Keras 3 ok)")
    notes = make_error_files(args.out, vgg, vx, vy)

    files = sorted(f for f in os.listdir(args.out) if f != "README.md")
    write_readme(args.out, files)
    total = 0
    log(f"\n{'file':40s} {'bytes':>9s}")
    for fname in files + ["README.md"]:
        size = os.path.getsize(os.path.join(args.out, fname))
        total += size
        log(f"{fname:40s} {size:9d}")
        assert size < MAX_FILE, f"{fname} is {size} bytes"
    assert total < MAX_TOTAL, f"fixtures total {total} bytes"
    log(f"{len(files) + 1} files, {total} bytes total in {args.out}")
    log("\nexpected load failures:")
    for n in notes:
        log(f"  {n}")
    shutil.rmtree(TMP, ignore_errors=True)
    log(f"done in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
