#!/usr/bin/env bash
# Distills ResNet18 after Prune=Structured Sparsity=0.3 on crops of the photographs in
# tests/data/images and prints the summary line (held-out worst cosine before -> after) and the
# distillation's progress (docs/benchmarks.md, "Distillation"). Two splits of the photographs:
#   crops:  train on 80 crops (scales 0.8 and 0.55 of the shorter side; centre and four corners)
#           of all eight photographs, judge on 16 others (scale 0.65 at the top centre, 0.95 at
#           the bottom centre of each): no crop is shared, pixels of the same photograph are;
#   photos: train on 120 crops (scales 0.9, 0.8, 0.7, 0.55; five positions) of six photographs,
#           judge on 30 crops (scales 0.95, 0.8, 0.65; five positions) of the other two (coffee,
#           rocket): whole photographs held out.
# Crops are resized to 224×224 (bilinear) by Pillow. Needs the .NET SDK, ResNet18 in the NuGet
# folder (restored by the tests: microsoft.ml.dnnimagefeaturizer.resnet18), python3 with Pillow
# (Debian: python3-pil).
# Usage: bash build/measure-resnet18-distillation.sh crops|photos EPOCHS [more modelopt options]
# e.g.   bash build/measure-resnet18-distillation.sh crops 0     (layer-wise reconstruction only)
set -euo pipefail
cd "$(dirname "$0")/.."
split=$1 epochs=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build src/ModelOpt.Cli -c Release -v q -nologo >/dev/null
# The distiller as the package ships it: its assemblies only; LibTorch comes from the NuGet folder.
dotnet publish src/ModelOpt.Distillation -c Release -v q -nologo -o "$work/distiller" >/dev/null
rm -rf "$work/distiller/runtimes"
resnet=$(find "${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.ml.dnnimagefeaturizer.resnet18" -name ResNet18.onnx | head -n 1)
resnet_prep=$(dirname "$(dirname "$resnet")")/ResNetPrepOnnx/ResNetPreprocess.onnx

python3 - "$work" "$split" <<'PY'
import os, sys
from PIL import Image
work, split = sys.argv[1], sys.argv[2]
source = "tests/data/images"
photos = sorted(os.listdir(source))
def cut(folder, names, scales, places):
    os.makedirs(os.path.join(work, folder), exist_ok=True)
    for name in names:
        image = Image.open(os.path.join(source, name)).convert("RGB")
        w, h = image.size
        for scale in scales:
            s = int(min(w, h) * scale)
            where = {"c": ((w - s) // 2, (h - s) // 2), "tl": (0, 0), "tr": (w - s, 0), "bl": (0, h - s), "br": (w - s, h - s),
                     "t": ((w - s) // 2, 0), "b": ((w - s) // 2, h - s)}
            for place in places:
                x, y = where[place]
                crop = image.crop((x, y, x + s, y + s)).resize((224, 224), Image.BILINEAR)
                crop.save(os.path.join(work, folder, f"{os.path.splitext(name)[0]}_{int(scale * 100)}_{place}.png"))
corners = ["c", "tl", "tr", "bl", "br"]
if split == "crops":
    cut("train", photos, [0.8, 0.55], corners)
    cut("val", photos, [0.65], ["t"])
    cut("val", photos, [0.95], ["b"])
else:
    held = ["coffee.png", "rocket.jpg"]
    cut("train", [p for p in photos if p not in held], [0.9, 0.8, 0.7, 0.55], corners)
    cut("val", held, [0.95, 0.8, 0.65], corners)
PY

dotnet artifacts/bin/ModelOpt.Cli/release/modelopt.dll optimize "$resnet" -o "$work/out.onnx" --report "$work/report.json" --no-cache \
  --prune Structured --sparsity 0.3 --quantize None --distill true --training-data "$work/train" --validation-data "$work/val" \
  --image-size 224 --image-resize Crop --preprocessor "$resnet_prep" --epochs "$epochs" --batch-size 4 \
  --accuracy-gate Warning --min-cosine-similarity 0.9 --distiller "$work/distiller" "$@" 2>&1 | grep -v '^Copy \|^    '
