#!/usr/bin/env bash
# Runs every test of the repository. Besides the .NET SDK and NuGet it needs three Debian
# packages: ONNX's backend test suite (libonnx-testdata), headless Chromium (chromium, for
# the HTML report's rendering test) and nginx (nginx-light: the real HTTP cache server of the
# cache tests); .ci/run installs them on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
[ -d /usr/share/libonnx-testdata/data ] || missing+=(libonnx-testdata)
command -v chromium >/dev/null || missing+=(chromium fonts-dejavu-core)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  echo "error: the tests need ${missing[*]}; install with: sudo apt-get install -y ${missing[*]} (or run bash .ci/run, which does)" >&2
  exit 1
fi
dotnet test ModelOpt.Build.sln -c Release --logger "console;verbosity=normal" "$@"
