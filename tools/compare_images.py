#!/usr/bin/env python3
"""End-to-end check of `zoo features --data DIR` on image folders against Keras, and its speed.

Writes Fashion-MNIST (Debian's dataset-fashion-mnist) as PNG and as JPEG class folders, and a
folder of colour images (tools/make_image_fixtures.colour_images: RGBA, palette, gray+alpha,
16-bit PNG, JPEG of several kinds, BMP, GIF, of varied sizes) beside 28x28 items. For each folder:

  zoo features --model M --weights W.h5 --data DIR --test-split F --split-seed S --split train|test

and in Keras: image_dataset_from_directory(DIR, validation_split=F, subset="training"|
"validation", seed=S) — the same files must come out (its .file_paths, in order) — then, on those
files in that order, Keras's own loading (paths_and_labels_to_dataset: decode_image, resize),
keras.applications.<m>.preprocess_input and the tf_keras backbone with the same seeded weights.
A case passes iff the labels are equal and max|zoo - keras| <= 1e-4 * max|keras| (PNG/BMP/GIF;
JPEG: 1e-4 too, as zoo decodes JPEG as TensorFlow does, with the same IDCT).

--speed N also times N 224x224 images through both pipelines (decode + resize + preprocess +
backbone, batch 32, on this machine's 2 cores), and --rss N runs `zoo features` on N images at 224 px and
reports its peak RSS (must stay under 1.5 GB).
"""
import argparse
import os
import resource
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402

import make_image_fixtures as fixtures  # noqa: E402
from zootools import models, zoo  # noqa: E402
from zootools.parity import REL_TOL, max_abs  # noqa: E402


def keras_subset(directory, fraction, seed, subset, size):
    """(file paths, labels, class names) of Keras's subset, and the pixels Keras's pipeline gives
    them [N, size, size, 3], in the order of its file_paths."""
    import keras
    from keras.src.utils import image_dataset_utils
    ds = keras.utils.image_dataset_from_directory(directory, validation_split=fraction, subset=subset, seed=seed,
                                                  image_size=(size, size), batch_size=None, verbose=False)
    paths = list(ds.file_paths)
    rel = [os.path.relpath(p, directory) for p in paths]
    labels = np.array([ds.class_names.index(r.split(os.sep)[0]) for r in rel])
    loaded = image_dataset_utils.paths_and_labels_to_dataset(
        paths, (size, size), 3, None, None, len(ds.class_names), "bilinear", "channels_last", shuffle=False)
    pixels = np.stack([x.numpy() for x in loaded])
    return paths, labels, ds.class_names, pixels


def zoo_features(args, directory, split, weights, out, extra=()):
    cmd = ["features", "--model", args.model, "--weights", weights, "--size", str(args.size), "--pooling", "avg",
           "--data", directory, "--test-split", str(args.fraction), "--split-seed", str(args.seed),
           "--split", split, "--no-cache", "--output", out, "--json", *extra]
    result = zoo.run(cmd, timeout=1800)
    if result.failure():
        raise SystemExit(result.failure())
    with h5py.File(out, "r") as f:
        return f["features"][()], f["labels"][()], result


