#!/usr/bin/env python3
"""The Keras side of tools/benchmarks.py (TensorFlow CPU, --threads intra- and inter-op threads).

  python tools/bench_keras.py [forward] [--models vgg16,resnet50] [--size 32] [--batch 64]
        [--mode function|predict|both] (--seconds 5 | --batches 3) [--warmup 1]
  python tools/bench_keras.py features --data DIR [--split test] [--limit N] [--size 32] [--batch 64]
  python tools/bench_keras.py head [--rows 60000] [--epochs 3] [--batch 128] [--keras keras3|tf_keras]
  python tools/bench_keras.py train --model mlp|cnn --data DIR [--epochs 1] [--limit N] [--keras keras3|tf_keras]

Prints one JSON line per result on stdout (forward: one per model and mode); progress on stderr.

- forward: keras.applications (tf_keras) VGG16/ResNet50, include_top=False, no pooling, Keras's
  default initialisation, a constant batch of uniform(-120, 140) inputs (Keras-preprocessed
  ranges, as `zoo bench`). mode "function": the model called in a tf.function (a compiled graph,
  like zoo's fixed pipeline), .numpy() on every result; "predict": model.predict over an array
  of the same number of batches with batch_size=--batch (its first call, which builds the
  predict function, is a warm-up). Either can be the faster one here (BENCHMARKS.md names it).
- features: uint8 digits -> tf.image.resize (bilinear, half-pixel centres) -> grayscale_to_rgb
  -> vgg16.preprocess_input (caffe) -> VGG16 (pooling avg), all inside one tf.function with a
  [None, H, W] uint8 signature (one trace), over batches of --batch; the features are gathered
  as one numpy array. One warm-up batch (the trace) is not timed.
- head: Dense(256, relu) -> Dropout(0.5) -> Dense(10, softmax) on random 512-d features, Adam
  (Keras defaults), sparse categorical cross-entropy, fit(batch_size, epochs, shuffle=True,
  validation_split=0); per-epoch times from a callback.
- train: zootools.models.scratch_model's mlp/cnn (zoo's ScratchModels.swift layer for layer) on
  the digits, same fit settings, no validation, no evaluation.
"""
import argparse
import json
import os
import sys
import time

# Must be set before TensorFlow is imported. Keras is imported later: the thread counts have to be
# set before TensorFlow runs its first op.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from zootools import mnist, models  # noqa: E402
from zootools.timing import timed  # noqa: E402


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def keras_module(name):
    """tf_keras (Keras 2, what keras.applications users on TF 2.16+ get with TF_USE_LEGACY_KERAS)
    or Keras 3 on the TensorFlow backend."""
    if name == "tf_keras":
        import tf_keras
        return tf_keras
    import keras
    return keras


def forward(args, name):
    import tf_keras
    model = models.application(tf_keras, name, args.size)
    x = np.random.default_rng(0).uniform(-120, 140, (args.batch, args.size, args.size, 3)).astype(np.float32)
    results = []
    for mode in (("function", "predict") if args.mode == "both" else (args.mode,)):
        if mode == "function":
            run = tf.function(lambda t: model(t, training=False))
            xt = tf.constant(x)
            for _ in range(args.warmup):  # the first call traces the graph
                run(xt).numpy()
            calls, elapsed = timed(lambda: run(xt).numpy(), args.seconds, args.batches)  # .numpy() waits
            images = calls * args.batch
        else:
            for _ in range(args.warmup):  # the first call builds model.predict_function
                model.predict(x, batch_size=args.batch, verbose=0)
            if args.batches is not None:
                n = args.batches
            else:  # as many batches as take about --seconds, from one timed batch
                t0 = time.perf_counter()
                model.predict(x, batch_size=args.batch, verbose=0)
                n = max(3, int(np.ceil(args.seconds / max(time.perf_counter() - t0, 1e-6))))
            big = np.concatenate([x] * n)
            t0 = time.perf_counter()
            model.predict(big, batch_size=args.batch, verbose=0)
            elapsed, calls, images = time.perf_counter() - t0, n, n * args.batch
            del big
        results.append({"model": name, "size": args.size, "batch": args.batch, "variant": mode, "batches": calls,
                        "seconds": elapsed, "images_per_second": images / elapsed})
    return results


