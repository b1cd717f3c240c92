#!/usr/bin/env bash
# Quick start: installs what zoo needs, builds it, fine-tunes a classifier head on a frozen VGG16
# over the built-in 5,000-digit MNIST sample, evaluates it and exports it for Keras.
# Uses the official ImageNet weights when they are in the Keras cache or can be downloaded;
# otherwise (offline) a Keras-initialised backbone, with a notice that it is not pretrained.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
swift build -c release --product zoo
zoo=.build/release/zoo
backbone=()
if ! $zoo load vgg16 --size 32 --pooling avg >/dev/null 2>&1; then
    echo "quickstart: the official VGG16 weights are not cached and cannot be downloaded here;" >&2
    echo "quickstart: using a Keras-initialised backbone (NOT pretrained: expect far lower accuracy)" >&2
    backbone=(--untrained)
fi
mkdir -p out
$zoo finetune --model vgg16 "${backbone[@]}" --size 32 --pooling avg --hidden 256 --dropout 0.5 \
    --epochs 10 --optimizer adam --seed 0 --output out/vgg16-mnist.h5
$zoo evaluate --model-file out/vgg16-mnist.h5 | head -3
echo "quickstart: Keras loads out/vgg16-mnist.h5 with keras.models.load_model; its history is out/vgg16-mnist.history.csv"
