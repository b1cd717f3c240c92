#!/usr/bin/env bash
# Regenerates BENCHMARKS.md and benchmarks.json: zoo against Keras and PyTorch (and ONNX Runtime in
# the families rows) on this machine, 2 threads everywhere. Makes the venv (tools/setup_venv.sh,
# ${ZOO_VENV:-.venv}) with torch and ONNX Runtime from tools/requirements-bench.txt added, then runs
# tools/benchmarks.py with all arguments, which
# builds zoo (release) and compiles tools/sgemm_peak.c:
#
#   tools/bench.sh            # the full suite (~10 minutes on 2 quiet cores)
#   tools/bench.sh --quick    # smoke run of every row with tiny settings
#   tools/bench.sh --help     # row selection and settings
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv=$(tools/setup_venv.sh tools/requirements.txt tools/requirements-bench.txt)
exec "$venv/bin/python" tools/benchmarks.py --python "$venv/bin/python" --command "tools/bench.sh $*" "$@"