def features(args):
    import tf_keras
    images, _ = mnist.digits(args.split, args.data)
    if args.limit:
        images = images[:args.limit]
    model = models.application(tf_keras, "vgg16", args.size, pooling="avg")
    preprocess = tf_keras.applications.vgg16.preprocess_input

    @tf.function(input_signature=[tf.TensorSpec([None, *images.shape[1:]], tf.uint8)])
    def extract(digits):
        x = tf.image.resize(digits[..., None], (args.size, args.size))  # bilinear, half-pixel, float32
        x = preprocess(tf.image.grayscale_to_rgb(x))
        return model(x, training=False)

    for _ in range(args.warmup):
        extract(images[:args.batch]).numpy()
    t0 = time.perf_counter()
    out = np.concatenate([extract(images[i:i + args.batch]).numpy() for i in range(0, len(images), args.batch)])
    elapsed = time.perf_counter() - t0
    return {"model": "vgg16", "size": args.size, "batch": args.batch, "variant": "tf.function loop",
            "count": len(out), "dimension": out.shape[1], "seconds": elapsed, "images_per_second": len(out) / elapsed}


def fit_timed(K, model, x, y, args):
    """model.fit with Keras's defaults (Adam 1e-3) and per-epoch wall times."""
    model.compile(optimizer=K.optimizers.Adam(learning_rate=0.001), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])

    class EpochTimer(K.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.records = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            seconds = time.perf_counter() - self.start
            self.records.append({"epoch": epoch + 1, "seconds": seconds, "loss": float(logs.get("loss", np.nan)),
                                 "accuracy": float(logs.get("accuracy", np.nan))})
            log(f"Epoch {epoch + 1}/{args.epochs} - {seconds:.2f}s - loss: {self.records[-1]['loss']:.4f}"
                f" - accuracy: {self.records[-1]['accuracy']:.4f}")

    timer = EpochTimer()
    model.fit(x, y, batch_size=args.batch, epochs=args.epochs, validation_split=0.0, shuffle=True, verbose=0,
              callbacks=[timer])
    return timer.records


def head(args):
    K = keras_module(args.keras)
    K.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.rows, args.features), dtype=np.float32)
    y = rng.integers(0, 10, args.rows)
    records = fit_timed(K, models.head_model(K, args.features, 256, 0.5), x, y, args)
    return {"rows": args.rows, "features": args.features, "batch": args.batch, "variant": args.keras,
            "keras_version": K.__version__, "epochs": records, "epoch_seconds": [r["seconds"] for r in records]}


def train(args):
    K = keras_module(args.keras)
    K.utils.set_random_seed(0)
    images, labels = mnist.digits("train", args.data)
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    model = models.scratch_model(K, args.model, *images.shape[1:])
    records = fit_timed(K, model, images[..., None], labels, args)
    return {"model": args.model, "rows": len(labels), "batch": args.batch, "variant": args.keras,
            "keras_version": K.__version__, "epochs": records, "epoch_seconds": [r["seconds"] for r in records]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("task", nargs="?", choices=("forward", "features", "head", "train"), default="forward")
    ap.add_argument("--models", default="vgg16,resnet50", help="forward")
    ap.add_argument("--model", default="cnn", help="train: mlp or cnn")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--batch", type=int, default=None, help="default 64 (forward, features), 128 (head, train)")
    ap.add_argument("--mode", choices=("function", "predict", "both"), default="function", help="forward")
    ap.add_argument("--seconds", type=float, default=5.0, help="forward: minimum timed duration per model and mode")
    ap.add_argument("--batches", type=int, default=None, help="forward: time exactly N batches instead")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--data", help="MNIST-format IDX directory or mnist.npz (features, train)")
    ap.add_argument("--split", default="test", help="features")
    ap.add_argument("--limit", type=int, default=None, help="features, train: first N digits")
    ap.add_argument("--rows", type=int, default=60000, help="head")
    ap.add_argument("--features", type=int, default=512, help="head")
    ap.add_argument("--epochs", type=int, default=1, help="head, train")
    ap.add_argument("--keras", choices=("keras3", "tf_keras"), default="keras3", help="head, train")
    ap.add_argument("--threads", type=int, default=2, help="TensorFlow intra-op threads")
    ap.add_argument("--inter-op-threads", type=int, default=None, help="default: --threads")
    args = ap.parse_args()
    if args.batch is None:
        args.batch = 128 if args.task in ("head", "train") else 64
    inter = args.inter_op_threads or args.threads
    # Must run before TensorFlow executes its first op.
    tf.get_logger().setLevel("ERROR")
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(inter)
    common = {"framework": "keras", "task": args.task, "tensorflow_version": tf.__version__,
              "intra_op_threads": args.threads, "inter_op_threads": inter}
    if args.task == "forward":
        for name in args.models.split(","):
            for r in forward(args, name):
                print(json.dumps({**common, **r}), flush=True)
            import tf_keras
            tf_keras.backend.clear_session()
        return
    result = {"features": features, "head": head, "train": train}[args.task](args)
    print(json.dumps({**common, **result}), flush=True)


if __name__ == "__main__":
    main()
