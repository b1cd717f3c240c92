"""Writes the fixtures of issue 16's InceptionResNetV2, NASNet and EfficientNetV2 builders and of
their new layers (Cropping2D, CustomScaleLayer), for Tests/ZooModelsTests/Family16Tests.swift and
Tests/ZooLayersTests/Layers/{Cropping2D,CustomScaleLayer}Tests.swift:

- Tests/Fixtures/layers/<case>.h5: Keras 3's forward and tf.GradientTape's gradients of the new
  layers (the format of tools/make_layer_fixtures.py, whose `write` this reuses).
- Tests/Fixtures/fam16/<model>_<size>[_top].h5: the output of the smallest model of each family
  (InceptionResNetV2, NASNetMobile, EfficientNetV2B0) at its minimum size without the top and at
  its default size with it, on the formula weights of tools/zootools/fixtures.py (tools/make_builder_fixtures.py's, with the
  `depthwise_kernel` and `pointwise_kernel` roles), so only outputs are committed.
- Tests/Fixtures/fam16/digits_fam16.k3.{keras,model.h5} and digits_fam16.io.h5: a small Keras 3
  classifier of raw 28x28x1 digits made of these families' layers (BatchNormalization without
  scale, ZeroPadding2D then Cropping2D, SeparableConv2D, same-padded AveragePooling2D,
  CustomScaleLayer, DepthwiseConv2D, squeeze-excite, Dropout with noise_shape), saved by
  `model.save` in both formats, with its softmax on the first 16 test digits of the built-in
  MNIST sample, for `zoo predict` and `zoo evaluate` (Tests/ZooCLITests/Family16CLITests.swift).
- Tests/Fixtures/fam16/parameters.json: for every variant (all of EfficientNetV2 B0-B3, S, M, L,
  both NASNets), Keras's count_params and trainable count with and without the top (at the
  default size) and the layer names in `model.layers` order, which topological loading follows.

Inputs: the formula input / 128 (about [-1, 1], what tf-mode preprocessing gives) for
InceptionResNetV2 and NASNet; pixels 128 + formula input (about [8, 248]) for EfficientNetV2,
which preprocesses inside the model.

Run: /work/main/.venv/bin/python tools/make_fam16_fixtures.py   (Keras 3 with the TensorFlow backend)
"""
import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(__file__))

from make_layer_fixtures import write as write_layer_case  # noqa: E402
from zootools.fixtures import formula_batch, trainable, write_case  # noqa: E402

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.applications.inception_resnet_v2 import CustomScaleLayer  # noqa: E402

A = keras.applications
L = keras.layers
HERE = os.path.dirname(os.path.abspath(__file__))

LAYER_CASES = {
    "cropping2d_nasnet": (lambda: L.Cropping2D(cropping=((1, 0), (1, 0))), [(2, 5, 6, 3)], 1),
    "cropping2d_asymmetric": (lambda: L.Cropping2D(cropping=((2, 1), (0, 3))), [(1, 7, 8, 2)], 1),
    "custom_scale_layer": (lambda: CustomScaleLayer(0.17), [(2, 3, 3, 4), (2, 3, 3, 4)], 1),
}

# name -> (constructor, default size, minimum size, input kind)
VARIANTS = {
    "inceptionresnetv2": (A.InceptionResNetV2, 299, 75, "tf"),
    "nasnetmobile": (A.NASNetMobile, 224, 32, "tf"),
    "nasnetlarge": (A.NASNetLarge, 331, 32, "tf"),
    "efficientnetv2b0": (A.EfficientNetV2B0, 224, 32, "pixels"),
    "efficientnetv2b1": (A.EfficientNetV2B1, 240, 32, "pixels"),
    "efficientnetv2b2": (A.EfficientNetV2B2, 260, 32, "pixels"),
    "efficientnetv2b3": (A.EfficientNetV2B3, 300, 32, "pixels"),
    "efficientnetv2s": (A.EfficientNetV2S, 384, 32, "pixels"),
    "efficientnetv2m": (A.EfficientNetV2M, 480, 32, "pixels"),
    "efficientnetv2l": (A.EfficientNetV2L, 480, 32, "pixels"),
}
# The smallest model of each family, whose outputs are committed.
OUTPUT_CASES = ["inceptionresnetv2", "nasnetmobile", "efficientnetv2b0"]


