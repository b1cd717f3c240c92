"""Writes Tests/Fixtures/families/{inceptionv3,xception}_*.h5: keras.applications InceptionV3 and
Xception outputs on the formula weights of tools/make_family_fixtures.py, at the minimum input
size without the top (75x75 and 71x71) and at the default size with the top (299x299, 1000
classes), plus Keras's count_params (and the trainable part) and layer names with and without
the top, for Tests/ZooModelsTests/InceptionXceptionTests.swift.

The formula gains one role here, `pointwise_kernel` (SeparableConv2D's 1x1 kernel [1, 1, C, F]):
scaled like a kernel, by its fan_in C, as Tests/ZooTestSupport/FormulaWeights.swift computes it.
The input is make_family_fixtures' formula batch: about [-1, 1], the scale of tf-mode
preprocessing both models use.

Each model is built in a fresh session, so Keras's automatic names (conv2d_N,
batch_normalization_N, activation_N, add_N, ...) are the ones zoo's builders give.

Run: .venv/bin/python tools/make_inception_xception_fixtures.py   (Keras 3 with the TensorFlow backend)
"""
import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(__file__))

from make_builder_fixtures import fnv1a64, uniform  # noqa: E402
from make_family_fixtures import family_value, formula_batch  # noqa: E402

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

# name -> (keras.applications constructor, minimum input size).
MODELS = {"inceptionv3": ("InceptionV3", 75), "xception": ("Xception", 71)}
TOP_SIZE = 299


def value(path, shape):
    if path.endswith("/pointwise_kernel"):
        u = uniform(int(np.prod(shape)), fnv1a64(path)).reshape(shape)
        return (u * np.float32(np.sqrt(3.0 / int(np.prod(shape[:-1]))))).astype(np.float32)
    return family_value(path, shape)


def fill(model):
    for layer in model.layers:
        for variable in layer.weights:
            role = variable.path.split("/")[-1]
            if isinstance(layer, keras.layers.DepthwiseConv2D) and role == "kernel":
                role = "depthwise_kernel"
            variable.assign(value(f"{layer.name}/{role}", tuple(variable.shape)))


def trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "families"))
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated, default: all")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.models.split(","):
        constructor, minimum = MODELS[name]
        build = getattr(keras.applications, constructor)

        keras.backend.clear_session()
        top = build(weights=None, include_top=True)
        fill(top)
        y = np.asarray(top(formula_batch((1, TOP_SIZE, TOP_SIZE, 3)), training=False), dtype=np.float32)
        assert np.all(np.isfinite(y)), f"{name}: non-finite output"
        path = os.path.join(args.out, f"{name}_{TOP_SIZE}_top.h5")
        with h5py.File(path, "w") as f:
            f.create_dataset("output", data=y)
            f.attrs["keras_version"] = keras.__version__
        print(f"{path}: output {y.shape}, max |y| {np.abs(y).max():.4g}")

        keras.backend.clear_session()
        model = build(weights=None, include_top=False, input_shape=(minimum, minimum, 3))
        fill(model)
        y = np.asarray(model(formula_batch((1, minimum, minimum, 3)), training=False), dtype=np.float32)
        assert np.all(np.isfinite(y)), f"{name}: non-finite output"
        path = os.path.join(args.out, f"{name}_{minimum}.h5")
        with h5py.File(path, "w") as f:
            f.create_dataset("output", data=y)
            f.attrs["keras_version"] = keras.__version__
            f.attrs["parameters"] = model.count_params()
            f.attrs["parameters_top"] = top.count_params()
            f.attrs["trainable_parameters"] = trainable(model)
            f.attrs["trainable_parameters_top"] = trainable(top)
            f.attrs["layers"] = len(model.layers)
            f.attrs["layers_top"] = len(top.layers)
            f.attrs["layer_names"] = ",".join(layer.name for layer in model.layers)
            f.attrs["layer_names_top"] = ",".join(layer.name for layer in top.layers)
            f.attrs["model_name"] = model.name
        print(f"{path}: output {y.shape}, max |y| {np.abs(y).max():.4g}, "
              f"{model.count_params()} parameters ({top.count_params()} with the top)")


if __name__ == "__main__":
    main()
