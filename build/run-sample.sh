#!/usr/bin/env bash
# The main job: builds the modelopt tool and shows what it makes of a real model,
# the pretrained ResNet18 of NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build samples/ResNet18RoundTrip/ResNet18RoundTrip.csproj -c Release -v quiet -nologo
dotnet run --project samples/ResNet18RoundTrip/ResNet18RoundTrip.csproj -c Release --no-build
