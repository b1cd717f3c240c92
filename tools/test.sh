#!/usr/bin/env bash
# The project's test command (README, CI): unit tests on small committed fixtures in a debug build,
# then the full-size VGG16/ResNet50 comparisons against Keras with a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
venv="${ZOO_VENV:-.venv}"

echo "== swift test (debug, committed Keras fixtures)"
swift build --build-tests
swift test --skip-build

echo "== release build"
swift build -c release --product zoo

tools/setup_venv.sh >/dev/null
export TF_CPP_MIN_LOG_LEVEL=3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ZOO_CACHE_DIR="$work/cache"
echo "== full-size VGG16/ResNet50 against Keras (tools/compare_full.py)"
"$venv/bin/python" tools/compare_full.py --zoo .build/release/zoo
# 48 px, the benchmarked size whose 6x6 and 3x3 maps take their own paths (Winograd, tap by tap).
"$venv/bin/python" tools/compare_full.py --zoo .build/release/zoo --sizes 48 --formats legacy
# One check per family added since: VGG19 (VGG) and ResNet50V2 (ResNet v2) at the minimum size.
"$venv/bin/python" tools/compare_full.py --zoo .build/release/zoo --models vgg19,resnet50v2 --sizes 32 --formats legacy

echo "== MNIST features against TensorFlow (tools/compare_features.py; 64 px makes avg and max pooling differ)"
"$venv/bin/python" tools/compare_features.py --zoo .build/release/zoo --cases vgg16:32,vgg16:48,resnet50:32,vgg16:64,resnet50:64

echo "== tools/zootools, MNIST download, interrupted and failing writes, TensorBoard read-back, short fuzz campaign, concurrent caches, kills (pytest)"
"$venv/bin/python" -m pytest -q -p no:cacheprovider tools/test_zootools.py tools/test_download_mnist.py tools/test_interrupts.py tools/test_tensorboard.py tools/test_fuzz.py tools/test_concurrency.py tools/test_kills.py

echo "== export round trip: zoo finetune -> tf-keras and Keras 3 load_model -> same predictions (tools/check_export.py)"
for model in vgg16 resnet50; do
    .build/release/zoo finetune --model $model --untrained --size 32 --pooling avg --epochs 3 \
        --output "$work/$model.h5" > "$work/$model.log"
    .build/release/zoo predict --model-file "$work/$model.h5" --split test --output "$work/$model.predictions.h5"
    "$venv/bin/python" tools/check_export.py --model-file "$work/$model.h5" --predictions "$work/$model.predictions.h5" \
        --backbone $model --size 32 --pooling avg
done

echo "== the README's library example (Sources/Examples/FinetuneExample): fine-tune on the built-in sample, then zoo evaluate opens its model"
swift build -c release --product finetune-example
repo=$PWD
# Its own home: the Keras and feature caches it uses start empty (offline it falls back to a Keras-initialised backbone).
(cd "$work" && HOME="$work" "$repo/.build/release/finetune-example") > "$work/example.log"
example_accuracy=$(sed -n 's/^test accuracy: //p' "$work/example.log")
zoo_accuracy=$(.build/release/zoo evaluate --model-file "$work/vgg16-mnist.h5" | sed -n 's/^accuracy: //p')
if [ -z "$example_accuracy" ] || [ "$example_accuracy" != "$zoo_accuracy" ]; then
    echo "finetune-example reported test accuracy '$example_accuracy'; zoo evaluate on its model says '$zoo_accuracy'" >&2
    exit 1
fi
