"""Writes Tests/Fixtures/families/*.h5: keras.applications DenseNet121/169/201, MobileNet and
MobileNetV2 (every alpha keras.applications publishes weights for) outputs at the minimum input
size, 32x32, on the formula weights of tools/make_builder_fixtures.py, plus Keras's
count_params (and the trainable part) with and without the top at 224x224, for Tests/ZooModelsTests/DenseNetMobileNetTests.swift.

The formula, with its `depthwise_kernel` role, and the writing are tools/zootools/fixtures.py's.
The input is the formula's input divided by 128 (exact in float32): about [-1, 1], the scale
MobileNet's tf-mode preprocessing gives, so ReLU6 does not saturate.

Run: .venv/bin/python tools/make_family_fixtures.py   (Keras 3 with the TensorFlow backend)
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from zootools.fixtures import formula_batch, write_case  # noqa: E402

import keras  # noqa: E402

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top-only", action="store_true", help="write only the 224x224 cases with the top")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "families"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in TOP_CASES:
        keras.backend.clear_session()
        model = FAMILIES[name](weights=None, include_top=True)
        write_case(os.path.join(args.out, f"{name}_224_top.h5"), model, formula_batch((1, 224, 224, 3)))
    if args.top_only:
        return
    x = formula_batch(INPUT_SHAPE)
    for name, build in FAMILIES.items():
        # A fresh session for each model, so Keras's automatic names (zero_padding2d,
        # global_average_pooling2d) are the ones a new process gives and zoo's builders use.
        keras.backend.clear_session()
        top = build(weights=None, include_top=True)
        keras.backend.clear_session()
        model = build(weights=None, include_top=False, input_shape=INPUT_SHAPE[1:])
        write_case(os.path.join(args.out, f"{name}_{SIZE}.h5"), model, x, top=top, layer_counts=True)


if __name__ == "__main__":
    main()
