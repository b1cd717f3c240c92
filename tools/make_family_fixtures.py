"""Writes Tests/Fixtures/families/*.h5: keras.applications DenseNet121/169/201, MobileNet and
MobileNetV2 (every alpha keras.applications publishes weights for) outputs at the minimum input
size, 32x32, on the formula weights of tools/make_builder_fixtures.py, plus Keras's
count_params (and the trainable part) with and without the top at 224x224, for Tests/ZooModelsTests/DenseNetMobileNetTests.swift.

The formula gains one role here, `depthwise_kernel` (fan_in = kh * kw: each output channel
sums the taps of one input channel), as Tests/ZooTestSupport/FormulaWeights.swift computes it.
Keras 3 names DepthwiseConv2D's variable `kernel`; zoo and weight files call it
`depthwise_kernel`. The input is the formula's input divided by 128 (exact in float32): about
[-1, 1], the scale MobileNet's tf-mode preprocessing gives, so ReLU6 does not saturate.

Run: .venv/bin/python tools/make_family_fixtures.py   (Keras 3 with the TensorFlow backend)
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from make_builder_fixtures import fnv1a64, formula_value, uniform  # noqa: E402

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

SIZE = 32
INPUT_SHAPE = (1, SIZE, SIZE, 3)

FAMILIES = {
    "densenet121": lambda **kw: keras.applications.DenseNet121(**kw),
    "densenet169": lambda **kw: keras.applications.DenseNet169(**kw),
    "densenet201": lambda **kw: keras.applications.DenseNet201(**kw),
}
for a in (0.25, 0.5, 0.75, 1.0):
    FAMILIES[f"mobilenet_{a}"] = lambda a=a, **kw: keras.applications.MobileNet(alpha=a, **kw)
for a in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4):
    FAMILIES[f"mobilenetv2_{a}"] = lambda a=a, **kw: keras.applications.MobileNetV2(alpha=a, **kw)


# One model per family also at the default size with its top (224x224, 1000 classes), which the
# 32x32 outputs never reach: MobileNet's kept-dims average, conv_preds and reshape_2.
TOP_CASES = ["densenet121", "mobilenet_1.0", "mobilenetv2_1.0"]


def formula_batch(shape):
    u = uniform(int(np.prod(shape)), fnv1a64("input"))
    return ((u * np.float32(120)) * np.float32(1 / 128)).reshape(shape).astype(np.float32)


def family_value(path, shape):
    if path.endswith("/depthwise_kernel"):
        u = uniform(int(np.prod(shape)), fnv1a64(path)).reshape(shape)
        return (u * np.float32(np.sqrt(3.0 / (shape[0] * shape[1])))).astype(np.float32)
    return formula_value(path, shape)


def fill(model):
    for layer in model.layers:
        for variable in layer.weights:
            role = variable.path.split("/")[-1]
            if isinstance(layer, keras.layers.DepthwiseConv2D) and role == "kernel":
                role = "depthwise_kernel"
            variable.assign(family_value(f"{layer.name}/{role}", tuple(variable.shape)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top-only", action="store_true", help="write only the 224x224 cases with the top")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "families"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in TOP_CASES:
        keras.backend.clear_session()
        model = FAMILIES[name](weights=None, include_top=True)
        fill(model)
        y = np.asarray(model(formula_batch((1, 224, 224, 3)), training=False), dtype=np.float32)
        path = os.path.join(args.out, f"{name}_224_top.h5")
        with h5py.File(path, "w") as f:
            f.create_dataset("output", data=y)
            f.attrs["keras_version"] = keras.__version__
        print(f"{path}: output {y.shape}, max |y| {np.abs(y).max():.4g}")
    if args.top_only:
        return
    x = formula_batch(INPUT_SHAPE)
    for name, build in FAMILIES.items():
        # A fresh session for each model, so Keras's automatic names (zero_padding2d,
        # global_average_pooling2d) are the ones a new process gives and zoo's builders use.
        keras.backend.clear_session()
        top = build(weights=None, include_top=True)
        top_names = [layer.name for layer in top.layers]
        top_trainable = sum(int(np.prod(w.shape)) for w in top.trainable_weights)
        keras.backend.clear_session()
        model = build(weights=None, include_top=False, input_shape=INPUT_SHAPE[1:])
        fill(model)
        y = np.asarray(model(x, training=False), dtype=np.float32)
        path = os.path.join(args.out, f"{name}_{SIZE}.h5")
        with h5py.File(path, "w") as f:
            f.create_dataset("output", data=y)
            f.attrs["keras_version"] = keras.__version__
            f.attrs["parameters"] = model.count_params()
            f.attrs["parameters_top"] = top.count_params()
            f.attrs["trainable_parameters"] = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
            f.attrs["trainable_parameters_top"] = top_trainable
            f.attrs["layers"] = len(model.layers)
            f.attrs["layers_top"] = len(top.layers)
            f.attrs["layer_names"] = ",".join(layer.name for layer in model.layers)
            f.attrs["layer_names_top"] = ",".join(top_names)
            f.attrs["model_name"] = model.name
        print(f"{path}: output {y.shape}, max |y| {np.abs(y).max():.4g}, "
              f"{model.count_params()} parameters ({top.count_params()} with the top)")


if __name__ == "__main__":
    main()
