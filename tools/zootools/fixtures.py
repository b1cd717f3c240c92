"""The parity fixtures of keras.applications models (tools/make_*_fixtures.py): a Keras 3 model
filled with the formula weights of tools/make_builder_fixtures.py, run on the formula input, and
written with its counts and layer names to the .h5 files Tests/ZooModelsTests read.

The formula gives each variable a value from its path "layer/role" alone, as
Tests/ZooTestSupport/FormulaWeights.swift does, so a Swift test fills its model identically and
only outputs are committed. Two roles are added to make_builder_fixtures' here:
`depthwise_kernel` (fan_in = kh * kw: each output channel sums the taps of one input channel;
Keras 3 names DepthwiseConv2D's variable `kernel`, zoo and weight files `depthwise_kernel`) and
`pointwise_kernel` (SeparableConv2D's [1, 1, C*M, F], scaled by its fan_in C*M like a kernel).

Imports Keras 3 (TensorFlow backend) and tools/make_builder_fixtures.py, so only the fixture
scripts in tools/ use it.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from make_builder_fixtures import fnv1a64, formula_value, uniform  # noqa: E402


def formula_batch(shape, pixels=False):
    """The formula's input u * 120: as 0-255 pixels (+ 128, in [8, 248)) for models that
    preprocess inside, else divided by 128 (exact in float32: about [-1, 1], what tf-mode
    preprocessing gives)."""
    x = uniform(int(np.prod(shape)), fnv1a64("input")) * np.float32(120)
    x = x + np.float32(128) if pixels else x * np.float32(1 / 128)
    return x.reshape(shape).astype(np.float32)


def kernel_value(path, shape):
    """make_builder_fixtures' formula_value with the depthwise and pointwise kernel roles."""
    role = path.rsplit("/", 1)[1]
    if role == "depthwise_kernel":
        u = uniform(int(np.prod(shape)), fnv1a64(path)).reshape(shape)
        return (u * np.float32(np.sqrt(3.0 / (shape[0] * shape[1])))).astype(np.float32)
    if role == "pointwise_kernel":
        u = uniform(int(np.prod(shape)), fnv1a64(path)).reshape(shape)
        return (u * np.float32(np.sqrt(3.0 / int(np.prod(shape[:-1]))))).astype(np.float32)
    return formula_value(path, shape)


def weight_role(layer, variable):
    """The role as zoo and weight files name it."""
    role = variable.path.split("/")[-1]
    if isinstance(layer, keras.layers.DepthwiseConv2D) and role == "kernel":
        return "depthwise_kernel"
    return role


def fill(model, value=kernel_value, role=weight_role, layers=None):
    """Assigns value("layer/role", shape) to every variable of `layers` (default model.layers)."""
    for layer in model.layers if layers is None else layers:
        for variable in layer.weights:
            variable.assign(value(f"{layer.name}/{role(layer, variable)}", tuple(variable.shape)))
        if isinstance(layer, keras.layers.Normalization):
            layer.finalize_state()  # as loading does: adapted statistics become the layer's constants


def forward(model, x):
    y = np.asarray(model(x, training=False), dtype=np.float32)
    assert np.all(np.isfinite(y)), f"{model.name}: non-finite output"
    return y


def trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def describe(model, top, layers=None, layer_counts=False):
    """Keras's counts and layer names of a model without its top and with it (default size), as
    the Swift tests check them; `layers(model)` lists the layers (default model.layers)."""
    layers = layers or (lambda m: m.layers)
    attrs = {"parameters": model.count_params(), "parameters_top": top.count_params(),
             "trainable_parameters": trainable(model), "trainable_parameters_top": trainable(top)}
    if layer_counts:
        attrs.update(layers=len(model.layers), layers_top=len(top.layers))
    attrs.update(layer_names=",".join(layer.name for layer in layers(model)),
                 layer_names_top=",".join(layer.name for layer in layers(top)), model_name=model.name)
    return attrs


def write_case(path, model, x, *, top=None, taps=(), value=kernel_value, layer_counts=False):
    """Fills `model`, runs it on x and writes path: `output`, `taps/<layer>` (the outputs of those
    layers) and @keras_version, plus, given `top` (the same model built with its top), describe's
    attributes. Returns the output."""
    fill(model, value)
    y = forward(model, x)
    with h5py.File(path, "w") as f:
        f.create_dataset("output", data=y)
        if taps:
            outputs = keras.Model(model.inputs, [model.get_layer(n).output for n in taps])(x, training=False)
            for name, tap in zip(taps, outputs):
                f.create_dataset(f"taps/{name}", data=np.asarray(tap, dtype=np.float32))
        f.attrs["keras_version"] = keras.__version__
        for key, attr in (describe(model, top, layer_counts=layer_counts) if top is not None else {}).items():
            f.attrs[key] = attr
    counts = f", {model.count_params()} parameters ({top.count_params()} with the top)" if top is not None else ""
    print(f"{path}: output {y.shape}, max |y| {np.abs(y).max():.4g}{counts}")
    return y
