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
# InceptionV3 and Xception at their minimum sizes, 75 and 71.
"$venv/bin/python" tools/compare_full.py --zoo .build/release/zoo --models inceptionv3,xception --sizes min --formats legacy
echo "== EfficientNetB0 (ImageNet-weights architecture) at its minimum size against tf_keras"
"$venv/bin/python" tools/compare_full.py --zoo .build/release/zoo --models efficientnetb0 --sizes 32 --formats legacy
# MobileNetV3 and ConvNeXt (their nested Sequentials in the legacy file) at the minimum size.
"$venv/bin/python" tools/compare_full.py --zoo .build/release/zoo --models mobilenetv3small,convnexttiny --sizes 32 --formats legacy
# Issue 16's families at their minimum sizes: InceptionResNetV2 (75), NASNetMobile and EfficientNetV2B0 (32).
"$venv/bin/python" tools/compare_full.py --zoo .build/release/zoo --models inceptionresnetv2 --sizes 75 --formats legacy
"$venv/bin/python" tools/compare_full.py --zoo .build/release/zoo --models nasnetmobile,efficientnetv2b0 --sizes 32 --formats legacy

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

echo "== Keras 3 archive: zoo finetune --output .keras -> keras.saving.load_model -> same predictions (tools/check_export.py)"
.build/release/zoo finetune --model vgg16 --untrained --size 32 --pooling avg --epochs 1 \
    --output "$work/vgg16.keras" > "$work/vgg16-keras.log"
.build/release/zoo predict --model-file "$work/vgg16.keras" --split test --output "$work/vgg16-keras.predictions.h5"
"$venv/bin/python" tools/check_export.py --model-file "$work/vgg16.keras" --predictions "$work/vgg16-keras.predictions.h5"

echo "== issue 16's exports: fine-tuned MobileNetV3Small and ConvNeXtTiny (32 px) .h5 in tf-keras and Keras 3, .keras in Keras 3 -> same predictions (tools/test_export_families.py, ~80 s)"
ZOO=.build/release/zoo "$venv/bin/python" -m pytest -q -p no:cacheprovider tools/test_export_families.py

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

echo "== image folders (tools/compare_images.py: Fashion-MNIST as PNG and JPEG folders and colour images, same files and features as Keras's image_dataset_from_directory pipeline) and the image fuzz (pytest)"
"$venv/bin/python" tools/compare_images.py --model vgg16 --size 32 --per-class 10
"$venv/bin/python" -m pytest -q -p no:cacheprovider tools/test_fuzz_images.py
"$venv/bin/python" -c "import sys; sys.path.insert(0, 'tools'); import make_image_fixtures as m; m.write_fashion_folders('$work/fashion', 20)"
.build/release/zoo finetune --model vgg16 --untrained --data "$work/fashion" --size 32 --epochs 2 --output "$work/fashion.h5" > "$work/fashion.log"
.build/release/zoo evaluate --model-file "$work/fashion.h5" --data "$work/fashion" > "$work/fashion-eval.log"
coat=$(ls "$work/fashion/Coat" | head -n 1)
.build/release/zoo predict --model-file "$work/fashion.h5" --output "$work/fashion-p.h5" "$work/fashion/Bag" "$work/fashion/Coat/$coat"
# evaluate carves the same test split as finetune did, so it must see the same accuracy.
finetune_accuracy=$(sed -n 's/^test accuracy: //p' "$work/fashion.log")
evaluate_accuracy=$(sed -n 's/^accuracy: //p' "$work/fashion-eval.log")
if [ -z "$finetune_accuracy" ] || [ "$finetune_accuracy" != "$evaluate_accuracy" ]; then
    echo "finetune on an image folder reported test accuracy '$finetune_accuracy'; zoo evaluate on its test split says '$evaluate_accuracy'" >&2
    exit 1
fi
