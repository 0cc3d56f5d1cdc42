#!/usr/bin/env bash
# What the cache saves: `modelopt optimize` on ResNet18 (64 MB, default Recommended = data-free
# Static, the gate, latency) computed, then the same job from each tier: the per-user folder,
# a shared folder, and a remote HTTP cache (Debian's nginx with WebDAV, on 127.0.0.1). Each
# figure is the worker process's wall time, start to exit; the ratios are against the computed
# run of the same invocation of this script. Needs nginx (apt-get install nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx_bin" ] || { echo "error: needs nginx: sudo apt-get install -y nginx-light" >&2; exit 1; }
dotnet build src/ModelOpt.Cli -c Release -nologo -v:q >/dev/null
worker=artifacts/bin/ModelOpt.Cli/release/modelopt.dll
model=$(ls ~/.nuget/packages/microsoft.ml.dnnimagefeaturizer.resnet18/*/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx | head -1)
scratch=$(mktemp -d)
trap 'kill "$nginx_pid" 2>/dev/null || true; rm -rf "$scratch"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$scratch/nginx/data"
user=""; [ "$(id -u)" -eq 0 ] && user="user root;"
cat > "$scratch/nginx/nginx.conf" <<CONF
$user
daemon off;
pid $scratch/nginx/nginx.pid;
error_log $scratch/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $scratch/nginx/body;
  server {
    listen 127.0.0.1:$port;
    root $scratch/nginx/data;
    location / { dav_methods PUT; create_full_put_path on; client_max_body_size 0; }
  }
}
CONF
"$nginx_bin" -p "$scratch/nginx" -c "$scratch/nginx/nginx.conf" & nginx_pid=$!
sleep 1

run() { # label, then modelopt options; prints seconds
  local start end
  start=$(date +%s.%N)
  dotnet exec "$worker" optimize "$model" -o "$scratch/out-$1.onnx" "${@:2}" >"$scratch/$1.log" 2>&1
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.2f}')"
}
remote="http://127.0.0.1:$port/"
computed=$(run computed --local-cache-dir "$scratch/local" --cache-dir "$scratch/shared" --remote-cache "$remote")
local_hit=$(run local --local-cache-dir "$scratch/local")
shared_hit=$(run shared --local-cache-dir "$scratch/local-2" --cache-dir "$scratch/shared")
remote_hit=$(run remote --local-cache-dir "$scratch/local-3" --remote-cache "$remote")
for tier in local shared remote; do
  cmp -s "$scratch/out-computed.onnx" "$scratch/out-$tier.onnx" || { echo "error: the $tier hit's model differs" >&2; exit 1; }
  grep -q "from the $tier cache" "$scratch/$tier.log" || { echo "error: no $tier hit:" >&2; cat "$scratch/$tier.log" >&2; exit 1; }
done
echo "ResNet18, modelopt optimize (defaults), wall time of the worker process, $(nproc) cores:"
printf '  %-28s %7s s\n' "computed (and stored)" "$computed"
for tier in local shared remote; do
  seconds=$(eval echo "\$${tier}_hit")
  printf '  %-28s %7s s   x%s of computed\n' "from the $tier cache" "$seconds" "$(python3 -c "print(f'{$seconds / $computed:.3f}')")"
done
echo "  every hit's model byte-identical to the computed one"
