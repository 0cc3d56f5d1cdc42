#!/usr/bin/env bash
# The main job: packs ModelOpt.Build from this repository, then builds and runs
# samples/ResNet18App, whose build quantizes the real ResNet18 (NuGet package
# Microsoft.ML.DnnImageFeaturizer.ResNet18), embeds it, and whose run compares the
# embedded model with the original on the photograph shipped with the sample.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version=0.1.0-local
packages="$root/artifacts/sample-packages"

dotnet pack src/ModelOpt.Build.Tasks -c Release -p:Version=$version -o artifacts/packages -nologo -v quiet
# The same version is packed on every run: drop the restored copy so the sample gets this one.
rm -rf "$packages/modelopt.build/$version"
dotnet build samples/ResNet18App/ResNet18App.csproj -c Release -nologo -v minimal \
  -p:ModelOptVersion=$version -p:RestorePackagesPath="$packages"
dotnet run --project samples/ResNet18App/ResNet18App.csproj -c Release --no-build
