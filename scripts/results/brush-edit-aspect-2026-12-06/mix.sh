#!/bin/bash
# brush trained on pairs of five aspects (a MOSTEL-layout folder: images stretched, content drawn for each style's aspect, as
# brush edit prepares crops) against a control on the 32x128 shards, ten minutes each, one thread each, side by side.
. /work/main/.venv/bin/activate
cd /tmp/s32
set -e
i=11
for s in 32x64 32x96 32x128 32x192 32x256; do
  fontsynth render --recipe pairs --fonts /tmp/s27/f44 --split train --n 4000 --seed $i --size $s --out tr-$s --no-progress --overwrite
  rm -rf ex-$s; fontsynth export tr-$s --out ex-$s > /dev/null
  i=$((i + 1))
done
rm -rf mix; python merge.py mix ex-32x64 ex-32x96 ex-32x128 ex-32x192 ex-32x256
date
set +e
OMP_NUM_THREADS=1 brush train --data mix --val-data /tmp/s27/pairs-val --preset small --max-minutes 10 --workers 0 --device cpu \
   --recognizer /tmp/s27/r10 --out b-mix --no-progress > b-mix.log 2>&1 &
OMP_NUM_THREADS=1 brush train --data /tmp/s27/pairs-train --val-data /tmp/s27/pairs-val --preset small --max-minutes 10 --workers 0 --device cpu \
   --recognizer /tmp/s27/r10 --out b-c32 --no-progress > b-c32.log 2>&1 &
wait
date
for model in b-mix b-c32; do for s in 32x64 32x96 32x128 32x192 32x256; do
  python aspect.py /tmp/s32/$model editor pt-$s | sed "s/^{/{\"model\": \"$model\", /"
done; done > mix.jsonl 2> mix.err
date
