#!/usr/bin/env bash
# Runs every test of the repository. Needs the ONNX backend test suite
# (Debian package libonnx-testdata); .ci/run installs it on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d /usr/share/libonnx-testdata/data ]; then
  echo "error: /usr/share/libonnx-testdata/data is missing; install it with: sudo apt-get install libonnx-testdata" >&2
  exit 1
fi
dotnet test ModelOpt.Build.sln -c Release --logger "console;verbosity=normal" "$@"
