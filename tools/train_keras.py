#!/usr/bin/env python3
"""The Keras side of `zoo train`: the same mlp/cnn, data, split and recipe in Keras 3.

  python tools/train_keras.py --model cnn --epochs 3 [--data DIR] [--batch-size 128] \\
      [--optimizer adam] [--lr 0.001] [--validation-split 0.1] [--seed 0] [--limit N] [--threads 2]

1. Data: a MNIST-format directory (train-*/t10k-* IDX files, gzipped or not,
   `-idx` or `.idx` spelling, as zoo accepts) or a Keras mnist.npz; default
   the built-in sample zoo uses (Sources/ZooData/Resources/mnist-sample).
   --limit N keeps the first N digits of each split (as `zoo train --limit`;
   note that the built-in sample is sorted by label).
2. Model: exactly zoo's (Sources/ZooModels/ScratchModels.swift), same layer
   names: Input(H, W, 1) raw 0-255 "input_digits" -> Rescaling(1/255,
   "rescale") ->
     mlp: Flatten -> Dense 512 relu "fc1" -> Dense 256 relu "fc2" -> Dense 10 softmax "predictions"
     cnn: Conv2D 32 3x3 relu "conv1" -> Conv2D 64 3x3 relu "conv2" -> MaxPooling 2x2 "pool"
          -> Dropout 0.25 "dropout1" -> Flatten -> Dense 128 relu "fc1" -> Dropout 0.5 "dropout2"
          -> Dense 10 softmax "predictions"
   with Keras's default initialisation after keras.utils.set_random_seed(seed).
3. Training: sparse categorical cross-entropy, fit(batch_size, epochs,
   validation_split, shuffle=True). zoo holds out a seeded *random* subset for
   validation, fit takes the *last* rows, so the training rows are permuted
   first (numpy default_rng(seed)); the held-out rows are then a random subset
   too (not the same subset as zoo's: the two RNGs differ).
4. Evaluation on the test split; one JSON line on stdout:
   {"framework": "keras", "model", "data", "epochs", "test_accuracy", "test_loss",
    "epoch_seconds": [...], ...}; per-epoch lines on stderr.

TensorFlow runs with --threads intra-op threads (default 2, as zoo on this
machine) and one inter-op thread.
"""
import argparse
import glob
import gzip
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_SAMPLE = os.path.join(ROOT, "Sources", "ZooData", "Resources", "mnist-sample")
PREFIX = {"train": "train", "test": "t10k"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def read_idx(path):
    """An unsigned-byte IDX file (gzipped or not) as a numpy array."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise SystemExit(f"train_keras.py: {path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise SystemExit(f"train_keras.py: {path}: {data.size} bytes of data, header says {shape}")
    return data.reshape(shape)


def idx_file(directory, split, kind):
    """The IDX file of one split and kind, under the names zoo accepts
    (train-images-idx3-ubyte[.gz], train-images.idx3-ubyte[.gz], ...)."""
    stem = f"{PREFIX[split]}-{kind}-idx{3 if kind == 'images' else 1}-ubyte"
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx") + ".gz", stem.replace("-idx", ".idx")):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    found = sorted(os.path.basename(p) for p in glob.glob(os.path.join(directory, "*")))
    shown = ", ".join(found[:8]) + (f", ... ({len(found)} files)" if len(found) > 8 else "")
    raise SystemExit(f"train_keras.py: {directory}: no {stem}[.gz] (found: {shown or 'nothing'})")


def load_split(data, split):
    """(images uint8 [N, H, W], labels int64 [N]) of one split."""
    if data.endswith(".npz"):
        with np.load(data) as z:
            x, y = z[f"x_{split}"], z[f"y_{split}"]
    else:
        x = read_idx(idx_file(data, split, "images"))
        y = read_idx(idx_file(data, split, "labels"))
    if x.ndim != 3 or y.shape != (x.shape[0],):
        raise SystemExit(f"train_keras.py: {data}: {split} images {x.shape} and labels {y.shape} do not match")
    return x, y.astype(np.int64)


def build_model(keras, name, height, width, classes=10):
    """zoo's ScratchModels.swift in Keras 3, layer for layer and name for name."""
    L = keras.layers
    inp = keras.Input((height, width, 1), name="input_digits")
    x = L.Rescaling(1 / 255, name="rescale")(inp)
    if name == "mlp":
        x = L.Flatten(name="flatten")(x)
        x = L.Dense(512, activation="relu", name="fc1")(x)
        x = L.Dense(256, activation="relu", name="fc2")(x)
    else:
        x = L.Conv2D(32, 3, activation="relu", name="conv1")(x)
        x = L.Conv2D(64, 3, activation="relu", name="conv2")(x)
        x = L.MaxPooling2D((2, 2), name="pool")(x)
        x = L.Dropout(0.25, name="dropout1")(x)
        x = L.Flatten(name="flatten")(x)
        x = L.Dense(128, activation="relu", name="fc1")(x)
        x = L.Dropout(0.5, name="dropout2")(x)
    out = L.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inp, out, name=name)


