#!/usr/bin/env bash
# Quick start: installs what zoo needs, builds it, and runs backbone feature extraction on the
# built-in 5,000-digit MNIST sample. Uses the official ImageNet weights when they are in the
# Keras cache or can be downloaded, otherwise a Keras-initialised (not pretrained) backbone.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
swift build -c release --product zoo
zoo=.build/release/zoo
$zoo summary vgg16 --size 32 --pooling avg | tail -5
weights=()
if ! $zoo load vgg16 --size 32 >/dev/null 2>&1; then
    echo "quickstart: official VGG16 weights unavailable (offline?); using a Keras-initialised backbone" >&2
    weights=(--untrained)
fi
mkdir -p out
for split in train test; do
    $zoo features --model vgg16 "${weights[@]}" --split $split --size 32 --pooling avg --output out/vgg16-$split.h5
done
$zoo features --model vgg16 "${weights[@]}" --split test --size 32 --pooling avg --output out/vgg16-test.h5  # cache hit
