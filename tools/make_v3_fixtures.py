"""Writes look-alikes of the official MobileNetV3 weight files, for
Tests/ZooKerasTests/MobileNetV3OfficialNamesTests.swift and Tests/ZooCLITests/MobileNetV3CLITests.swift.

The official files (`weights_mobilenet_v3_{small|large}[_minimalistic]_224_{alpha}_float[_no_top_v2].h5`)
were written by tf.keras, whose builder names the layers `Conv`, `Conv/BatchNorm`,
`expanded_conv/depthwise`, `expanded_conv/squeeze_excite/Conv`, `Conv_1`, `Conv_2`, `Logits`, where
Keras 3's (and zoo's) say `conv`, `conv_bn`, `expanded_conv_depthwise`, ... Keras publishes weights
for alpha 0.75 and 1.0, and minimalistic at 1.0. For small and large at alpha 0.75 and minimalistic
(alpha 1.0's architecture is covered by tools/make_layers16_fixtures.py) this builds
`tf_keras.applications.MobileNetV3{Small|Large}(weights=None)` with the top at 224x224, gives it
seeded weights and BatchNorm statistics far from the identity, and writes
`Tests/Fixtures/v3opts/<variant>_top.h5` with `save_weights` (the official layout: tf.keras's
`layer/layer/kernel:0` groups, nested where a name has a `/`), plus tf_keras's output on 0-255
pixels (the formula input of tools/make_builder_fixtures.py plus 128, which the tests make too)
at 32x32 without the top (`output_32`, batch 2) and at 224x224 with it (`output_224_top`, a
softmax, and the `Logits` layer's `logits_224`). For small minimalistic, also
`<variant>_no_top.h5`, laid out as the official `_no_top_v2` files are. The top has 1000 classes
for small at 0.75 (the CLI's catalogue model) and 10 for the others.

To keep the five files under 2 MB together, every kernel repeats a seeded run of 251 values (a
prime, so channels do not line up with the run) and the file is rewritten with each dataset
deflate-compressed in one chunk, in HDF5 1.10's format (which libhdf5 1.10 reads and stores
groups compactly); names, groups, attributes and shapes are those `save_weights` wrote.

Run: /work/main/.venv/bin/python tools/make_v3_fixtures.py   (tf-keras 2.21)
"""
import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tf_keras  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from make_builder_fixtures import formula_input  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PERIOD = 251

# variant -> (constructor, alpha, minimalistic, classes). Only small at 0.75 has ImageNet's 1000
# classes, for the CLI's catalogue model with the top; the others' 10 keep the files small.
VARIANTS = {
    "mobilenetv3small_0.75": ("MobileNetV3Small", 0.75, False, 1000),
    "mobilenetv3small_1.0_minimalistic": ("MobileNetV3Small", 1.0, True, 10),
    "mobilenetv3large_0.75": ("MobileNetV3Large", 0.75, False, 10),
    "mobilenetv3large_1.0_minimalistic": ("MobileNetV3Large", 1.0, True, 10),
}
# Variants also written without the top, as the official `_no_top_v2` files are.
NO_TOP = ["mobilenetv3small_1.0_minimalistic"]


def weights_for(model, seed):
    """Kernels uniform with variance 1/fan_in (a periodic run), biases and BatchNorm far from 0 and 1."""
    out = []
    for i, w in enumerate(model.weights):
        rng = np.random.default_rng(seed * 1000 + i)
        shape = tuple(w.shape)
        n = int(np.prod(shape))
        role = w.name.split("/")[-1].split(":")[0]
        if role in ("kernel", "depthwise_kernel"):
            fan_in = int(np.prod(shape[:-1])) if role == "kernel" else int(np.prod(shape[:2]))
            run = rng.uniform(-1, 1, PERIOD).astype(np.float32) * np.float32(np.sqrt(3.0 / fan_in))
            v = np.resize(run, n)
        elif role in ("bias", "beta"):
            v = rng.uniform(-0.1, 0.1, n)
        elif role == "gamma":
            v = rng.uniform(0.75, 1.25, n)
        elif role == "moving_mean":
            v = rng.uniform(-0.2, 0.2, n)
        elif role == "moving_variance":
            v = rng.uniform(0.5, 1.5, n)
        else:
            raise ValueError(f"no rule for {w.name}")
        out.append(np.asarray(v, np.float32).reshape(shape))
    return out


def pixels(shape):
    """0-255 pixels the Swift tests make too: FormulaWeights.input plus 128, in [8, 248)."""
    return (formula_input(shape) + np.float32(128)).astype(np.float32)


def compress(src, dst):
    """`src` as `dst` with every dataset deflate-compressed; everything else as written."""
    with h5py.File(src, "r") as fi, h5py.File(dst, "w", libver=("v110", "v110")) as fo:
        for k, v in fi.attrs.items():
            fo.attrs[k] = v

        def copy(gi, go):
            for k, v in gi.attrs.items():
                go.attrs[k] = v
            for name, item in gi.items():
                if isinstance(item, h5py.Group):
                    copy(item, go.create_group(name))
                else:
                    data = item[()]
                    d = go.create_dataset(name, data=data, chunks=data.shape or None, compression="gzip", compression_opts=9)
                    for k, v in item.attrs.items():
                        d.attrs[k] = v
        copy(fi, fo)


def write(out, name, seed):
    constructor, alpha, minimalistic, classes = VARIANTS[name]
    build = getattr(tf_keras.applications, constructor)
    top = build(input_shape=(224, 224, 3), alpha=alpha, minimalistic=minimalistic, include_top=True, weights=None,
                classes=classes)
    top.set_weights(weights_for(top, seed))
    small = build(input_shape=(32, 32, 3), alpha=alpha, minimalistic=minimalistic, include_top=False, weights=None)
    for layer in small.layers:
        if layer.weights:
            layer.set_weights(top.get_layer(layer.name).get_weights())
    x32, x224 = pixels((2, 32, 32, 3)), pixels((1, 224, 224, 3))
    y32 = np.asarray(small(x32, training=False), np.float32)
    y224 = np.asarray(top(x224, training=False), np.float32)
    logits = tf_keras.Model(top.input, top.get_layer("Logits").output)
    l224 = np.asarray(logits(x224, training=False), np.float32).reshape(1, -1)
    assert np.all(np.isfinite(y32)) and np.all(np.isfinite(y224)), name
    files = [("top", top)] + ([("no_top", small)] if name in NO_TOP else [])
    for suffix, model in files:
        raw = os.path.join(out, f".{name}_{suffix}.raw.h5")
        path = os.path.join(out, f"{name}_{suffix}.h5")
        model.save_weights(raw)
        compress(raw, path)
        os.remove(raw)
        with h5py.File(path, "a") as f:
            f.create_dataset("output_32", data=y32)
            if suffix == "top":
                f.create_dataset("output_224_top", data=y224)
                f.create_dataset("logits_224", data=l224)
            f.attrs["parameters"] = model.count_params()
        print(f"{path}: {model.count_params()} parameters, {os.path.getsize(path)} bytes; "
              f"max |out32| {np.abs(y32).max():.4g}, top-1 probability {y224.max():.4g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(HERE, "..", "Tests", "Fixtures", "v3opts"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for i, name in enumerate(VARIANTS):
        write(args.out, name, 1700 + i)


if __name__ == "__main__":
    sys.exit(main())
