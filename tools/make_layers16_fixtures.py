"""Writes the fixtures of issue 16's layers and of MobileNetV3 and ConvNeXt:

- Tests/Fixtures/layers/<case>.h5 for LayerNormalization, grouped Conv2D, the gelu, hard_sigmoid
  and hard_swish activations, ConvNeXt's LayerScale and StochasticDepth: inputs, weights, Keras
  3's output and tf.GradientTape's gradients, laid out as tools/make_layer_fixtures.py lays them
  out (its `write`), for Tests/ZooLayersTests/Layers/<Class>Tests.swift.
- Tests/Fixtures/layers16/<model>_<size>.h5 for Tests/ZooModelsTests/MobileNetV3ConvNeXtTests.swift:
  keras.applications' output on the formula weights of tools/zootools/fixtures.py (so the
  Swift test fills its model identically and only outputs are committed) at the minimum size
  (32x32, no top) and at the default size with the top (224x224) for the smallest variant of
  each family, plus Keras's count_params (and the trainable part) with and without the top and
  the layer names, for every variant and option.

Run: .venv/bin/python tools/make_layers16_fixtures.py [--models-only | --layers-only]
(Keras 3 with the TensorFlow backend)
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from make_layer_fixtures import write  # noqa: E402
from zootools.fixtures import describe, fill, formula_batch, forward, weight_role  # noqa: E402

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.applications.convnext import LayerScale, StochasticDepth  # noqa: E402

L = keras.layers
HERE = os.path.dirname(__file__)

# name -> (layer factory, input shapes with batch, input scale), as make_layer_fixtures.CASES.
LAYER_CASES = {
    "layernorm": (lambda: L.LayerNormalization(epsilon=1e-6), [(2, 3, 3, 8)], 3),
    "layernorm_rank2_nocenter": (lambda: L.LayerNormalization(center=False), [(4, 6)], 2),
    "layernorm_noscale": (lambda: L.LayerNormalization(scale=False, epsilon=0.01), [(2, 2, 2, 5)], 1),
    "conv2d_groups2_same": (lambda: L.Conv2D(6, 3, padding="same", groups=2), [(2, 6, 6, 4)], 1),
    "conv2d_groups3_stride2_relu": (lambda: L.Conv2D(6, (3, 2), strides=2, groups=3, activation="relu"),
                                    [(2, 7, 8, 6)], 1),
    # ConvNeXt's 7x7 convolution: one channel per group.
    "conv2d_groups_channels_7x7": (lambda: L.Conv2D(8, 7, padding="same", groups=8), [(2, 9, 9, 8)], 1),
    "conv2d_groups_channels_m2": (lambda: L.Conv2D(8, 3, groups=4, use_bias=False), [(1, 6, 6, 4)], 1),
    "activation_gelu": (lambda: L.Activation("gelu"), [(2, 3, 3, 4)], 3),
    "gelu_approximate": (lambda: L.Activation(lambda x: keras.activations.gelu(x, approximate=True)), [(2, 3, 3, 4)], 3),
    "activation_hard_sigmoid": (lambda: L.Activation("hard_sigmoid"), [(2, 3, 3, 4)], 4),
    "activation_hard_swish": (lambda: L.Activation("hard_swish"), [(2, 3, 3, 4)], 4),
    "activation_hard_silu": (lambda: L.Activation("hard_silu"), [(2, 3, 3, 4)], 4),
    "layer_scale": (lambda: LayerScale(0.5, 4), [(2, 3, 3, 4)], 1),
    # Its random drops are no function of the input; what Keras and zoo share is the rest: at
    # inference, or in training at rate 0, the identity.
    "stochastic_depth": (lambda: StochasticDepth(0.0), [(2, 3, 3, 4)], 1),
    # ConvNeXt's pointwise layers: Dense on every position of an NHWC map.
    "dense_nhwc": (lambda: L.Dense(5), [(2, 3, 3, 4)], 1),
}


def write_layers(out):
    os.makedirs(out, exist_ok=True)
    for i, (name, (factory, shapes, scale)) in enumerate(LAYER_CASES.items()):
        path = os.path.join(out, f"{name}.h5")
        shape = write(path, factory(), shapes, scale, np.random.default_rng(1600 + i))
        with h5py.File(path, "a") as f:
            # Keras 3 adds LayerScale's weight unnamed ("variable"); tf-keras, and zoo, call it gamma.
            for prefix in ("w_", "dw_"):
                if f"{prefix}variable" in f:
                    f.move(f"{prefix}variable", f"{prefix}gamma")
        print(f"{path}: inputs {shapes} -> {tuple(shape)}")


MOBILENETV3 = {
    "mobilenetv3small": keras.applications.MobileNetV3Small,
    "mobilenetv3large": keras.applications.MobileNetV3Large,
}
CONVNEXT = {
    "convnexttiny": keras.applications.ConvNeXtTiny,
    "convnextsmall": keras.applications.ConvNeXtSmall,
    "convnextbase": keras.applications.ConvNeXtBase,
    "convnextlarge": keras.applications.ConvNeXtLarge,
    "convnextxlarge": keras.applications.ConvNeXtXLarge,
}


def variants():
    """(fixture name, builder, options): every variant and option zoo builds."""
    out = []
    for name, build in MOBILENETV3.items():
        for alpha in (0.75, 1.0):
            for minimalistic in (False, True):
                out.append((f"{name}_{alpha}{'_minimalistic' if minimalistic else ''}", build,
                            dict(alpha=alpha, minimalistic=minimalistic)))
        out.append((f"{name}_1.0_nopreprocessing", build, dict(include_preprocessing=False)))
    for name, build in CONVNEXT.items():
        out.append((name, build, {}))
    out.append(("convnexttiny_nopreprocessing", CONVNEXT["convnexttiny"], dict(include_preprocessing=False)))
    return out


# The variants whose outputs are compared (the smallest of each family; the others share their
# code and are checked by their counts and layer names).
OUTPUT_CASES = ["mobilenetv3small_1.0", "mobilenetv3small_0.75_minimalistic", "mobilenetv3large_1.0", "convnexttiny"]
TOP_CASES = ["mobilenetv3small_1.0", "convnexttiny"]


def role(layer, variable):
    # Keras 3 adds LayerScale's weight unnamed ("variable"); tf-keras, and zoo, call it gamma.
    return "gamma" if isinstance(layer, LayerScale) else weight_role(layer, variable)


def flat_layers(model):
    """The model's layers with nested Sequentials (ConvNeXt's stem and downsampling blocks)
    opened, as zoo builds them."""
    for layer in model.layers:
        if isinstance(layer, keras.Sequential):
            yield from flat_layers(layer)
        else:
            yield layer


COUNTS = ("parameters", "trainable_parameters", "parameters_top", "trainable_parameters_top")


def write_models(out):
    os.makedirs(out, exist_ok=True)
    for name, build, options in variants():
        keras.backend.clear_session()
        top = build(weights=None, include_top=True, **options)
        keras.backend.clear_session()
        model = build(weights=None, include_top=False, input_shape=(32, 32, 3), **options)
        attrs = describe(model, top, layers=flat_layers)
        path = os.path.join(out, f"{name}_32.h5")
        with h5py.File(path, "w") as f:
            for key in COUNTS + ("layer_names", "layer_names_top", "model_name"):
                f.attrs[key] = attrs[key]
            f.attrs["keras_version"] = keras.__version__
            if name in OUTPUT_CASES:
                # MobileNetV3 and ConvNeXt take 0-255 pixels (their preprocessing is inside).
                pixels = "nopreprocessing" not in name
                fill(model, role=role, layers=flat_layers(model))
                f.create_dataset("output", data=forward(model, formula_batch((1, 32, 32, 3), pixels)))
                if name in TOP_CASES:
                    keras.backend.clear_session()
                    top = build(weights=None, include_top=True, **options)
                    fill(top, role=role, layers=flat_layers(top))
                    f.create_dataset("output_224_top", data=forward(top, formula_batch((1, 224, 224, 3), pixels)))
        print(f"{path}: { {key: attrs[key] for key in COUNTS} }")
    write_counts(out)


def write_counts(out):
    """param_counts.json: Keras's count_params of every variant, from the fixtures' attributes."""
    counts = {}
    for name, _, _ in variants():
        with h5py.File(os.path.join(out, f"{name}_32.h5"), "r") as f:
            counts[name] = {key: int(f.attrs[key]) for key in COUNTS}
    with open(os.path.join(out, "param_counts.json"), "w") as f:
        json.dump(counts, f, indent=1, sort_keys=True)
        f.write("\n")


def write_nested(out):
    """nested_stem.tfkeras.h5, nested_stem.k3.h5 and nested_stem.k3.weights.h5: a ConvNeXt-like
    model whose stem is a nested Sequential (as ConvNeXt's, and so the official ConvNeXt files),
    saved as legacy HDF5 by tf-keras (`save_weights`) and Keras 3 (`model.save`), and as Keras 3
    weights, each with the model's input and output."""
    import tf_keras

    rng = np.random.default_rng(1616)
    x = rng.uniform(0, 255, (2, 8, 8, 3)).astype(np.float32)
    for K, suffix in ((tf_keras, "tfkeras"), (keras, "k3")):
        inp = K.Input((8, 8, 3))
        stem = K.Sequential([K.layers.Conv2D(4, 2, strides=2, name="m_stem_conv"),
                             K.layers.LayerNormalization(epsilon=1e-6, name="m_stem_layernorm")], name="m_stem")
        model = K.Model(inp, K.layers.Dense(5, name="d")(stem(inp)))
        model.set_weights([rng.standard_normal(w.shape).astype(np.float32) for w in model.get_weights()])
        paths = [os.path.join(out, f"nested_stem.{suffix}.h5")]
        if suffix == "tfkeras":
            model.save_weights(paths[0])
        else:
            model.save(paths[0])
            paths.append(os.path.join(out, "nested_stem.k3.weights.h5"))
            model.save_weights(paths[1])
        for path in paths:
            with h5py.File(path, "a") as f:
                f.create_dataset("io_input", data=x)
                f.create_dataset("io_output", data=np.asarray(model(x), np.float32))
        print(f"{path}: {model.count_params()} parameters")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers-only", action="store_true")
    parser.add_argument("--models-only", action="store_true")
    args = parser.parse_args()
    fixtures = os.path.join(HERE, "..", "Tests", "Fixtures")
    if not args.models_only:
        write_layers(os.path.join(fixtures, "layers"))
    if not args.layers_only:
        write_models(os.path.join(fixtures, "layers16"))
        write_nested(os.path.join(fixtures, "layers16"))


if __name__ == "__main__":
    main()
