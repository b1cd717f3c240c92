#!/usr/bin/env bash
# Regenerates BENCHMARKS.md and benchmarks.json: zoo against Keras and PyTorch on this machine,
# 2 threads everywhere. Builds zoo (release), compiles tools/sgemm_peak.c, makes the venv
# (tools/setup_venv.sh, ${ZOO_VENV:-.venv}) and adds torch from tools/requirements-bench.txt when it
# is missing, then runs tools/benchmarks.py with all arguments:
#
#   tools/bench.sh            # the full suite (~20 minutes on 2 quiet cores)
#   tools/bench.sh --quick    # smoke run of every row with tiny settings
#   tools/bench.sh --help     # row selection and settings
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv=$(tools/setup_venv.sh)
req=tools/requirements-bench.txt

pins_ok() {
  "$venv/bin/python" - "$req" <<'PY'
import sys, importlib.metadata as md
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, _, want = line.partition("==")
        try:
            if md.version(name).split("+")[0] != want:
                sys.exit(1)
        except md.PackageNotFoundError:
            sys.exit(1)
PY
}

if ! pins_ok; then
  echo "bench: installing $req into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
  pins_ok || { echo "bench: $venv still does not match $req" >&2; exit 1; }
fi
exec "$venv/bin/python" tools/benchmarks.py --python "$venv/bin/python" --command "tools/bench.sh $*" "$@"
