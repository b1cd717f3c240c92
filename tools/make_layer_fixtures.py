"""Writes Tests/Fixtures/layers/*.h5: one small case per new Keras layer class (or option), with
Keras 3's forward and tf.GradientTape's gradients, for the Swift layer tests
(Tests/ZooLayersTests/Layers/<Class>Tests.swift, through LayerFixtureCheck.swift).

Each file holds the inputs `x0`, `x1`, ..., the weights `w_<role>` (Keras order, random and far
from their initial values), the output `y`, an upstream gradient `dy`, and the gradients of
sum(y * dy): `dx0`, `dx1`, ... and `dw_<role>`. Seeded, so reruns write the same values.

Run: .venv/bin/python tools/make_layer_fixtures.py   (Keras 3 with the TensorFlow backend)
"""
import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

L = keras.layers

# name -> (layer factory, input shapes with batch, input scale). Scales put values on both sides
# of each activation's kinks (ReLU6's 6, the threshold).
CASES = {
    "concatenate": (lambda: L.Concatenate(axis=-1), [(2, 3, 3, 2), (2, 3, 3, 3), (2, 3, 3, 1)], 1),
    "concatenate_axis3": (lambda: L.Concatenate(axis=3), [(1, 4, 2, 5), (1, 4, 2, 3)], 1),
    "relu6": (lambda: L.ReLU(max_value=6.0), [(2, 4, 4, 3)], 8),
    "relu_leaky_threshold": (lambda: L.ReLU(max_value=4.0, negative_slope=0.1, threshold=0.5), [(2, 4, 4, 3)], 6),
    "activation_relu6": (lambda: L.Activation("relu6"), [(2, 3, 3, 4)], 8),
    "activation_swish": (lambda: L.Activation("swish"), [(2, 3, 3, 4)], 4),
    "activation_silu": (lambda: L.Activation("silu"), [(2, 3, 3, 4)], 4),
    "activation_sigmoid": (lambda: L.Activation("sigmoid"), [(2, 3, 3, 4)], 4),
    "activation_tanh": (lambda: L.Activation("tanh"), [(2, 3, 3, 4)], 2),
    "depthwise_same": (lambda: L.DepthwiseConv2D(3, padding="same"), [(2, 7, 7, 4)], 1),
    "depthwise_stride2_valid_m2": (lambda: L.DepthwiseConv2D(3, strides=2, depth_multiplier=2, use_bias=False),
                                   [(2, 8, 9, 3)], 1),
    "depthwise_stride2_same": (lambda: L.DepthwiseConv2D(3, strides=2, padding="same"), [(1, 8, 8, 17)], 1),
    "depthwise_5x3_m3_relu": (lambda: L.DepthwiseConv2D((5, 3), strides=(1, 2), depth_multiplier=3,
                                                        activation="relu"), [(2, 9, 7, 2)], 1),
    "reshape": (lambda: L.Reshape((6,)), [(2, 1, 1, 6)], 1),
    "reshape_inferred": (lambda: L.Reshape((3, -1)), [(2, 2, 2, 3)], 1),
    "multiply_se": (lambda: L.Multiply(), [(2, 1, 1, 4), (2, 3, 3, 4)], 1),
    "multiply_three": (lambda: L.Multiply(), [(2, 2, 3, 2), (2, 2, 3, 2), (2, 2, 3, 2)], 1),
    "gap_keepdims": (lambda: L.GlobalAveragePooling2D(keepdims=True), [(2, 3, 4, 5)], 1),
    "gmp_keepdims": (lambda: L.GlobalMaxPooling2D(keepdims=True), [(2, 3, 4, 5)], 1),
    "separable_same": (lambda: L.SeparableConv2D(5, 3, padding="same"), [(2, 6, 6, 4)], 1),
    "separable_stride2_m2_relu": (lambda: L.SeparableConv2D(4, (3, 2), strides=2, depth_multiplier=2, activation="relu"),
                                  [(2, 7, 8, 3)], 1),
    "separable_nobias": (lambda: L.SeparableConv2D(3, 3, use_bias=False), [(1, 5, 5, 2)], 1),
    "normalization_given": (lambda: L.Normalization(axis=-1, mean=[0.5, -1.0, 2.0], variance=[4.0, 0.25, 1e-20]),
                            [(2, 3, 3, 3)], 3),
    "normalization_adapted": (lambda: L.Normalization(axis=3), [(2, 3, 3, 4)], 2),
    # 83 channels: a register block of 64, one of 16 and 3 left, each path of the forward kernel.
    "depthwise_wide": (lambda: L.DepthwiseConv2D(3, padding="same"), [(2, 5, 6, 83)], 1),
    # EfficientNet: the per-channel Rescaling of its ImageNet stem, and the squeeze-and-excitation
    # convolutions' swish and sigmoid activations (their gradients need the pre-activation).
    "rescaling_per_channel": (lambda: L.Rescaling(scale=[0.5, -2.0, 3.0], offset=[1.0, 0.0, -0.25]), [(2, 3, 2, 3)], 2),
    "conv2d_se_swish": (lambda: L.Conv2D(3, 1, padding="same", activation="swish"), [(2, 1, 1, 5)], 2),
    "conv2d_sigmoid": (lambda: L.Conv2D(4, 3, padding="same", activation="sigmoid"), [(2, 4, 4, 2)], 1),
    # InceptionV3's BatchNormalization has no gamma; center=False drops beta. Inference mode.
    "batchnorm_noscale": (lambda: L.BatchNormalization(scale=False), [(2, 3, 3, 4)], 2),
    "batchnorm_nocenter": (lambda: L.BatchNormalization(center=False, epsilon=1.001e-5), [(2, 3, 3, 4)], 2),
}


