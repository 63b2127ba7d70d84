# Sourced by the scripts/gpu_*.sh runs on a lent GPU machine: installs the wheels carried in
# .whl/ (lmdb, deflate, Pillow with raqm; the machine reaches no package registry), points
# Python at them and the project, and sets $fs, $cpus and $workers (loader processes).
# WHEELS= (empty) skips the wheels: a CPU dry run in the project's own environment.
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
wheels=${WHEELS-.whl}
if [ -n "$wheels" ] && ls "$wheels"/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$wheels"/*.whl || exit 1
  export PYTHONPATH=$PWD:/tmp/site
else
  export PYTHONPATH=$PWD
fi
[ -n "$wheels" ] && [ -d "$wheels/lib" ] && export LD_LIBRARY_PATH=$PWD/$wheels/lib:${LD_LIBRARY_PATH:-}  # libfribidi: Pillow's raqm layout loads it
export PYTHONUNBUFFERED=1
fs="python3 -m fontsynth.cli"
cpus=$(nproc)
workers=$((cpus > 2 ? cpus - 2 : 1))