def digits_model():
    """Raw digits in, 10 softmax classes out, through the layers these families add."""
    rng = np.random.default_rng(1616)
    x0 = keras.Input((28, 28, 1), name="digits")
    x = L.Rescaling(1 / 255, offset=-0.5)(x0)
    x = L.Conv2D(8, 3, strides=2, use_bias=False, name="stem")(x)
    x = L.BatchNormalization(scale=False, name="stem_bn")(x)
    x = L.Activation("relu")(x)
    shifted = L.ZeroPadding2D(((0, 1), (0, 1)))(x)
    shifted = L.Cropping2D(((1, 0), (1, 0)))(shifted)
    y = L.SeparableConv2D(8, 3, padding="same", use_bias=False, name="sep")(shifted)
    y = L.BatchNormalization(epsilon=1e-3, name="sep_bn")(y)
    pooled = L.AveragePooling2D(3, strides=1, padding="same")(x)
    y = L.Add()([y, pooled])
    residual = L.Conv2D(8, 1, name="up")(y)
    x = CustomScaleLayer(0.17)([x, residual])
    x = L.DepthwiseConv2D(3, strides=2, padding="same", use_bias=False, name="dw")(x)
    se = L.GlobalAveragePooling2D(name="se_squeeze")(x)
    se = L.Reshape((1, 1, 8), name="se_reshape")(se)
    se = L.Conv2D(2, 1, activation="swish", name="se_reduce")(se)
    se = L.Conv2D(8, 1, activation="sigmoid", name="se_expand")(se)
    x = L.multiply([x, se], name="se_excite")
    x = L.Dropout(0.1, noise_shape=(None, 1, 1, 1), name="drop")(x)
    x = L.GlobalAveragePooling2D()(x)
    out = L.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(x0, out, name="digits_fam16")
    for layer in model.layers:
        for v in layer.weights:
            if "variance" in v.path:
                v.assign(rng.uniform(0.5, 1.5, tuple(v.shape)).astype(np.float32))
            else:
                v.assign(rng.normal(0, 0.5, tuple(v.shape)).astype(np.float32))
    return model


def write_digits_model(out):
    from zootools.mnist import digits
    keras.backend.clear_session()
    model = digits_model()
    images, labels = digits("test")
    x = images[:16, :, :, None].astype(np.float32)
    y = np.asarray(model(x, training=False), dtype=np.float32)
    model.save(os.path.join(out, "digits_fam16.k3.keras"))
    model.save(os.path.join(out, "digits_fam16.k3.model.h5"))
    with h5py.File(os.path.join(out, "digits_fam16.io.h5"), "w") as f:
        f.create_dataset("probabilities", data=y)
        f.create_dataset("labels", data=labels[:16])
        f.attrs["keras_version"] = keras.__version__
    print(f"{out}/digits_fam16.*: {model.count_params()} parameters, probabilities {y.shape}")


def build(name, **kw):
    # A fresh session for each model: Keras's automatic names (conv2d_7, activation_12,
    # custom_scale_layer_3) are those a new process gives and zoo's builders reproduce.
    keras.backend.clear_session()
    return VARIANTS[name][0](weights=None, **kw)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", default=os.path.join(HERE, "..", "Tests", "Fixtures"))
    parser.add_argument("--skip", nargs="*", default=[], choices=["layers", "outputs", "digits", "parameters"])
    args = parser.parse_args()
    if "layers" not in args.skip:
        out = os.path.join(args.fixtures, "layers")
        for i, (name, (factory, shapes, scale)) in enumerate(LAYER_CASES.items()):
            path = os.path.join(out, f"{name}.h5")
            shape = write_layer_case(path, factory(), shapes, scale, np.random.default_rng(1600 + i))
            print(f"{path}: inputs {shapes} -> {tuple(shape)}")
    out = os.path.join(args.fixtures, "fam16")
    os.makedirs(out, exist_ok=True)
    if "outputs" not in args.skip:
        for name in OUTPUT_CASES:
            _, default, minimum, kind = VARIANTS[name]
            for size, top in ((minimum, False), (default, True)):
                model = build(name, include_top=top, input_shape=(size, size, 3))
                write_case(os.path.join(out, f"{name}_{size}{'_top' if top else ''}.h5"), model,
                           formula_batch((1, size, size, 3), pixels=kind == "pixels"))
    if "digits" not in args.skip:
        write_digits_model(out)
    if "parameters" not in args.skip:
        table = {}
        for name, (_, default, minimum, _) in VARIANTS.items():
            top = build(name, include_top=True)
            entry = {"parameters_top": top.count_params(), "trainable_parameters_top": trainable(top),
                     "layer_names_top": [layer.name for layer in top.layers[1:]], "model_name": top.name}
            model = build(name, include_top=False, input_shape=(default, default, 3))
            entry.update({"parameters": model.count_params(), "trainable_parameters": trainable(model),
                          "layer_names": [layer.name for layer in model.layers[1:]]})
            table[name] = entry
            print(f"{name}: {entry['parameters']} parameters ({entry['parameters_top']} with the top), "
                  f"{len(entry['layer_names'])} layers")
        table["keras_version"] = keras.__version__
        with open(os.path.join(out, "parameters.json"), "w") as f:
            json.dump(table, f, indent=0, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
