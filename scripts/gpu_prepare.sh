#!/usr/bin/env bash
# What a lent GPU machine needs and cannot fetch, prepared here before any device time is spent:
#   bash scripts/gpu_prepare.sh PACK
# - .whl/: wheels of lmdb and deflate for the machine's Python 3.12 (its image has the other
#   packages), and .whl/lib/libfribidi.so.0, which Pillow's raqm layout loads (render kerns by
#   default); scripts/gpu_env.sh installs them.
# - .gpu/: PACK cut into parts, with PACK's sha256. What one call sends (the tracked tree, about
#   30 MB with scripts/results, plus what it carries) may not pass 64 MiB, and a pack of 2,500
#   fonts is about 40 MB; so each part travels in its own call, chained at once (the machine
#   goes back 30 s after a call), and scripts/gpu_env.sh keeps the parts in /tmp/gpu-parts and
#   joins them into /tmp/gpu.pack when all have come (checked against the sha256).
# Both folders are ignored by git. It prints the calls to make: the first parts in calls of
# their own (`source scripts/gpu_env.sh` alone), the last with the first phase of a GPU script.
set -euo pipefail
pack=$1
PART=${PART:-24M}  # split's size of a part
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
tree_bytes=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)

rm -rf .whl .gpu
mkdir -p .whl/lib .gpu
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d .whl "lmdb>=1.4" "deflate>=0.7"
cp -L "$(ldconfig -p | awk '/libfribidi.so.0 /{print $NF; exit}')" .whl/lib/libfribidi.so.0

sha256sum "$pack" | cut -d' ' -f1 > .gpu/pack.sha256
split -b "$PART" -d "$pack" .gpu/part-
parts=(.gpu/part-*)
echo "${#parts[@]}" > .gpu/parts
echo "tree $(mb "$tree_bytes"), wheels $(mb "$(du -cb .whl | tail -1 | cut -f1)"), pack $(mb "$(stat -c %s "$pack")")" \
  "in ${#parts[@]} parts of at most $PART"
for k in "${!parts[@]}"; do
  part=${parts[$k]}
  if [ "$k" -lt $((${#parts[@]} - 1)) ]; then
    echo "call $((k + 1)): carry [\".whl\", \"$part\", \".gpu/pack.sha256\", \".gpu/parts\"], command: source scripts/gpu_env.sh"
  else
    echo "call $((k + 1)) (at once): carry [\"$part\", \".gpu/pack.sha256\", \".gpu/parts\"], command: bash scripts/gpu_typeface.sh start /tmp/gpu.pack MINUTES"
  fi
done
