#!/usr/bin/env bash
# Installs the Debian packages Tensord needs to build and run.
# The lists live here once; README, .ci/run and the Dockerfile use these names.
#   PACKAGES  build packages (-dev); the Dockerfile's runtime stage holds their libraries
#   ASSETS    files the server serves as the package installs them (the dashboard's Chart.js),
#             needed at run time as they are, in the runtime stage too
#   --test    also what the tests drive, so that a server-only install stays small: headless
#             Chromium and its driver and the PostgreSQL server the store tests start on their
#             own (TEST_PACKAGES; its system cluster is not needed), and from PyPI (TEST_PIP_PACKAGES) Selenium
#             for the browser test and Schemathesis, pinned (SchemathesisTests checks the pin),
#             for the contract fuzz test
set -euo pipefail
PACKAGES=(libopenblas-dev libcurl4-openssl-dev libsqlite3-dev libpq-dev)
ASSETS=(libjs-chart.js)
TEST_PACKAGES=(chromium chromium-driver python3 python3-pip postgresql)
TEST_PIP_PACKAGES=('selenium>=4.10,<5' schemathesis==4.32.5)
wanted=("${PACKAGES[@]}" "${ASSETS[@]}")
test=0
for arg in "$@"; do
  case "$arg" in
    --test) test=1; wanted+=("${TEST_PACKAGES[@]}") ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
done
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
missing=()
for p in "${wanted[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
if [ "$test" -eq 1 ]; then
  # Debian marks its Python as externally managed; the tests' libraries go beside it.
  # (Requirements already met are not fetched again.)
  PIP_BREAK_SYSTEM_PACKAGES=1 $SUDO python3 -m pip install --quiet --disable-pip-version-check \
    --root-user-action=ignore "${TEST_PIP_PACKAGES[@]}"
fi
