#!/usr/bin/env python3
"""The Keras side of the fine-tuning recipe that `zoo finetune` implements.

  python tools/finetune_keras.py --model vgg16 --size 32 --pooling avg --hidden 256 \\
      --dropout 0.5 --epochs 10 --batch-size 64 --optimizer adam --lr 0.001 \\
      --validation-split 0.1 --seed 0 --save-backbone /tmp/vgg16_seed0.h5 [--runs 3]

1. tf_keras.utils.set_random_seed(seed); tf_keras keras.applications backbone
   with weights=None, include_top=False, pooling=... (Keras's own default
   initialisation), saved with save_weights(--save-backbone) as legacy HDF5
   so that `zoo finetune --weights PATH` starts from the identical backbone.
2. Features of the built-in MNIST sample (4,000 train / 1,000 test digits)
   with the TF pipeline: uint8 -> tf.image.resize -> grayscale_to_rgb ->
   preprocess_input -> backbone (keras_common.digits_to_input).
3. The training rows are permuted with numpy default_rng(seed) (the files are
   sorted by label, and fit's validation_split takes the *last* rows before
   any shuffling), then the head Dense(hidden, relu, head_dense) ->
   Dropout(head_dropout) -> Dense(10, softmax, head_predictions) (hidden 0:
   only the softmax layer) is trained with sparse categorical cross-entropy,
   fit(batch_size, epochs, validation_split, shuffle=True), and evaluated on
   the test split.
4. One JSON line on stdout; progress on stderr.

--runs K trains the head K times (tf_keras seeds seed, seed+1, ...; same
backbone, features, row permutation and validation rows) and adds the mean
and (population, ddof=0) std of the test accuracy; test_accuracy/test_loss
stay those of the first run (head seed = --seed, as with --runs 1).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras_common as kc  # noqa: E402
from keras_common import np, tf, tf_keras  # noqa: E402

FEATURE_BATCH = 100  # memory only; features do not depend on it


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def backbone_model(name, size, pooling):
    return getattr(tf_keras.applications, kc.APPLICATIONS[name])(
        weights=None, include_top=False, input_shape=(size, size, 3), pooling=pooling)


def features(backbone, digits, size, preprocess):
    return np.concatenate([kc.forward(backbone, kc.digits_to_input(digits[i:i + FEATURE_BATCH], size, preprocess))
                           for i in range(0, len(digits), FEATURE_BATCH)])


def make_optimizer(name, lr, momentum):
    if name == "adam":
        return tf_keras.optimizers.Adam(learning_rate=lr)
    if name == "sgd":
        return tf_keras.optimizers.SGD(learning_rate=lr, momentum=momentum)
    return tf_keras.optimizers.RMSprop(learning_rate=lr, momentum=momentum)


def train_head(args, seed, x_train, y_train, x_test, y_test):
    """One head training run; returns a dict of results."""
    tf_keras.utils.set_random_seed(seed)
    inp = tf_keras.layers.Input(x_train.shape[1:], name="features")
    head = tf_keras.Model(inp, kc.add_head(tf_keras, inp, args.hidden, args.dropout), name="head")
    head.compile(optimizer=make_optimizer(args.optimizer, args.lr, args.momentum),
                 loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    t0 = time.time()
    hist = head.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                    validation_split=args.validation_split, shuffle=True, verbose=0)
    seconds = time.time() - t0
    test_loss, test_accuracy = head.evaluate(x_test, y_test, batch_size=256, verbose=0)
    h = hist.history
    result = {"seed": seed, "test_accuracy": float(test_accuracy), "test_loss": float(test_loss),
              "train_loss": float(h["loss"][-1]), "train_accuracy": float(h["accuracy"][-1]),
              "seconds_per_epoch": seconds / args.epochs}
    if "val_loss" in h:
        result.update(val_loss=float(h["val_loss"][-1]), val_accuracy=float(h["val_accuracy"][-1]))
    log(f"head seed {seed}: " + ", ".join(f"{k} {v:.4f}" for k, v in result.items() if k != "seed"))
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--model", choices=sorted(kc.APPLICATIONS), default="vgg16")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--pooling", choices=("avg", "max", "none"), default="avg")
    ap.add_argument("--hidden", type=int, default=256, help="0: only the softmax layer")
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--optimizer", choices=("adam", "sgd", "rmsprop"), default="adam")
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--momentum", type=float, default=0.0, help="sgd / rmsprop")
    ap.add_argument("--validation-split", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save-backbone", metavar="PATH.h5", help="write the backbone's initial weights here")
    ap.add_argument("--runs", type=int, default=1, help="head trainings with seeds seed .. seed+K-1")
    ap.add_argument("--data", default=kc.MNIST_SAMPLE, help="IDX directory (default: the built-in sample)")
    args = ap.parse_args()
    if args.save_backbone and (args.save_backbone.endswith(".weights.h5") or not args.save_backbone.endswith(".h5")):
        ap.error("--save-backbone needs a plain .h5 name: tf_keras writes the Keras 3 layout for *.weights.h5")
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    pooling = None if args.pooling == "none" else args.pooling
    tf.config.experimental.enable_op_determinism()
    t_start = time.time()

    tf_keras.utils.set_random_seed(args.seed)
    backbone = backbone_model(args.model, args.size, pooling)
    if args.save_backbone:
        backbone.save_weights(args.save_backbone)
        log(f"backbone weights: {args.save_backbone} ({os.path.getsize(args.save_backbone)} bytes)")

    preprocess = getattr(tf_keras.applications, args.model).preprocess_input
    train_images, train_labels = kc.mnist_digits("train", args.data)
    test_images, test_labels = kc.mnist_digits("test", args.data)
    t0 = time.time()
    x_train = features(backbone, train_images, args.size, preprocess)
    x_test = features(backbone, test_images, args.size, preprocess)
    feature_seconds = time.time() - t0
    x_train, x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    log(f"features: train {x_train.shape}, test {x_test.shape} in {feature_seconds:.1f} s")

    order = np.random.default_rng(args.seed).permutation(len(x_train))
    x_train, y_train = x_train[order], train_labels[order]
    n_val = len(x_train) - int(np.floor(len(x_train) * (1.0 - args.validation_split)))  # Keras's split_at

    runs = [train_head(args, args.seed + k, x_train, y_train, x_test, test_labels) for k in range(args.runs)]
    first = runs[0]
    out = {"framework": "keras", "model": args.model, "test_accuracy": first["test_accuracy"],
           "test_loss": first["test_loss"], "epochs": args.epochs,
           "seconds_per_epoch": float(np.mean([r["seconds_per_epoch"] for r in runs])),
           "size": args.size, "pooling": args.pooling, "hidden": args.hidden, "dropout": args.dropout,
           "batch_size": args.batch_size, "optimizer": args.optimizer, "lr": args.lr,
           "validation_split": args.validation_split, "seed": args.seed,
           "train_rows": len(x_train) - n_val, "validation_rows": n_val, "test_rows": len(x_test),
           "feature_dim": int(x_train.shape[1]), "feature_seconds": feature_seconds,
           "val_accuracy": first.get("val_accuracy"), "val_loss": first.get("val_loss"),
           "train_loss": first["train_loss"], "backbone_weights": args.save_backbone,
           "tf_keras_version": kc.TF_KERAS_VERSION, "tensorflow_version": tf.__version__}
    if args.runs > 1:
        acc = np.asarray([r["test_accuracy"] for r in runs])
        out.update(runs=args.runs, test_accuracy_mean=float(acc.mean()), test_accuracy_std=float(acc.std()),
                   test_accuracies=acc.tolist(), test_losses=[r["test_loss"] for r in runs],
                   head_seeds=[r["seed"] for r in runs])
    out["total_seconds"] = time.time() - t_start
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
