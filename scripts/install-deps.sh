#!/usr/bin/env bash
# Installs the Debian packages Tensord needs to build and run.
# The list lives here once; README, .ci/run and the Dockerfile use these names.
set -euo pipefail
PACKAGES=(libopenblas-dev libcurl4-openssl-dev libsqlite3-dev)
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
