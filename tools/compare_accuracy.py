#!/usr/bin/env python3
"""Fine-tuned accuracy of zoo against Keras on the same image folders, the same backbone weights
and the same recipe (issue #15's "within 1.5 points" check).

Fashion-MNIST (Debian's dataset-fashion-mnist; the built-in MNIST sample if absent) is written as
PNG class folders (train and test). One seeded VGG16 backbone (weights=None: ImageNet files are
not reachable here) is saved as a Keras weight file and used by both sides:

  Keras: image_dataset_from_directory(image_size=(S, S), batch_size=64, seed) -> preprocess_input
         -> frozen base(training=False) -> GlobalAveragePooling2D -> Dense(256, relu)
         -> Dropout(0.5) -> Dense(classes, softmax); Adam(1e-3), E epochs; evaluate on test.
  zoo:   zoo finetune --model vgg16 --weights W --data train --test-data test --size S
         --pooling avg --hidden 256 --dropout 0.5 --optimizer adam --epochs E --validation-split 0

Both are run for several seeds; the mean test accuracies must lie within --tolerance points.

    tools/compare_accuracy.py --zoo .build/release/zoo [--per-class 200] [--seeds 1,2,3]
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FASHION = "/usr/share/datasets/fashion-mnist"
FASHION_NAMES = ["t-shirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                 "ankle_boot"]


def idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_split(split):
    prefix = "train" if split == "train" else "t10k"
    root = FASHION if os.path.isdir(FASHION) else os.path.join(HERE, "..", "Sources", "ZooData", "Resources", "mnist-sample")
    names = FASHION_NAMES if os.path.isdir(FASHION) else [str(i) for i in range(10)]
    def find(kind):
        for ext in (".gz", ""):
            p = os.path.join(root, f"{prefix}-{kind}{ext}")
            if os.path.exists(p):
                return p
        raise SystemExit(f"{root}: no {prefix}-{kind}")
    return idx(find("images-idx3-ubyte")), idx(find("labels-idx1-ubyte")), names


def write_folder(directory, images, labels, names, per_class):
    from PIL import Image
    counts = {}
    for i, (image, label) in enumerate(zip(images, labels)):
        if counts.get(label, 0) >= per_class:
            continue
        counts[label] = counts.get(label, 0) + 1
        d = os.path.join(directory, names[label])
        os.makedirs(d, exist_ok=True)
        Image.fromarray(image).save(os.path.join(d, f"{i:05d}.png"))


def keras_run(train, test, weights, size, epochs, seed):
    import keras
    keras.utils.set_random_seed(seed)
    kw = dict(image_size=(size, size), batch_size=64, color_mode="rgb")
    train_ds = keras.utils.image_dataset_from_directory(train, seed=seed, shuffle=True, **kw)
    test_ds = keras.utils.image_dataset_from_directory(test, shuffle=False, **kw)
    classes = len(train_ds.class_names)
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(size, size, 3))
    base.load_weights(weights)
    base.trainable = False
    inputs = keras.Input((size, size, 3))
    x = keras.applications.vgg16.preprocess_input(inputs)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(256, activation="relu")(x)
    x = keras.layers.Dropout(0.5)(x)
    outputs = keras.layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train_ds, epochs=epochs, verbose=0)
    return float(model.evaluate(test_ds, verbose=0)[1])


def zoo_run(zoo, train, test, weights, size, epochs, seed, work):
    out = os.path.join(work, f"zoo-{seed}.h5")
    cmd = [zoo, "finetune", "--model", "vgg16", "--weights", weights, "--data", train, "--test-data", test,
           "--size", str(size), "--pooling", "avg", "--hidden", "256", "--dropout", "0.5", "--optimizer", "adam",
           "--epochs", str(epochs), "--batch-size", "64", "--validation-split", "0", "--seed", str(seed),
           "--output", out, "--json"]
    env = dict(os.environ, ZOO_CACHE_DIR=os.path.join(work, "cache"))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"zoo finetune failed ({r.returncode}): {r.stderr.strip()}")
    report = json.loads(r.stdout)
    test_result = report.get("test") or {}
    return float(test_result.get("accuracy", report.get("testAccuracy", float("nan"))))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zoo", required=True)
    ap.add_argument("--per-class", type=int, default=200, help="training images per class")
    ap.add_argument("--test-per-class", type=int, default=100)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--tolerance", type=float, default=1.5, help="points of accuracy")
    args = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    with tempfile.TemporaryDirectory() as work:
        train, test = os.path.join(work, "train"), os.path.join(work, "test")
        x, y, names = load_split("train")
        write_folder(train, x, y, names, args.per_class)
        x, y, names = load_split("test")
        write_folder(test, x, y, names, args.test_per_class)
        keras.utils.set_random_seed(0)
        base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(args.size, args.size, 3))
        weights = os.path.join(work, "vgg16_backbone.weights.h5")
        base.save_weights(weights)
        seeds = [int(s) for s in args.seeds.split(",")]
        zoo_acc = [zoo_run(args.zoo, train, test, weights, args.size, args.epochs, s, work) for s in seeds]
        keras_acc = [keras_run(train, test, weights, args.size, args.epochs, s) for s in seeds]
    zm, km = 100 * np.mean(zoo_acc), 100 * np.mean(keras_acc)
    print(json.dumps({"seeds": seeds, "zoo": zoo_acc, "keras": keras_acc, "zoo_mean": zm, "keras_mean": km,
                      "difference_points": zm - km}, indent=1))
    ok = abs(zm - km) <= args.tolerance
    print(f"zoo {zm:.2f}% vs Keras {km:.2f}% over seeds {seeds}: {'within' if ok else 'NOT within'} "
          f"{args.tolerance} points")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
