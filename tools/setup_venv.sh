#!/usr/bin/env bash
# Create the Python venv for tools/ at ${ZOO_VENV:-.venv} (relative to the repo root) with the
# pinned requirement files given (default tools/requirements.txt), and print its absolute path.
# Idempotent: when the venv already has exactly the pinned versions (a local build tag such as
# torch's "+cu132" aside) it only checks them (no pip call). Progress goes to stderr so that
#   VENV=$(tools/setup_venv.sh)
# works. PYTHON selects the interpreter used to create the venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV="${ZOO_VENV:-.venv}"
[ $# -gt 0 ] || set -- tools/requirements.txt

pins_ok() {
  [ -x "$VENV/bin/python" ] || return 1
  "$VENV/bin/python" - "$@" <<'PY'
import sys, importlib.metadata as md
for path in sys.argv[1:]:
    for line in open(path):
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

if ! pins_ok "$@"; then
  if [ ! -x "$VENV/bin/python" ]; then
    echo "setup_venv: creating $VENV" >&2
    "${PYTHON:-python3}" -m venv "$VENV"
  fi
  for req in "$@"; do
    echo "setup_venv: installing $req into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
  done
  pins_ok "$@" || { echo "setup_venv: $VENV still does not match $*" >&2; exit 1; }
fi
cd "$VENV" && pwd
