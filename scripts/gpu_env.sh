# Sourced by the scripts/gpu_*.sh runs on a lent GPU machine: installs the wheels carried in
# .whl/ (lmdb, deflate; the machine reaches no package registry; scripts/gpu_prepare.sh makes
# them), points Python at them and the project, joins a font pack that came in parts (below),
# and sets $fs, $cpus and $workers (loader processes).
# WHEELS= (empty) skips the wheels: a CPU dry run in the project's own environment.
# A pack too large to travel beside the tree in one call comes in parts (.gpu/part-NN, with
# .gpu/pack.sha256 and .gpu/parts: gpu_prepare.sh), one call each: every call's parts are kept in
# $PARTS (the machine keeps /tmp while it stays warm) and joined into $PACK once all are there.
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
wheels=${WHEELS-.whl}
site=${SITE:-/tmp/site}
if [ -n "$wheels" ] && ls "$wheels"/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" "$wheels"/*.whl || exit 1
  [ -d "$wheels/lib" ] && mkdir -p "$site/lib" && cp "$wheels"/lib/* "$site/lib/"
fi
if [ -n "$wheels" ] && [ -d "$site" ]; then  # installed by this call or an earlier one on the same machine
  export PYTHONPATH=$PWD:$site
  [ -d "$site/lib" ] && export LD_LIBRARY_PATH=$site/lib:${LD_LIBRARY_PATH:-}  # libfribidi: Pillow's raqm layout loads it
else
  export PYTHONPATH=$PWD
fi
PARTS=${PARTS:-/tmp/gpu-parts} PACK=${PACK:-/tmp/gpu.pack}
if ls .gpu/part-* >/dev/null 2>&1; then
  mkdir -p "$PARTS" && cp .gpu/part-* .gpu/pack.sha256 .gpu/parts "$PARTS/"
fi
if [ ! -f "$PACK" ] && [ -f "$PARTS/parts" ]; then
  have=$(ls "$PARTS"/part-* | wc -l) need=$(cat "$PARTS/parts")
  if [ "$have" -eq "$need" ]; then
    cat "$PARTS"/part-* > "$PACK.tmp"
    if [ "$(sha256sum "$PACK.tmp" | cut -d' ' -f1)" = "$(cat "$PARTS/pack.sha256")" ]; then
      mv "$PACK.tmp" "$PACK" && echo "pack: $need parts joined into $PACK"
    else
      rm -f "$PACK.tmp" && echo "pack: the $need parts do not join into the pack prepared (sha256 differs); prepare and carry them again"
    fi
  else
    echo "pack: $have of $need parts here ($(cd "$PARTS" && ls part-* | tr '\n' ' ')); carry the others, one call each"
  fi
fi
export PYTHONUNBUFFERED=1
fs="python3 -m fontsynth.cli"
cpus=$(nproc)
workers=$((cpus > 2 ? cpus - 2 : 1))