def write(path, layer, shapes, scale, rng):
    xs = [tf.constant((rng.standard_normal(s) * scale).astype(np.float32)) for s in shapes]
    layer(xs if len(xs) > 1 else xs[0])
    for v in layer.weights:
        if v.dtype == "int64":  # Normalization's count: how many samples adapt saw
            v.assign(np.int64(rng.integers(1, 100)))
        elif v.name in ("variance", "moving_variance"):
            v.assign(rng.uniform(0.1, 3, tuple(v.shape)).astype(np.float32))
        else:
            v.assign(rng.uniform(-1, 1, tuple(v.shape)).astype(np.float32))
    if hasattr(layer, "finalize_state"):
        layer.finalize_state()  # Normalization reads its statistics into constants, as loading does
    with tf.GradientTape(persistent=True) as tape:
        for x in xs:
            tape.watch(x)
        y = layer(xs if len(xs) > 1 else xs[0])
        dy = tf.constant(rng.standard_normal(tuple(y.shape)).astype(np.float32))
        loss = tf.reduce_sum(y * dy)
    dxs = tape.gradient(loss, xs)
    dws = tape.gradient(loss, [v.value for v in layer.weights if v.trainable]) if layer.trainable_weights else []
    with h5py.File(path, "w") as f:
        for i, (x, dx) in enumerate(zip(xs, dxs)):
            f.create_dataset(f"x{i}", data=x.numpy())
            f.create_dataset(f"dx{i}", data=dx.numpy())
        trained = iter(dws)
        for v in layer.weights:
            # Keras 3 calls DepthwiseConv2D's variable "kernel"; zoo, files and tf-keras "depthwise_kernel".
            role = "depthwise_kernel" if isinstance(layer, L.DepthwiseConv2D) and v.name == "kernel" else v.name
            f.create_dataset(f"w_{role}", data=v.numpy())
            if v.trainable:
                f.create_dataset(f"dw_{role}", data=np.asarray(next(trained)))
        f.create_dataset("y", data=y.numpy())
        f.create_dataset("dy", data=dy.numpy())
        f.attrs["keras_version"] = keras.__version__
    return y.shape


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "layers"))
    parser.add_argument("only", nargs="*", help="cases to write (default: all)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for i, (name, (factory, shapes, scale)) in enumerate(CASES.items()):
        path = os.path.join(args.out, f"{name}.h5")
        if args.only and name not in args.only:
            continue
        shape = write(path, factory(), shapes, scale, np.random.default_rng(1400 + i))
        print(f"{path}: inputs {shapes} -> {tuple(shape)}")


if __name__ == "__main__":
    main()
