"""Shared helpers for the ModelZoo Keras reference tools.

Imports TensorFlow, tf_keras (Keras 2) and Keras 3 (TF backend) side by side:
tf_keras is the reference implementation for the legacy .h5 formats, Keras 3
for .weights.h5 / .keras. All writers of hand-made "look-alike" files live
here so make_fixtures.py and compare_full.py produce identical layouts.
"""
import os

# Must be set before TensorFlow is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
import keras  # noqa: E402
from tf_keras.src.saving.legacy import hdf5_format as tfk_hdf5  # noqa: E402

tf.get_logger().setLevel("ERROR")

TF_KERAS_VERSION = tf_keras.__version__
KERAS3_VERSION = keras.__version__

# Variable roles in the order Keras stores them inside one layer.
ROLES = ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance")
# Keras 1 variable names (keras/layers/{convolutional,core,normalization}.py, 2016).
# Note: Keras 1 "running_std" really held the variance.
KERAS1_NAMES = {"kernel": "W", "bias": "b", "gamma": "gamma", "beta": "beta",
                "moving_mean": "running_mean", "moving_variance": "running_std"}


# ---------------------------------------------------------------- weights

def role_of(variable):
    """'block1_conv1/kernel:0' (tf_keras) or 'kernel' (Keras 3) -> 'kernel'."""
    role = variable.name.split("/")[-1].split(":")[0]
    if role not in ROLES:
        raise ValueError(f"unexpected variable {variable.name}")
    return role


def random_layer_values(layer, rng, kernel_init="glorot", kernel_scale=1.0):
    """Seeded random values for one layer's weights, in layer.weights order.

    kernel_init "glorot": N(0, 2/(fan_in+fan_out)) (tiny fixtures: keeps values
    O(1)); "he": N(0, 2/fan_in) (deep ReLU nets: keeps activations from
    vanishing over 16-50 layers). BN statistics are deliberately far from the
    identity (mean != 0, var != 1) so a reader that swaps or ignores them fails.
    """
    values = []
    for w in layer.weights:
        shape = tuple(int(d) for d in w.shape)
        role = role_of(w)
        if role == "kernel":
            receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
            fan_in, fan_out = receptive * shape[-2], receptive * shape[-1]
            var = 2.0 / fan_in if kernel_init == "he" else 2.0 / (fan_in + fan_out)
            v = rng.normal(0.0, np.sqrt(var) * kernel_scale, shape)
        elif role in ("bias", "beta", "moving_mean"):
            v = rng.normal(0.0, 0.05 if role == "bias" else 0.1, shape)
        else:  # gamma, moving_variance
            v = rng.uniform(0.5, 1.5, shape)
        values.append(v.astype(np.float32))
    return values


def set_random_weights(model, seed, kernel_init="glorot", kernel_scale=None):
    """Give every layer of `model` seeded random weights (model.layers order).

    kernel_scale(layer_name) -> factor for that layer's kernel std (default 1).
    compare_full uses it to absorb the ~+-100 caffe-preprocessed pixel scale in
    the first conv and to damp ResNet residual branches.
    """
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.weights:
            scale = kernel_scale(layer.name) if kernel_scale else 1.0
            layer.set_weights(random_layer_values(layer, rng, kernel_init, scale))


def weighted_layers(model):
    return [layer for layer in model.layers if layer.weights]


def copy_weights(src, dst, check_names=True):
    """Copy weights layer by layer (get_weights/set_weights).

    Per layer rather than model.get_weights(): the model-level list puts all
    BN moving statistics at the end in tf_keras, which does not have to match
    Keras 3's order; within a layer the order is always kernel, bias, gamma,
    beta, moving_mean, moving_variance.
    """
    a, b = weighted_layers(src), weighted_layers(dst)
    assert len(a) == len(b), (len(a), len(b))
    for la, lb in zip(a, b):
        if check_names:
            assert la.name == lb.name, (la.name, lb.name)
        lb.set_weights(la.get_weights())