def make_optimizer(keras, name, lr, momentum, nesterov):
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=lr if lr is not None else 0.001)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr if lr is not None else 0.01, momentum=momentum, nesterov=nesterov)
    return keras.optimizers.RMSprop(learning_rate=lr if lr is not None else 0.001)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", choices=["mlp", "cnn"], required=True)
    p.add_argument("--data", default=None, help="MNIST-format IDX directory or mnist.npz (default: the built-in sample)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--optimizer", choices=["adam", "sgd", "rmsprop"], default="adam")
    p.add_argument("--lr", type=float, default=None, help="default: Keras's (adam 0.001, sgd 0.01, rmsprop 0.001)")
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--nesterov", action="store_true")
    p.add_argument("--validation-split", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="first N digits of each split")
    p.add_argument("--threads", type=int, default=2, help="TensorFlow intra-op threads")
    args = p.parse_args(argv)
    if args.epochs <= 0 or args.batch_size <= 0 or not 0 <= args.validation_split < 1:
        p.error("--epochs and --batch-size must be positive, --validation-split in [0, 1)")
    if args.limit is not None and args.limit <= 0:
        p.error("--limit must be positive")

    data = args.data or MNIST_SAMPLE
    x_train, y_train = load_split(data, "train")
    x_test, y_test = load_split(data, "test")
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]

    import tensorflow as tf
    tf.get_logger().setLevel("ERROR")
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    keras.utils.set_random_seed(args.seed)
    # fit(validation_split) holds out the last rows; zoo holds out a random subset.
    order = np.random.default_rng(args.seed).permutation(len(x_train))
    x_train, y_train = x_train[order], y_train[order]
    height, width = x_train.shape[1:]
    model = build_model(keras, args.model, height, width)
    model.compile(optimizer=make_optimizer(keras, args.optimizer, args.lr, args.momentum, args.nesterov),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)
            logs = logs or {}
            log(f"Epoch {epoch + 1}/{args.epochs} - {self.seconds[-1]:.1f}s - "
                + " - ".join(f"{k}: {float(v):.4f}" for k, v in logs.items()))

    timer = EpochTimer()
    hist = model.fit(x_train[..., None], y_train, batch_size=args.batch_size, epochs=args.epochs,
                     validation_split=args.validation_split, shuffle=True, verbose=0, callbacks=[timer])
    test_loss, test_accuracy = model.evaluate(x_test[..., None], y_test, batch_size=256, verbose=0)
    h = {k: [float(v) for v in vs] for k, vs in hist.history.items()}
    n_val = len(x_train) - int(len(x_train) * (1 - args.validation_split)) if args.validation_split else 0
    print(json.dumps({
        "framework": "keras", "keras_version": keras.__version__, "tensorflow_version": tf.__version__,
        "model": args.model, "data": args.data or "builtin", "epochs": args.epochs,
        "batch_size": args.batch_size, "optimizer": args.optimizer, "seed": args.seed, "limit": args.limit,
        "threads": args.threads, "train_rows": len(x_train) - n_val, "validation_rows": n_val,
        "test_rows": len(x_test), "params": int(model.count_params()),
        "test_accuracy": float(test_accuracy), "test_loss": float(test_loss),
        "epoch_seconds": [round(s, 4) for s in timer.seconds], "history": h,
    }), flush=True)


if __name__ == "__main__":
    main()
