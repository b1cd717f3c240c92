"""Writes full models of issue 16's MobileNetV3, ConvNeXt and EfficientNetV2 families as Keras
writes them, for Tests/ZooKerasTests/FullModelImportTests.swift and
Tests/ZooCLITests/FullModelCLITests.swift:

- Tests/Fixtures/fullmodel/<model>.<kind>: each model saved by Keras 3 (`model.save` as
  `k3.keras` and `k3.h5`) and by tf_keras (`tfk.h5`). The configs carry what these builders
  emit: Keras 3's ops.numpy Add/Multiply of a tensor and a constant (MobileNetV3's hard_sigmoid)
  or of two tensors (ConvNeXt's residual), tf_keras's TFOpLambda `__operators__.add` and
  `math.multiply`, nested Sequential models (ConvNeXt's stem and downsampling blocks) and
  LayerScale. The models are built by the keras.applications builders themselves at 32x32
  without the top (average pooling), narrowed so the files stay small: MobileNetV3Small's blocks
  0, 3 and 4 at alpha 0.25, ConvNeXt of depths (1, 1, 1, 1) and widths (8, 8, 16, 16) named convnext_tiny,
  EfficientNetV2 B0's blocks 0, 1 and 3 once each at width 0.25. The full-size models go through the
  same code (`--full-size DIR` writes them, MobileNetV3Small, ConvNeXtTiny and EfficientNetV2B0
  at 32x32; `--full-size DIR --compare ZOO` then runs `zoo predict` on them against Keras).
- Tests/Fixtures/fullmodel/<shape>_<model>.<kind>: the transfer-learning shapes around a nested
  application: `Sequential([base, GlobalAveragePooling2D(), Dense(10, softmax)])` of
  MobileNetV3Small and `Model(inp, Dense(10, softmax)(base(inp)))` (base with pooling="avg") of
  MobileNetV3Small and of ConvNeXt (Sequential models nested in a nested model).
- Tests/Fixtures/fullmodel/hard_sigmoid.<kind>: Activation("hard_sigmoid"), which each Keras
  computes its own way (tf_keras clip(0.2 x + 0.5, 0, 1), Keras 3 relu6(x + 3) / 6).
- Tests/Fixtures/fullmodel/{lambda.tfk.h5,tfop_relu.tfk.h5,op_sin.k3.keras}: small models that zoo
  refuses by name (a Lambda, a TFOpLambda of tf.nn.relu, Keras 3's ops.sin).
- Keras's HDF5 files are mostly headers and configs: the model files are committed gzipped
  (`<file>.gz`, about a third of their size), and the tests inflate them.
- Tests/Fixtures/fullmodel/images/*.png: 32x32 RGB images; expected.h5 holds them as `input`
  (float pixels) and each file's output on them, `<file name>`, which `zoo predict` must give.

Weights are seeded and non-trivial: kernels N(0, 1/fan_in), biases and betas N(0, 0.1), every
gamma (BatchNormalization's, LayerNormalization's and LayerScale's, which Keras starts at 1e-6)
U(0.5, 1.5), moving means N(0, 0.1), moving variances U(0.5, 1.5).

Run: /work/main/.venv/bin/python tools/make_fullmodel_fixtures.py   (Keras 3 and tf_keras, TensorFlow backend)
"""
import argparse
import gzip
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tf_keras  # noqa: E402
from PIL import Image  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = 32
IMAGES = 4


