#!/usr/bin/env bash
# One call on the lent GPU machine (device tool): build the CUDA extension,
# run the gpu tests, run benchmarks/gpu.py; logs under $OUT.
#   benchmarks/gpu.sh [quick|full] [pytest -k expression]
# The device's image has nvcc, CMake, ninja, nanobind, scikit-build-core,
# CuPy, torch and the NVIDIA cuBLAS/cuSOLVER/cuSPARSE wheels (Python 3.12).
# Measured on an H100 (2026-11-27): build 25-34 s (sm_90 only), the gpu
# tests 92-99 s (326 of them), benchmark sections dense 15 s, completion
# 14-21 s; a machine start costs ~35 s of device time.
#   TEST_TIMEOUT, BENCH_TIMEOUT  caps (s) on the two phases
#   GPU_ONLY=dense,completion,... sections of benchmarks/gpu.py, in order
#   GPU_QUICK_AREAS=weighted      areas run in their quick mode
#   EXTRA="python3 benchmarks/gpu_trace.py"  a command run after the build, before the tests
set -o pipefail
MODE=${1:-full}
KEXPR=${2:-}
OUT=${OUT:-/tmp/linalg-gpu-out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
PY=python3
{ date -u; nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv; nproc; } \
  2>&1 | tee "$OUT/machine.txt"
t0=$(date +%s)
# Editable install, so pytest in the source tree imports the built _core.
$PY -m pip install --no-build-isolation --no-deps -e . \
  -Cbuild-dir=build/gpu -Ccmake.define.LINALG_ENABLE_CUDA=ON \
  -Ccmake.define.LINALG_CUDA_ARCHITECTURES=90 -Ccmake.build-type=Release \
  -Cbuild.tool-args=-j16 > "$OUT/build.log" 2>&1
rc=$?
echo "build rc=$rc in $(( $(date +%s) - t0 )) s"
if [ $rc -ne 0 ]; then tail -60 "$OUT/build.log"; exit $rc; fi
$PY -c "import linalg; from linalg import _device; print(_device.device_info())" 2>&1 | tee -a "$OUT/machine.txt"
if [ -n "$EXTRA" ]; then  # a diagnosis command run between the build and the tests
  timeout ${EXTRA_TIMEOUT:-150} bash -c "$EXTRA" 2>&1 | tee "$OUT/extra.log" | tail -70
fi
t1=$(date +%s)
timeout ${TEST_TIMEOUT:-600} $PY -m pytest -q -p no:cacheprovider -m gpu --maxfail=40 --timeout=90 ${KEXPR:+-k "$KEXPR"} tests/ 2>&1 \
  | tee "$OUT/gpu-tests.log" | tail -40
echo "gpu tests in $(( $(date +%s) - t1 )) s"
t2=$(date +%s)
if [ "$MODE" = "quick" ]; then Q=--quick; else Q=; fi
if [ "$MODE" != "tests" ]; then
  timeout ${BENCH_TIMEOUT:-420} $PY benchmarks/gpu.py $Q --out "$OUT/gpu-section.md" ${GPU_ONLY:+--only $GPU_ONLY} \
    ${GPU_QUICK_AREAS:+--quick-areas $GPU_QUICK_AREAS} 2>&1 | tee "$OUT/gpu-bench.log" | tail -45
  echo "benchmark in $(( $(date +%s) - t2 )) s"
fi
