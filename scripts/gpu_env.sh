# Sourced by the scripts/gpu_*.sh runs on a lent GPU machine: installs the wheels carried in
# .whl/ (lmdb, deflate, Pillow with raqm; the machine reaches no package registry), points
# Python at them and the project, and sets $fs, $cpus and $workers (loader processes).
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=$PWD:/tmp/site
else
  export PYTHONPATH=$PWD
fi
[ -d .whl/lib ] && export LD_LIBRARY_PATH=$PWD/.whl/lib:${LD_LIBRARY_PATH:-}  # libfribidi: Pillow's raqm layout loads it
export PYTHONUNBUFFERED=1
fs="python3 -m fontsynth.cli"
cpus=$(nproc)
workers=$((cpus > 2 ? cpus - 2 : 1))