def applications(k, small):
    """name -> builder of `k` (keras or tf_keras) without the top, at 32x32."""
    kind = "k3" if k is keras else "tfk"
    src = keras.src.applications if k is keras else tf_keras.src.applications
    name_key = "name" if k is keras else "model_name"
    common = dict(weights=None, input_shape=(SIZE, SIZE, 3), include_top=False)

    def mobilenet(pooling="avg"):
        if not small:
            return k.applications.MobileNetV3Small(pooling=pooling, **common)
        mv3 = src.mobilenet_v3

        def stack_fn(x, kernel, activation, se_ratio):
            # MobileNetV3Small's blocks 0, 3 and 4 at alpha 0.25: squeeze-excite (hard_sigmoid)
            # with ReLU and with hard_swish, strided depthwise padding, a residual Add.
            def depth(d):
                return mv3._depth(d * 0.25)

            x = mv3._inverted_res_block(x, 1, depth(16), 3, 2, se_ratio, mv3.relu, 0)
            x = mv3._inverted_res_block(x, 4, depth(40), kernel, 2, se_ratio, activation, 1)
            return mv3._inverted_res_block(x, 6, depth(40), kernel, 1, se_ratio, activation, 2)

        extra = {"name": "MobileNetV3Small"} if k is keras else {}
        return mv3.MobileNetV3(stack_fn, 1024, alpha=0.25, model_type="small", pooling=pooling, **extra, **common)

    def convnext(pooling="avg"):
        if not small:
            return k.applications.ConvNeXtTiny(pooling=pooling, **common)
        return src.convnext.ConvNeXt(depths=[1, 1, 1, 1], projection_dims=[8, 8, 16, 16], pooling=pooling,
                                     **{name_key: "convnext_tiny"}, **common)

    def efficientnet(pooling="avg"):
        if not small:
            return k.applications.EfficientNetV2B0(pooling=pooling, **common)
        # B0's fused-MBConv (expansions 1 and 4) and MBConv-with-squeeze-excite stages, once each.
        b0 = src.efficientnet_v2.DEFAULT_BLOCKS_ARGS["efficientnetv2-b0"]
        blocks = [dict(b0[i], num_repeat=1) for i in (0, 1, 3)]
        return src.efficientnet_v2.EfficientNetV2(
            width_coefficient=0.25, depth_coefficient=1.0, default_size=224, blocks_args=blocks, pooling=pooling,
            **{name_key: "efficientnetv2-b0"}, **common)

    del kind
    return {"mobilenetv3small": mobilenet, "convnexttiny": convnext, "efficientnetv2b0": efficientnet}


def transfer_shapes(k, small):
    """The usual fine-tuning wrappers of a nested MobileNetV3Small."""
    apps = applications(k, small)

    def sequential():
        return k.Sequential([apps["mobilenetv3small"](pooling=None), k.layers.GlobalAveragePooling2D(),
                             k.layers.Dense(10, activation="softmax")])

    def functional(base):
        def build():
            inp = k.Input((SIZE, SIZE, 3))
            return k.Model(inp, k.layers.Dense(10, activation="softmax")(apps[base]()(inp)))
        return build

    def hard_sigmoid():
        # Activation("hard_sigmoid") is clip(0.2 x + 0.5, 0, 1) in tf_keras, relu6(x + 3) / 6 in Keras 3.
        inp = k.Input((SIZE, SIZE, 3))
        x = k.layers.Conv2D(4, 3, strides=4, name="conv")(k.layers.Rescaling(1 / 64, offset=-2)(inp))
        x = k.layers.Activation("hard_sigmoid", name="gate")(x)
        return k.Model(inp, k.layers.Dense(3)(k.layers.GlobalAveragePooling2D()(x)))

    return {"sequential_mobilenetv3small": sequential, "functional_mobilenetv3small": functional("mobilenetv3small"),
            "functional_convnexttiny": functional("convnexttiny"), "hard_sigmoid": hard_sigmoid}


def fill(model, rng):
    """Seeded non-trivial values for every variable, by its role (the last part of its name)."""
    for v in model.weights:
        role = v.name.split("/")[-1].split(":")[0]
        shape = tuple(v.shape)
        if role in ("mean", "variance", "count"):  # Normalization's preprocessing constants
            continue
        if role in ("kernel", "depthwise_kernel", "pointwise_kernel"):
            fan_in = int(np.prod(shape[:-1])) if role != "depthwise_kernel" else shape[0] * shape[1]
            value = rng.normal(0, 1 / np.sqrt(fan_in), shape)
        elif role in ("bias", "beta", "moving_mean"):
            value = rng.normal(0, 0.1, shape)
        else:  # gamma, moving_variance, LayerScale's (Keras 3 leaves it unnamed: "variable")
            value = rng.uniform(0.5, 1.5, shape)
        v.assign(value.astype(np.float32))


def images(out):
    rng = np.random.default_rng(1616)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    pixels = []
    for i in range(IMAGES):
        base = np.stack([(xx * (3 + i) + yy * 5) % 256, (yy * (7 - i) + 40 * i) % 256, (xx * yy + 17 * i) % 256], -1)
        noise = rng.integers(-20, 21, base.shape)
        pixels.append(np.clip(base + noise, 0, 255).astype(np.uint8))
    if out:
        os.makedirs(os.path.join(out, "images"), exist_ok=True)
        for i, p in enumerate(pixels):
            Image.fromarray(p, "RGB").save(os.path.join(out, "images", f"image{i}.png"))
    return np.stack(pixels).astype(np.float32)