def check_folders(args, work):
    from zootools.frameworks import tf_keras
    folders = {}
    for fmt in ("png", "jpg"):
        folders[fmt] = os.path.join(work, fmt)
        fixtures.write_fashion_folders(folders[fmt], args.per_class, fmt)
    colour = os.path.join(work, "colour")
    rng = np.random.default_rng(15)
    fixtures.write_fashion_folders(colour, 2, "png")
    for k, (name, data) in enumerate(fixtures.colour_images(rng) * 2):
        with open(os.path.join(colour, fixtures.CLASS_NAMES[k % 10], f"{k}_{name}"), "wb") as f:
            f.write(data)
    folders["colour"] = colour
    weights = os.path.join(work, f"{args.model}.h5")
    model = models.seeded_application(tf_keras, args.model, args.size, 1, pooling="avg")
    model.save_weights(weights)
    preprocess = getattr(tf_keras.applications, args.model).preprocess_input
    failed = False
    for name, directory in folders.items():
        for split, subset in (("train", "training"), ("test", "validation")):
            paths, labels, classes, pixels = keras_subset(directory, args.fraction, args.seed, subset, args.size)
            ref = np.concatenate([model.predict(preprocess(pixels[i:i + 64].copy()), verbose=0)
                                  for i in range(0, len(pixels), 64)])
            features, zlabels, _ = zoo_features(args, directory, split, weights, os.path.join(work, "f.h5"))
            peak = float(np.max(np.abs(ref)))
            same = features.shape == ref.shape and np.array_equal(zlabels, labels)
            err = max_abs(features, ref) if features.shape == ref.shape else float("inf")
            ok = same and err <= REL_TOL * peak
            failed |= not ok
            print(f"{name:6s} {split:5s} {len(paths):4d} files, same files and labels as Keras: {same}; "
                  f"max|zoo - keras| = {err:.3g} (peak {peak:.3g}, rel {err / peak:.2g}) {'ok' if ok else 'FAIL'}")
    return failed


def speed(args, work):
    import keras
    import tensorflow as tf
    from zootools.frameworks import tf_keras
    try:  # only before TensorFlow starts; check_folders may have started it (2 cores: its default is 2)
        tf.config.threading.set_intra_op_parallelism_threads(2)
        tf.config.threading.set_inter_op_parallelism_threads(2)
    except RuntimeError:
        pass
    directory = os.path.join(work, "speed")
    fixtures.write_fashion_folders(directory, max(args.speed // 10, 1), "jpg", split="train")
    weights = os.path.join(work, "speed.h5")
    model = models.seeded_application(tf_keras, args.speed_model, 224, 1, pooling="avg")
    model.save_weights(weights)
    preprocess = getattr(tf_keras.applications, args.speed_model).preprocess_input
    start = time.time()
    ds = keras.utils.image_dataset_from_directory(directory, image_size=(224, 224), batch_size=32, shuffle=False, verbose=False)
    ds = ds.map(lambda x, y: preprocess(x)).prefetch(2)
    n = sum(len(model.predict_on_batch(x)) for x in ds)
    keras_rate = n / (time.time() - start)
    cmd = ["features", "--model", args.speed_model, "--weights", weights, "--size", "224", "--data", directory,
           "--test-split", "0", "--split", "train", "--no-cache", "--batch-size", "32", "--output",
           os.path.join(work, "speed-f.h5"), "--json"]
    start = time.time()
    result = zoo.run(cmd, timeout=3600)
    if result.failure():
        raise SystemExit(result.failure())
    zoo_rate = n / (time.time() - start)
    print(f"speed {args.speed_model} 224 px, {n} JPEG files, decode + resize + preprocess + backbone: "
          f"Keras {keras_rate:.1f} images/s, zoo {zoo_rate:.1f} images/s (x{zoo_rate / keras_rate:.2f})")


def rss(args, work):
    directory = os.path.join(work, "rss")
    fixtures.write_fashion_folders(directory, max(args.rss // 10, 1), "png", split="train")
    cmd = ["features", "--model", args.rss_model, "--untrained", "--size", "224", "--data", directory,
           "--test-split", "0", "--split", "train", "--no-cache", "--output", os.path.join(work, "rss-f.h5"), "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = zoo.run(cmd, timeout=3600)
    if result.failure():
        raise SystemExit(result.failure())
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of zoo features on {args.rss} images at 224 px ({args.rss_model}): {peak:.0f} MiB"
          f"{'' if peak > before / 1024 else ' (or less: an earlier child peaked higher)'}")
    return peak > 1536


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="vgg16")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--per-class", type=int, default=20)
    ap.add_argument("--fraction", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--speed", type=int, default=0, help="images for the speed comparison (0: none)")
    ap.add_argument("--speed-model", default="resnet50")
    ap.add_argument("--rss", type=int, default=0, help="images for the peak-RSS check (0: none)")
    ap.add_argument("--rss-model", default="resnet50")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="zoo-compare-images-")
    try:
        failed = check_folders(args, work)
        if args.speed:
            speed(args, work)
        if args.rss:
            failed |= rss(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
