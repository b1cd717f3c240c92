"""Writes Tests/Fixtures/families/{inceptionv3,xception}_*.h5: keras.applications InceptionV3 and
Xception outputs on the formula weights of tools/make_builder_fixtures.py, at the minimum input
size without the top (75x75 and 71x71) and at the default size with the top (299x299, 1000
classes), plus Keras's count_params (and the trainable part) and layer names with and without
the top, for Tests/ZooModelsTests/InceptionXceptionTests.swift.

The formula, with its `pointwise_kernel` role (SeparableConv2D's 1x1 kernel [1, 1, C, F], scaled
like a kernel by its fan_in C), and the writing are tools/zootools/fixtures.py's. The input is
the formula's input / 128: about [-1, 1], the scale of tf-mode preprocessing both models use.

Each model is built in a fresh session, so Keras's automatic names (conv2d_N,
batch_normalization_N, activation_N, add_N, ...) are the ones zoo's builders give.

Run: .venv/bin/python tools/make_inception_xception_fixtures.py   (Keras 3 with the TensorFlow backend)
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from zootools.fixtures import formula_batch, write_case  # noqa: E402

import keras  # noqa: E402

# name -> (keras.applications constructor, minimum input size).
MODELS = {"inceptionv3": ("InceptionV3", 75), "xception": ("Xception", 71)}
TOP_SIZE = 299


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
        write_case(os.path.join(args.out, f"{name}_{TOP_SIZE}_top.h5"), top, formula_batch((1, TOP_SIZE, TOP_SIZE, 3)))

        keras.backend.clear_session()
        model = build(weights=None, include_top=False, input_shape=(minimum, minimum, 3))
        write_case(os.path.join(args.out, f"{name}_{minimum}.h5"), model, formula_batch((1, minimum, minimum, 3)),
                   top=top, layer_counts=True)


if __name__ == "__main__":
    main()