def forward(model, x):
    """Inference forward pass (not model.predict: no batching/callbacks).
    Works for tf_keras and Keras 3 models (both return TF tensors here)."""
    return np.asarray(model(x, training=False))


def max_abs(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def assert_close(a, b, tol, what):
    err = max_abs(a, b)
    if not err <= tol:
        raise AssertionError(f"{what}: max abs diff {err:.3g} > {tol:g}")
    return err


# ---------------------------------------------------------------- models

def residual_block_v1(L, x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """Copy of keras/src/applications/resnet.py::residual_block_v1 (channels_last).

    Layer creation order matters: it decides model.layers order, which is
    the order of topological weight loading.
    """
    bn_axis = 3
    if conv_shortcut:
        shortcut = L.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = L.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = L.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = L.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_1_bn")(x)
    x = L.Activation("relu", name=f"{name}_1_relu")(x)
    x = L.Conv2D(filters, kernel_size, padding="SAME", name=f"{name}_2_conv")(x)
    x = L.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_2_bn")(x)
    x = L.Activation("relu", name=f"{name}_2_relu")(x)
    x = L.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = L.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_3_bn")(x)
    x = L.Add(name=f"{name}_add")([shortcut, x])
    x = L.Activation("relu", name=f"{name}_out")(x)
    return x


def stack_residual_blocks_v1(L, x, filters, blocks, stride1=2, name=None):
    """Copy of keras/src/applications/resnet.py::stack_residual_blocks_v1."""
    x = residual_block_v1(L, x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(L, x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def tiny_vgg_blocks(L, x):
    """The convolutional part of tiny_vgg (VGG16's block structure and layer
    names in miniature), applied to tensor x; L is a `layers` module."""
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(x)
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv2")(x)
    x = L.MaxPooling2D((2, 2), strides=(2, 2), name="block1_pool")(x)
    x = L.Conv2D(8, 3, padding="same", activation="relu", name="block2_conv1")(x)
    return L.MaxPooling2D((2, 2), strides=(2, 2), name="block2_pool")(x)


def build_tiny_vgg(K):
    """K is the tf_keras or keras module. Input names are fixed so that files
    do not depend on how many models were built before in the session."""
    L = K.layers
    inp = L.Input((16, 16, 3), name="input_1")
    x = tiny_vgg_blocks(L, inp)
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(16, activation="relu", name="fc1")(x)
    x = L.Dense(5, activation="softmax", name="predictions")(x)
    return K.Model(inp, x, name="tiny_vgg")


def build_tiny_resnet(K):
    """keras.applications ResNet50 v1 in miniature (same names and order)."""
    L = K.layers
    inp = L.Input((16, 16, 3), name="input_1")
    x = L.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(inp)
    x = L.Conv2D(8, 7, strides=2, name="conv1_conv")(x)
    x = L.BatchNormalization(axis=3, epsilon=1.001e-5, name="conv1_bn")(x)
    x = L.Activation("relu", name="conv1_relu")(x)
    x = L.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = L.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_residual_blocks_v1(L, x, 4, 2, stride1=1, name="conv2")
    x = stack_residual_blocks_v1(L, x, 8, 1, name="conv3")
    x = L.GlobalAveragePooling2D(name="avg_pool")(x)
    x = L.Dense(5, activation="softmax", name="predictions")(x)
    return K.Model(inp, x, name="tiny_resnet")


def build_tiny_layers(K):
    """Every other layer type/option the Swift runtime supports, one DAG.

    Shapes (H x W x C) are in the comments; the odd sizes and stride-2 'same'
    cases are where TF's asymmetric padding (extra pad at bottom/right) and
    pad-excluding average pooling show up.
    """
    L = K.layers
    inp = L.Input((16, 16, 3), name="input_1")
    t = L.Conv2D(8, 3, strides=2, padding="same", name="conv_same_s2")(inp)    # 8x8x8, pad 0/1
    t = L.BatchNormalization(name="bn")(t)                                       # eps 1e-3
    t = L.Activation("relu", name="act_relu")(t)
    # Branch A: asymmetric zero padding, valid stride 2 on odd sizes, no bias.
    a = L.ZeroPadding2D(((1, 2), (0, 1)), name="zero_pad_asym")(t)             # 11x9x8
    a = L.Conv2D(8, 3, strides=2, padding="valid", name="conv_valid_s2")(a)    # 5x4x8
    a = L.Conv2D(8, 3, padding="same", use_bias=False, name="conv_no_bias")(a)  # 5x4x8
    a = L.ReLU(name="relu")(a)
    a = L.AveragePooling2D(3, strides=2, padding="same", name="avg_pool_same")(a)  # 3x2x8
    a = L.GlobalMaxPooling2D(name="global_max_pool")(a)                         # 8
    # Branch B: 1x1 stride 2, max pool 'same' (pad 0/1 on an even size).
    b = L.Conv2D(8, 1, strides=2, name="conv_1x1_s2")(t)                        # 4x4x8
    b = L.MaxPooling2D(3, strides=2, padding="same", name="max_pool_same")(b)  # 2x2x8
    b = L.GlobalAveragePooling2D(name="global_avg_pool")(b)                     # 8
    ab = L.Add(name="add_pools")([a, b])
    ab = L.Dense(8, activation="relu", name="dense_relu")(ab)
    # Branch C: valid average pool, flatten, dropout, linear dense + softmax.
    c = L.AveragePooling2D(3, strides=2, padding="valid", name="avg_pool_valid")(t)  # 3x3x8
    c = L.Flatten(name="flatten")(c)                                            # 72
    c = L.Dropout(0.5, name="dropout")(c)
    c = L.Dense(8, name="dense_linear")(c)
    c = L.Activation("softmax", name="act_softmax")(c)
    x = L.Add(name="add_dense")([ab, c])
    x = L.Dense(5, name="logits")(x)
    x = L.Softmax(name="softmax")(x)
    return K.Model(inp, x, name="tiny_layers")


TINY_BUILDERS = {"tiny_vgg": build_tiny_vgg, "tiny_resnet": build_tiny_resnet,
                 "tiny_layers": build_tiny_layers}


# ---------------------------------------------------------------- hand-written legacy .h5

def model_entries(model, rename=None):
    """[(layer_name, [(role, float32 array), ...]), ...] for all model.layers
    (weightless ones included, as Keras writes them). rename maps model layer
    names to file layer names."""
    rename = rename or {}
    return [(rename.get(layer.name, layer.name),
             [(role_of(w), np.asarray(v, np.float32))
              for w, v in zip(layer.weights, layer.get_weights())])
            for layer in model.layers]


def fixed_strings(names):
    """Fixed-length NULLPAD 'S<maxlen>' array, as h5py 2.x stored np.asarray(bytes list)."""
    return np.asarray([n.encode("utf8") for n in names])


def keras_chunks(names, num_chunks):
    """Keras's save_attributes_to_hdf5_group split: np.array_split of the
    fixed-length array, so every chunk keeps the dtype S<max over all names>."""
    return np.array_split(fixed_strings(names), num_chunks)


def set_name_list(group, attr, names, encoding, num_chunks=1):
    """Write a layer_names/weight_names attribute.

    encoding "fixed": S<maxlen> NULLPAD (h5py 2.x, official files);
    "vlen": variable-length ASCII (what h5py 3 / current Keras write).
    An empty list is float64[0] (np.asarray([])) in both cases, never H5S_NULL.
    """
    if not names:
        group.attrs[attr] = np.zeros(0, np.float64)
    elif num_chunks > 1:
        for i, chunk in enumerate(keras_chunks(names, num_chunks)):
            group.attrs[f"{attr}{i}"] = chunk
    elif encoding == "fixed":
        group.attrs[attr] = fixed_strings(names)
    else:
        group.attrs[attr] = [n.encode("utf8") for n in names]


def scalar_string(value, encoding):
    # Fixed: np.bytes_ -> H5T_STRING of exactly len(value), NULLPAD (h5py 2.x
    # wrote Python bytes like this). vlen: bytes -> variable-length ASCII.
    return np.bytes_(value.encode()) if encoding == "fixed" else value.encode()


def write_legacy_h5(path, entries, *, layout, encoding, keras_version=None,
                    backend=None, layer_chunks=1, weight_chunks=None):
    """Write a legacy Keras weights file by hand.

    layout "nested" (Keras 2): datasets at <layer>/<layer>/<role>:0.
    layout "keras1" (Keras 1, flat): datasets at <layer>/<layer>_<W|b|...>_1:0.
    keras_version/backend None -> attribute absent (Keras 1 files had neither).
    weight_chunks: {layer_name: n} to split that layer's weight_names.
    """
    weight_chunks = weight_chunks or {}
    with h5py.File(path, "w") as f:
        set_name_list(f, "layer_names", [n for n, _ in entries], encoding, layer_chunks)
        if backend is not None:
            f.attrs["backend"] = scalar_string(backend, encoding)
        if keras_version is not None:
            f.attrs["keras_version"] = scalar_string(keras_version, encoding)
        for name, weights in entries:
            g = f.create_group(name)
            if layout == "keras1":
                wnames = [f"{name}_{KERAS1_NAMES[role]}_1:0" for role, _ in weights]
            else:
                wnames = [f"{name}/{role}:0" for role, _ in weights]
            set_name_list(g, "weight_names", wnames, encoding, weight_chunks.get(name, 1))
            for wname, (_, value) in zip(wnames, weights):
                g.create_dataset(wname, data=value)  # intermediate groups made by h5py


def write_keras1_flat(path, entries):
    """Look-alike of the official VGG16 files (Keras 1, Aug 2016, h5py 2.x)."""
    write_legacy_h5(path, entries, layout="keras1", encoding="fixed")


def write_keras2_nested(path, entries, keras_version="2.2.4"):
    """Look-alike of the official ResNet50 files (Keras 2.2.x, h5py 2.x)."""
    write_legacy_h5(path, entries, layout="nested", encoding="fixed",
                    keras_version=keras_version, backend="tensorflow")


def write_io(path, x, y, keras_version=TF_KERAS_VERSION):
    """Input/expected-output pair: /input, /output float32 and @keras_version."""
    with h5py.File(path, "w") as f:
        f.create_dataset("input", data=np.asarray(x, np.float32))
        if y is not None:
            f.create_dataset("output", data=np.asarray(y, np.float32))
        f.attrs["keras_version"] = keras_version


def read_output(path, name="output"):
    with h5py.File(path, "r") as f:
        return np.asarray(f[name], np.float32)


# ---------------------------------------------------------------- MNIST digits and preprocessing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_SAMPLE = os.path.join(ROOT, "Sources", "ZooData", "Resources", "mnist-sample")
IDX_PREFIX = {"train": "train", "test": "t10k"}


def read_idx(path):
    """An IDX file (gzipped or not) as a numpy array: big-endian header of
    0, 0, dtype code, ndim, then one uint32 per dimension."""
    import gzip
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\0\0" or raw[2] != 0x08:  # 0x08: unsigned byte, all MNIST files use it
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = np.frombuffer(raw, ">u4", ndim, 4).astype(int)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def mnist_digits(split="test", directory=MNIST_SAMPLE):
    """(images uint8 [N, 28, 28], labels int64 [N]) of one split; by default the
    built-in sample that `zoo` uses when given no --data."""
    prefix = os.path.join(directory, IDX_PREFIX[split])
    images = read_idx(prefix + "-images-idx3-ubyte.gz")
    labels = read_idx(prefix + "-labels-idx1-ubyte.gz").astype(np.int64)
    assert len(images) == len(labels), (len(images), len(labels))
    return images, labels


def resize_digits(digits, size):
    """uint8 [N, H, W] -> float32 tensor [N, size, size, 1] with tf.image.resize's
    defaults (bilinear, half-pixel centres, no antialiasing): what zoo reproduces."""
    return tf.image.resize(np.asarray(digits)[..., None], (size, size))


def digits_to_input(digits, size, preprocess_input):
    """The TensorFlow pipeline that `zoo features` mirrors: resize -> gray to RGB
    -> preprocess_input (caffe: RGB->BGR, minus ImageNet means). Works on a
    tensor on purpose: on a float numpy array preprocess_input edits its input
    in place."""
    return preprocess_input(tf.image.grayscale_to_rgb(resize_digits(digits, size)))


# ---------------------------------------------------------------- fine-tuning head and export layout

APPLICATIONS = {"vgg16": "VGG16", "resnet50": "ResNet50"}
# caffe-mode preprocess_input: RGB -> BGR, then minus these ImageNet means (BGR order).
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
HEAD_LAYERS = ("head_dense", "head_dropout", "head_predictions")
POOLING_LAYERS = {"avg": "GlobalAveragePooling2D", "max": "GlobalMaxPooling2D"}


def add_head(K, x, hidden, dropout, classes=10):
    """The fine-tuning head on tensor x: Dense(hidden, relu, head_dense) ->
    Dropout(head_dropout) -> Dense(classes, softmax, head_predictions);
    hidden 0: only the softmax layer."""
    L = K.layers
    if hidden:
        x = L.Dense(hidden, activation="relu", name="head_dense")(x)
        x = L.Dropout(dropout, name="head_dropout")(x)
    return L.Dense(classes, activation="softmax", name="head_predictions")(x)


def preprocess_for(backbone):
    """preprocess_input of a backbone (tiny_vgg: VGG16's, caffe mode); tf_keras's."""
    return getattr(tf_keras.applications, "vgg16" if backbone == "tiny_vgg" else backbone).preprocess_input


def apply_backbone(K, backbone, x, pooling):
    """Backbone layers applied to tensor x (shape [None, S, S, 3]) so that they
    become part of the caller's flat functional model; returns the output
    tensor. keras.applications models given input_tensor= take their inputs
    from the tensor's source, so nothing is nested. "tiny_vgg" is
    tiny_vgg_blocks plus the pooling layer (named as tf_keras auto-names the
    VGG16 one in a fresh session)."""
    if backbone == "tiny_vgg":
        x = tiny_vgg_blocks(K.layers, x)
        if pooling:
            x = getattr(K.layers, POOLING_LAYERS[pooling])(name={"avg": "global_average_pooling2d",
                                                                  "max": "global_max_pooling2d"}[pooling])(x)
        else:
            x = K.layers.Flatten(name="flatten")(x)
        return x
    app = getattr(K.applications, APPLICATIONS[backbone])
    return app(weights=None, include_top=False, input_tensor=x, pooling=pooling).output


def build_classifier(K, backbone, size, pooling, hidden, dropout):
    """Backbone on [S, S, 3] caffe-preprocessed input plus the head: what
    `zoo finetune` trains, without the built-in preprocessing layers."""
    inp = K.layers.Input((size, size, 3), name="input_1")
    return K.Model(inp, add_head(K, apply_backbone(K, backbone, inp, pooling), hidden, dropout),
                   name=f"{backbone}_classifier")


def build_export_model(K, backbone, size, pooling="avg", hidden=256, dropout=0.5):
    """The layout of `zoo`'s exported model: raw digits [28, 28, 1] (0..255)
    -> Resizing(size, size, bilinear, "resize") -> fixed Conv2D(3, 1,
    "caffe_preprocess") (kernel ones, bias -CAFFE_MEAN_BGR: gray -> caffe
    BGR) -> backbone -> pooling -> head. One flat functional model; the
    caffe_preprocess weights are set here, all others are Keras's initial
    ones."""
    L = K.layers
    inp = L.Input((28, 28, 1), name="input_1")
    x = L.Resizing(size, size, interpolation="bilinear", name="resize")(inp)
    pre = L.Conv2D(3, 1, name="caffe_preprocess", trainable=False)
    x = pre(x)
    model = K.Model(inp, add_head(K, apply_backbone(K, backbone, x, pooling), hidden, dropout),
                    name=f"{backbone}_export")
    pre.set_weights([np.ones((1, 1, 1, 3), np.float32), -np.asarray(CAFFE_MEAN_BGR, np.float32)])
    return model
