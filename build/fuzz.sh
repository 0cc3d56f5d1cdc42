#!/usr/bin/env bash
# Coverage-guided fuzzing of the ONNX reader or of the whole optimize pipeline with SharpFuzz
# and AFL++ (docs/fuzzing.md). Needs the Debian package afl++ and the SharpFuzz.CommandLine
# dotnet tool (installed into artifacts/fuzz/tools when missing).
#
#   build/fuzz.sh reader   [seconds]   fuzz OnnxModelReader and both writers (default 600 s)
#   build/fuzz.sh pipeline [seconds]   fuzz modelopt optimize (Dynamic, gate off) in process
#
# Findings land in artifacts/fuzz/<target>/findings/default/{crashes,hangs}; the run ends with a
# summary of executions, crashes and hangs from AFL++'s fuzzer_stats. A crash is reproduced with
#   dotnet artifacts/fuzz/<target>/bin/ModelOpt.Fuzzing.dll <target> <crash file>
# and, once fixed, kept in tests/data/fuzz-regressions/ (FuzzRegressionTests replays it).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-reader}"
seconds="${2:-600}"
case "$target" in reader|pipeline) ;; *) echo "usage: build/fuzz.sh reader|pipeline [seconds]" >&2; exit 2 ;; esac
command -v afl-fuzz >/dev/null || { echo "error: afl-fuzz not found; install it with: sudo apt-get install -y afl++" >&2; exit 1; }

root="$PWD/artifacts/fuzz/$target"
tools="$PWD/artifacts/fuzz/tools"
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

dotnet build tests/ModelOpt.Fuzzing -c Release -nologo -v quiet
# Seeds come from the uninstrumented build: instrumented code only runs under afl-fuzz.
rm -rf "$root/seeds"
dotnet artifacts/bin/ModelOpt.Fuzzing/release/ModelOpt.Fuzzing.dll seeds "$root/seeds"
# Instrument a copy, so the normal build outputs stay uninstrumented.
rm -rf "$root/bin"
mkdir -p "$root"
cp -r artifacts/bin/ModelOpt.Fuzzing/release "$root/bin"
for assembly in ModelOpt.Onnx ModelOpt.Core ModelOpt.Runtime ModelOpt.Engine; do
  "$tools/sharpfuzz" "$root/bin/$assembly.dll" >/dev/null
done

# Resume where an earlier run stopped ('-i -' continues the queue in findings/).
input="$root/seeds"
[ -d "$root/findings/default/queue" ] && input="-"

export AFL_SKIP_BIN_CHECK=1             # a .NET program has no AFL instrumentation of its own to detect
export AFL_NO_UI=1 AFL_QUIET=1          # plain status lines, for logs
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1
export AFL_NO_AFFINITY=1                # a shared machine: do not pin a core
timeout_ms=$([ "$target" = pipeline ] && echo 20000 || echo 5000)
set +e
afl-fuzz -V "$seconds" -i "$input" -o "$root/findings" -m none -t "$timeout_ms" \
  -- dotnet "$root/bin/ModelOpt.Fuzzing.dll" "$target"
status=$?
set -e

stats="$root/findings/default/fuzzer_stats"
[ -f "$stats" ] || { echo "error: afl-fuzz wrote no statistics (exit code $status)" >&2; exit 1; }
crashes=$(awk -F' *: *' '$1=="saved_crashes"{print $2}' "$stats")
hangs=$(awk -F' *: *' '$1=="saved_hangs"{print $2}' "$stats")
echo "fuzz $target: $(awk -F' *: *' '$1=="execs_done"{print $2}' "$stats") executions," \
  "$(awk -F' *: *' '$1=="corpus_count"{print $2}' "$stats") inputs in the corpus, $crashes crashes, $hangs hangs" \
  "($(awk -F' *: *' '$1=="run_time"{print $2}' "$stats") s of this run)"
[ "$crashes" = 0 ] && [ "$hangs" = 0 ]
