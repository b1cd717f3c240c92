"""The one place that builds the Keras reference models and gives them seeded random weights.

Every builder takes `K`, the tf_keras or the keras module, so the same code makes the tf_keras
reference and its Keras 3 twin (and this module imports no framework itself). Layer names and
creation order follow keras.applications and zoo: creation order decides model.layers order,
which is the order of topological weight loading.

- applications: keras.applications VGG16 / ResNet50 (`application`, `seeded_application`)
- tiny fixture models: tiny_vgg, tiny_resnet, tiny_layers (`TINY_BUILDERS`)
- the fine-tuning head and the classifier / export layouts of `zoo finetune`
- zoo's from-scratch mlp and cnn (`scratch_model`, Sources/ZooModels/ScratchModels.swift)
- seeded random weights with BatchNormalization statistics far from the identity
"""
import numpy as np

from zootools.preprocess import CAFFE_MEAN_BGR

APPLICATIONS = {"vgg16": "VGG16", "resnet50": "ResNet50", "vgg19": "VGG19",
                "resnet101": "ResNet101", "resnet152": "ResNet152",
                "resnet50v2": "ResNet50V2", "resnet101v2": "ResNet101V2", "resnet152v2": "ResNet152V2",
                "mobilenetv3small": "MobileNetV3Small", "convnexttiny": "ConvNeXtTiny"}
APPLICATIONS.update({"inceptionv3": "InceptionV3", "xception": "Xception"})
# Issue 16's families, one model each for the full-size checks.
APPLICATIONS.update({"inceptionresnetv2": "InceptionResNetV2", "nasnetmobile": "NASNetMobile",
                     "efficientnetv2b0": "EfficientNetV2B0"})
for _constructor in ("DenseNet121", "MobileNet", "MobileNetV2", "EfficientNetB0"):  # tools/benchmarks.py families rows
    APPLICATIONS.setdefault(_constructor.lower(), _constructor)
# Variable roles in the order Keras stores them inside one layer.
ROLES = ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance")
# DepthwiseConv2D's and SeparableConv2D's kernels (before their bias).
DEPTHWISE_ROLES = ("depthwise_kernel", "pointwise_kernel")
HEAD_LAYERS = ("head_dense", "head_dropout", "head_predictions")
POOLING_LAYERS = {"avg": "GlobalAveragePooling2D", "max": "GlobalMaxPooling2D"}


# ---------------------------------------------------------------- weights

def role_of(variable):
    """'block1_conv1/kernel:0' (tf_keras) or 'kernel' (Keras 3) -> 'kernel'."""
    role = variable.name.split("/")[-1].split(":")[0]
    if role not in ROLES + DEPTHWISE_ROLES:
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
        if role in ("kernel", "depthwise_kernel"):
            receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
            # A depthwise kernel's output channel sums the taps of one input channel.
            fan_in = receptive * (1 if role == "depthwise_kernel" else shape[-2])
            fan_out = receptive * shape[-1]
            var = 2.0 / fan_in if kernel_init == "he" else 2.0 / (fan_in + fan_out)
            v = rng.normal(0.0, np.sqrt(var) * kernel_scale, shape)
        elif role == "pointwise_kernel":  # [1, 1, C*M, F], a 1x1 kernel
            var = 2.0 / shape[-2] if kernel_init == "he" else 2.0 / (shape[-2] + shape[-1])
            v = rng.normal(0.0, np.sqrt(var) * kernel_scale, shape)
        elif role in ("bias", "beta", "moving_mean"):
            v = rng.normal(0.0, 0.05 if role == "bias" else 0.1, shape)
        else:  # gamma, moving_variance
            v = rng.uniform(0.5, 1.5, shape)
        values.append(v.astype(np.float32))
    return values


