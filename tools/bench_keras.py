#!/usr/bin/env python3
"""Keras forward-pass throughput (tf_keras, TensorFlow CPU, 2 threads).

Prints one JSON line per model:
  {"framework": "keras", "model": ..., "size": ..., "batch": ..., "images_per_second": ...}
Usage: python tools/bench_keras.py [--models vgg16,resnet50] [--size 32] [--batch 64]
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras_common as kc  # noqa: E402
from keras_common import np, tf, tf_keras  # noqa: E402

APPS = {"vgg16": "VGG16", "resnet50": "ResNet50"}


def bench(model_name, size, batch, include_top, seconds, warmup):
    model = getattr(tf_keras.applications, APPS[model_name])(
        weights=None, include_top=include_top, input_shape=(size, size, 3))
    x = tf.constant(np.random.default_rng(0).uniform(-120, 140, (batch, size, size, 3)).astype(np.float32))
    # A compiled graph, like the Swift side's fixed pipeline; not model.predict
    # (its batching and callbacks would be measured too).
    run = tf.function(lambda t: model(t, training=False))
    for _ in range(warmup):  # first call traces the graph
        run(x).numpy()
    iters, t0 = 0, time.perf_counter()
    while True:
        run(x).numpy()  # .numpy() waits for the result
        iters += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds and iters >= 3:
            return iters * batch / elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="vgg16,resnet50")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--include-top", action="store_true", help="needs --size 224")
    ap.add_argument("--seconds", type=float, default=5.0, help="minimum timed duration per model")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    # Must run before TensorFlow executes its first op.
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)  # the nets are sequential chains
    for name in args.models.split(","):
        ips = bench(name, args.size, args.batch, args.include_top, args.seconds, args.warmup)
        print(json.dumps({"framework": "keras", "model": name, "size": args.size, "batch": args.batch,
                          "images_per_second": round(ips, 2)}), flush=True)
        tf_keras.backend.clear_session()


if __name__ == "__main__":
    main()
