#!/usr/bin/env bash
# The GPU checks, in one prepared script for a lent CUDA machine (see benchmarks/RESULTS.md).
# Each package adds its own python script; this file only calls them. Usage, from the repo root:
#   bash benchmarks/gpu_check.sh            (PYTHON=.venv/bin/python by default)
set -u
PYTHON=${PYTHON:-.venv/bin/python}
status=0
"$PYTHON" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"

echo "== every test marked gpu: CUDA == CPU (corruptdata kernels, materialize, linfit)"
"$PYTHON" -m pytest -q -m gpu tests/ -p no:cacheprovider || status=1

echo "== corruptdata: CUDA vs CPU per corruption, pipeline with CUDA batch steps"
"$PYTHON" benchmarks/gpu_corrupt.py || status=1

echo "== corruptdata: speed on CUDA, batches of 256 and 4096"
"$PYTHON" benchmarks/bench_corrupt.py --device cuda --no-anchor --repeat 3 || status=1
"$PYTHON" benchmarks/bench_corrupt.py --device cuda --no-anchor --batch 4096 --repeat 2 || status=1
if [ -f benchmarks/gpu_linfit.py ]; then
  echo "== linfit: GPU checks"
  "$PYTHON" benchmarks/gpu_linfit.py || status=1
fi
exit $status
