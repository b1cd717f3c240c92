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
echo "== full-size VGG16/ResNet50 against Keras (tools/compare_full.py)"
"$venv/bin/python" tools/compare_full.py --zoo .build/release/zoo
