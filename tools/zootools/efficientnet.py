"""keras.applications EfficientNet B0-B7 as built for the ImageNet weights (the Rescaling by
1/sqrt(stddev) after the Normalization, which `weights=None` leaves out), with seeded random
weights, for the full-size comparison (tools/compare_full.py).

`weights="imagenet"` is passed with the download and the loading stubbed out, so the model is
exactly the one the official files are loaded into (tf_keras: a `tf.math.multiply` op layer;
Keras 3: a second Rescaling), with no network access.
"""
import contextlib
import importlib

import numpy as np

NAMES = {f"efficientnetb{k}": f"EfficientNetB{k}" for k in range(8)}


@contextlib.contextmanager
def _imagenet_architecture(K):
    package = "tf_keras.src" if K.__name__.startswith("tf_keras") else "keras.src"
    module = importlib.import_module(f"{package}.applications.efficientnet")
    utils = module.data_utils if hasattr(module, "data_utils") else module.file_utils
    get_file, load_weights = utils.get_file, K.Model.load_weights
    utils.get_file = lambda *a, **k: "skipped"
    K.Model.load_weights = lambda self, *a, **k: None
    try:
        yield module
    finally:
        utils.get_file, K.Model.load_weights = get_file, load_weights


def application(K, name, size, include_top=False):
    with _imagenet_architecture(K) as module:
        return getattr(module, NAMES[name])(weights="imagenet", include_top=include_top,
                                            input_shape=None if include_top else (size, size, 3))


def seeded_application(K, name, size, seed, include_top=False):
    """He-normal kernels (depthwise: fan_in = kh * kw), BatchNormalization statistics far from the
    identity, Normalization statistics about ImageNet's (of pixels / 255)."""
    model = application(K, name, size, include_top)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        values = []
        for w in layer.weights:
            shape = tuple(int(d) for d in w.shape)
            role = w.name.split("/")[-1].split(":")[0]
            if role == "count":
                values.append(np.array(1000, dtype=np.int64))
                continue
            if role in ("kernel", "depthwise_kernel"):
                depthwise = role == "depthwise_kernel" or type(layer).__name__ == "DepthwiseConv2D"
                fan_in = shape[0] * shape[1] if depthwise else int(np.prod(shape[:-1]))
                v = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
            elif role == "mean":
                v = rng.uniform(0.4, 0.5, shape)
            elif role == "variance":
                v = rng.uniform(0.04, 0.07, shape)
            elif role in ("bias", "beta", "moving_mean"):
                v = rng.normal(0.0, 0.05 if role == "bias" else 0.1, shape)
            else:  # gamma, moving_variance
                v = rng.uniform(0.5, 1.5, shape)
            values.append(v.astype(np.float32))
        if values:
            layer.set_weights(values)
    return model


def finalize(model):
    """Keras 3's Normalization reads its statistics into constants only in finalize_state (which
    loading calls); after set_weights it must be called by hand."""
    for layer in model.layers:
        if hasattr(layer, "finalize_state") and type(layer).__name__ == "Normalization":
            layer.finalize_state()