def set_random_weights(model, seed, kernel_init="glorot", kernel_scale=None):
    """Give every layer of `model` seeded random weights (model.layers order).
    kernel_scale(layer_name) -> factor for that layer's kernel std (default 1)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.weights:
            scale = kernel_scale(layer.name) if kernel_scale else 1.0
            layer.set_weights(random_layer_values(layer, rng, kernel_init, scale))


def kernel_scale(name):
    """Per-layer kernel std factors on top of He-normal so that activations of the full-size
    models stay O(1): the first conv absorbs the ~75 std of caffe-range pixels, ResNet residual
    branches (_3_conv) are damped as in Fixup (16 un-normalised residual adds would otherwise
    grow ~2^16 in variance: BN with random statistics does not normalise), and the classifiers
    keep softmax away from one-hot."""
    if name in ("block1_conv1", "conv1_conv"):
        return 1 / 75
    if name.endswith("_3_conv"):
        return 0.25
    # The last convolution of Xception's middle-flow residual branches, and EfficientNetV2's.
    if name.endswith("_sepconv3") or name.endswith("_project_conv"):
        return 0.25
    return 0.3 if name in ("predictions", "head_predictions") else 1.0


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


# ---------------------------------------------------------------- keras.applications

def application(K, name, size, include_top=False, pooling=None):
    """keras.applications VGG16 or ResNet50 on [size, size, 3] input, Keras's own initial weights."""
    return getattr(K.applications, APPLICATIONS[name])(weights=None, include_top=include_top,
                                                       input_shape=(size, size, 3), pooling=pooling)


def seeded_application(K, name, size, seed, include_top=False, pooling=None):
    """`application` with the seeded He-normal weights (scaled by kernel_scale) and non-trivial
    BatchNormalization statistics that the full-size comparisons judge zoo with."""
    model = application(K, name, size, include_top, pooling)
    set_random_weights(model, seed, kernel_init="he", kernel_scale=kernel_scale)
    return model


# ---------------------------------------------------------------- tiny fixture models

def residual_block_v1(L, x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """Copy of keras/src/applications/resnet.py::residual_block_v1 (channels_last)."""
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
    """Input names are fixed so that files do not depend on how many models
    were built before in the session."""
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


# ---------------------------------------------------------------- heads, classifiers, export layout

def add_head(K, x, hidden, dropout, classes=10):
    """The fine-tuning head on tensor x: Dense(hidden, relu, head_dense) ->
    Dropout(head_dropout) -> Dense(classes, softmax, head_predictions);
    hidden 0: only the softmax layer."""
    L = K.layers
    if hidden:
        x = L.Dense(hidden, activation="relu", name="head_dense")(x)
        x = L.Dropout(dropout, name="head_dropout")(x)
    return L.Dense(classes, activation="softmax", name="head_predictions")(x)


def head_model(K, features, hidden, dropout, input_name="features", classes=10):
    """The head alone, as a model "head" on [features] inputs."""
    inp = K.layers.Input((features,), name=input_name)
    return K.Model(inp, add_head(K, inp, hidden, dropout, classes), name="head")


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


# ---------------------------------------------------------------- zoo's from-scratch models

def scratch_model(K, name, height=28, width=28, classes=10, dropout=(0.25, 0.5), input_name="input_digits"):
    """zoo's mlp or cnn (Sources/ZooModels/ScratchModels.swift), layer for layer and name for name:
    Input(H, W, 1) raw 0-255 -> Rescaling(1/255, "rescale") ->
      mlp: Flatten -> Dense 512 relu "fc1" -> Dense 256 relu "fc2"
      cnn: Conv2D 32 3x3 relu "conv1" -> Conv2D 64 3x3 relu "conv2" -> MaxPooling 2x2 "pool"
           -> Dropout(dropout[0]) "dropout1" -> Flatten -> Dense 128 relu "fc1"
           -> Dropout(dropout[1]) "dropout2"
    -> Dense(classes, softmax, "predictions")."""
    L = K.layers
    inp = L.Input((height, width, 1), name=input_name)
    x = L.Rescaling(1 / 255, name="rescale")(inp)
    if name == "mlp":
        x = L.Flatten(name="flatten")(x)
        x = L.Dense(512, activation="relu", name="fc1")(x)
        x = L.Dense(256, activation="relu", name="fc2")(x)
    elif name == "cnn":
        x = L.Conv2D(32, 3, activation="relu", name="conv1")(x)
        x = L.Conv2D(64, 3, activation="relu", name="conv2")(x)
        x = L.MaxPooling2D((2, 2), name="pool")(x)
        x = L.Dropout(dropout[0], name="dropout1")(x)
        x = L.Flatten(name="flatten")(x)
        x = L.Dense(128, activation="relu", name="fc1")(x)
        x = L.Dropout(dropout[1], name="dropout2")(x)
    else:
        raise ValueError(f"unknown scratch model {name!r} (mlp, cnn)")
    out = L.Dense(classes, activation="softmax", name="predictions")(x)
    return K.Model(inp, out, name=name)
