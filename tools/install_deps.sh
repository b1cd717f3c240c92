#!/usr/bin/env bash
# Installs the C libraries zoo links against (Debian packages), unless they are already there.
set -euo pipefail
packages="libhdf5-dev libopenblas-dev pkg-config zlib1g-dev libjpeg62-turbo-dev libpng-dev libstb-dev"
if pkg-config --exists hdf5 openblas zlib libjpeg libpng stb 2>/dev/null; then exit 0; fi
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null
echo "installed: $packages" >&2
