"""Writes Tests/Fixtures/efficientnet/*.h5: keras.applications EfficientNetB0-B7 built as they
are for the ImageNet weights (with the Rescaling by 1/sqrt(stddev) after the Normalization,
which `weights=None` leaves out), on the formula weights of tools/make_builder_fixtures.py,
for Tests/ZooModelsTests/EfficientNetTests.swift:

- `efficientnetbK_32.h5`: every variant at the minimum size, 32x32, without the top: the output,
  Keras's count_params (and the trainable part) with and without the top at the default size,
  and the layer names;
- `efficientnetb0_224_top.h5`: B0 at its default size with the top (1000 classes).

Each file also holds `taps/<layer>`: the outputs of layers along the network. With random weights
a deep network's output barely depends on its input (each squeeze-and-excitation gate about
halves the signal; here the final output moves by 3e-6 of its magnitude when the input changes
completely), so a mistake in the stem would hide below the tolerance of the last output; the taps
check every stage where its signal is still strong.

The formula gains the Normalization roles here: `mean` 0.45 + 0.1u, `variance` 0.06 + 0.02u (about
ImageNet's statistics of pixels / 255), `count` 100; Tests/ZooTestSupport/FormulaWeights.swift
computes them too. The input is the formula's input plus 128: pixels in [8, 248), what EfficientNet
takes (it scales inside the model).

Run: .venv/bin/python tools/make_efficientnet_fixtures.py   (Keras 3 with the TensorFlow backend)
"""
import argparse
import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from make_builder_fixtures import fnv1a64, uniform  # noqa: E402
from zootools.fixtures import formula_batch, kernel_value, write_case  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.applications import efficientnet  # noqa: E402

VARIANTS = [f"b{k}" for k in range(8)]
SIZE = 32
# Layers every variant has, from the stem to the top.
TAPS_32 = ["stem_activation", "block2a_project_bn", "block3b_add", "block4a_se_excite", "block5a_project_bn",
           "block6a_se_excite", "block7a_project_bn"]
# At 224x224 the early maps are large; these keep the fixture under 0.5 MB (a mistake in a late
# block shows at the next tap whatever the input's influence).
TAPS_224 = ["block3b_add", "block5c_add", "top_activation"]


@contextlib.contextmanager
def imagenet_architecture():
    """`weights="imagenet"` without the download: keras.applications builds the model exactly as
    for the official file, and loading it is skipped."""
    get_file, load_weights = efficientnet.file_utils.get_file, keras.Model.load_weights
    efficientnet.file_utils.get_file = lambda *a, **k: "skipped"
    keras.Model.load_weights = lambda self, *a, **k: None
    try:
        yield
    finally:
        efficientnet.file_utils.get_file, keras.Model.load_weights = get_file, load_weights


def build(variant, **kw):
    keras.backend.clear_session()
    with imagenet_architecture():
        return getattr(efficientnet, f"EfficientNet{variant.upper()}")(weights="imagenet", **kw)


def value(path, shape):
    role = path.rsplit("/", 1)[1]
    if role == "count":
        return np.int64(100)
    u = uniform(int(np.prod(shape)) or 1, fnv1a64(path)).reshape(shape)
    if role == "mean":
        return (np.float32(0.45) + u * np.float32(0.1)).astype(np.float32)
    if role == "variance":
        return (np.float32(0.06) + u * np.float32(0.02)).astype(np.float32)
    return kernel_value(path, shape)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "efficientnet"))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for variant in args.variants.split(","):
        top = build(variant, include_top=True)
        if variant == "b0":
            size = top.input_shape[1]
            write_case(os.path.join(args.out, f"efficientnet{variant}_{size}_top.h5"), top,
                       formula_batch((1, size, size, 3), pixels=True), taps=TAPS_224, value=value)
        model = build(variant, include_top=False, input_shape=(SIZE, SIZE, 3))
        write_case(os.path.join(args.out, f"efficientnet{variant}_{SIZE}.h5"), model,
                   formula_batch((1, SIZE, SIZE, 3), pixels=True), top=top, taps=TAPS_32, value=value)


if __name__ == "__main__":
    main()