def refused(out):
    """Small full models that zoo must refuse by name: code (tf_keras Lambda, which marshals
    bytecode), a TFOpLambda function outside the whitelist, a Keras 3 operation outside it."""
    tf_keras.backend.clear_session()
    inp = tf_keras.Input((SIZE, SIZE, 3))
    lam = tf_keras.Model(inp, tf_keras.layers.Dense(2)(tf_keras.layers.Lambda(lambda t: t * 2.0, name="doubled")(inp)))
    inp = tf_keras.Input((SIZE, SIZE, 3))
    import tensorflow as tf
    relu = tf_keras.Model(inp, tf_keras.layers.Dense(2)(tf.nn.relu(inp)))
    keras.backend.clear_session()
    inp = keras.Input((SIZE, SIZE, 3))
    sin = keras.Model(inp, keras.layers.Dense(2)(keras.ops.sin(inp)))
    for model, name in ((lam, "lambda.tfk.h5"), (relu, "tfop_relu.tfk.h5"), (sin, "op_sin.k3.keras")):
        path = os.path.join(out, name)
        model.save(path)
        print(f"{gzip_file(path)}: refused")


def gzip_file(path):
    """Replaces `path` by `path.gz`, byte-for-byte reproducible (no name, no time)."""
    with open(path, "rb") as f, open(path + ".gz", "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as g:
            g.write(f.read())
    os.remove(path)
    return path + ".gz"


def write(out, small, names):
    x = images(out)
    expected = {}
    for seed, (k, kind, suffixes) in enumerate([(keras, "k3", ["keras", "h5"]), (tf_keras, "tfk", ["h5"])]):
        builders = dict(applications(k, small))
        if small:
            builders.update(transfer_shapes(k, small))
        for i, (name, build) in enumerate(builders.items()):
            if names and name not in names:
                continue
            k.backend.clear_session()
            model = build()
            fill(model, np.random.default_rng(1000 * seed + i))
            y = np.asarray(model(x, training=False), dtype=np.float32)
            for suffix in suffixes:
                path = os.path.join(out, f"{name}.{kind}.{suffix}")
                model.save(path)
                expected[os.path.basename(path)] = y
                size = os.path.getsize(path)
                if small:
                    path = gzip_file(path)
                print(f"{path}: {model.count_params()} parameters, {size} bytes ({os.path.getsize(path)} stored), "
                      f"output {y.shape}, max |y| {np.abs(y).max():.4g}")
    with h5py.File(os.path.join(out, "expected.h5"), "w") as f:
        f.create_dataset("input", data=x.astype(np.uint8))
        for key, y in sorted(expected.items()):
            f.create_dataset(key, data=y)
        f.attrs["keras_version"] = keras.__version__
        f.attrs["tf_keras_version"] = tf_keras.__version__


def compare(out, zoo_binary):
    """Runs `zoo predict` on every model of `out` and prints max |zoo - keras| / max |keras|."""
    import subprocess
    import tempfile
    worst = 0.0
    files = [os.path.join(out, "images", f"image{i}.png") for i in range(IMAGES)]
    with h5py.File(os.path.join(out, "expected.h5"), "r") as f, tempfile.TemporaryDirectory() as tmp:
        for name in sorted(k for k in f.keys() if k != "input"):
            model = os.path.join(out, name)
            if not os.path.exists(model):
                model = os.path.join(tmp, name)
                with gzip.open(os.path.join(out, name + ".gz")) as g, open(model, "wb") as w:
                    w.write(g.read())
            predictions = os.path.join(tmp, "p.h5")
            run = subprocess.run([zoo_binary, "predict", "--model-file", model, "--output", predictions] + files,
                                 capture_output=True, text=True)
            if run.returncode != 0:
                print(f"{name}: zoo failed ({run.returncode}): {run.stderr.strip()}")
                worst = float("inf")
                continue
            with h5py.File(predictions, "r") as p:
                ours = np.asarray(p["probabilities"])
            reference = np.asarray(f[name])
            error = float(np.abs(ours - reference).max() / np.abs(reference).max())
            worst = max(worst, error)
            print(f"{name}: max |zoo - keras| / max |keras| = {error:.3g}")
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", default=os.path.join(HERE, "..", "Tests", "Fixtures", "fullmodel"))
    parser.add_argument("--full-size", metavar="DIR", help="write the full-size models (and expected.h5) to DIR instead")
    parser.add_argument("--only", nargs="*", default=[], help="model names to write (default: all)")
    parser.add_argument("--compare", metavar="ZOO", help="write nothing; run ZOO predict on the models of the "
                        "directory (--full-size DIR or the fixtures) and compare with Keras (fails above 1e-4)")
    args = parser.parse_args()
    out = args.full_size or args.fixtures
    if args.compare:
        raise SystemExit(0 if compare(out, args.compare) <= 1e-4 else 1)
    os.makedirs(out, exist_ok=True)
    write(out, small=args.full_size is None, names=args.only)
    if args.full_size is None and not args.only:
        refused(out)


if __name__ == "__main__":
    main()
