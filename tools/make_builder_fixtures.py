"""Writes Tests/Fixtures/builders/*.h5: keras.applications outputs (VGG16/19, ResNet50/101/152,
ResNet50V2/101V2/152V2) on weights that need no file, for the `swift test` check of zoo's model
builders (ZooModelsTests). VGG16 and ResNet50 at 64 px, batch 2; the others at the minimum size
32, batch 1, which keeps the debug-build test short.

The weights and the input come from a formula that Tests/ZooTestSupport/FormulaWeights.swift
computes too: element i of variable "layer/role" is u(i, fnv1a64("layer/role")) scaled per role,
with u a SplitMix64-style hash mapped to a multiple of 2^-23 in [-1, 1). So only the small
expected outputs are committed, not 150 MB of weights, and any mistake in a builder (a missing
layer, a wrong stride, padding or epsilon, a swapped BatchNorm statistic) changes the output.

Run: .venv/bin/python tools/make_builder_fixtures.py [--models vgg19,...]   (Keras 3, TensorFlow backend)
"""
import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

MASK = (1 << 64) - 1
INPUT_SHAPE = (2, 64, 64, 3)
# name -> (keras.applications constructor, input shape [batch, size, size, 3]).
BUILDERS = {
    "vgg16": ("VGG16", INPUT_SHAPE), "resnet50": ("ResNet50", INPUT_SHAPE),
    "vgg19": ("VGG19", (1, 32, 32, 3)),
    "resnet101": ("ResNet101", (1, 32, 32, 3)), "resnet152": ("ResNet152", (1, 32, 32, 3)),
    "resnet50v2": ("ResNet50V2", (1, 32, 32, 3)), "resnet101v2": ("ResNet101V2", (1, 32, 32, 3)),
    "resnet152v2": ("ResNet152V2", (1, 32, 32, 3)),
}


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & MASK
    return h


def uniform(count, key):
    """u(i, key) for i in 0..<count: values k * 2^-23 - 1 in [-1, 1), exact in float32."""
    with np.errstate(over="ignore"):
        z = (np.arange(1, count + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) + np.uint64(key)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(40)).astype(np.float64) / float(1 << 23) - 1.0).astype(np.float32)


def formula_value(path, shape):
    """The value of variable `path` ("layer/role"): kernels scaled to keep activations O(1) over
    50 layers (uniform with variance 1/fan_in), BatchNorm statistics far from the identity."""
    u = uniform(int(np.prod(shape)), fnv1a64(path)).reshape(shape)
    role = path.rsplit("/", 1)[1]
    if role == "kernel":
        fan_in = int(np.prod(shape[:-1]))
        return (u * np.float32(np.sqrt(3.0 / fan_in))).astype(np.float32)
    if role == "bias" or role == "beta":
        return (u * np.float32(0.1)).astype(np.float32)
    if role == "gamma":
        return (np.float32(1) + u * np.float32(0.25)).astype(np.float32)
    if role == "moving_mean":
        return (u * np.float32(0.2)).astype(np.float32)
    if role == "moving_variance":
        return (np.float32(1) + u * np.float32(0.5)).astype(np.float32)
    raise ValueError(f"no formula for {path}")


def formula_input(shape=INPUT_SHAPE):
    """Pixels in [0, 255) after caffe-like centring: the scale preprocess_input gives."""
    u = uniform(int(np.prod(shape)), fnv1a64("input"))
    return (u * np.float32(120)).reshape(shape).astype(np.float32)


def fill(model):
    for layer in model.layers:
        for variable in layer.weights:
            path = f"{layer.name}/{variable.path.split('/')[-1]}"
            variable.assign(formula_value(path, tuple(variable.shape)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "builders"))
    parser.add_argument("--models", default=",".join(BUILDERS), help="comma-separated, default: all")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.models.split(","):
        constructor, shape = BUILDERS[name]
        x = formula_input(shape)
        model = getattr(keras.applications, constructor)(weights=None, include_top=False, input_shape=shape[1:])
        fill(model)
        y = np.asarray(model(x, training=False), dtype=np.float32)
        assert np.all(np.isfinite(y)), f"{name}: non-finite output"
        path = os.path.join(args.out, f"{name}_{shape[1]}.h5")
        with h5py.File(path, "w") as f:
            f.create_dataset("output", data=y)
            f.attrs["keras_version"] = keras.__version__
            f.attrs["parameters"] = model.count_params()
        print(f"{path}: output {y.shape}, max |y| {np.abs(y).max():.4g}, {model.count_params()} parameters")

if __name__ == "__main__":
    main()
