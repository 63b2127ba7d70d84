#!/bin/bash
# The CPU goal's command, each arm alone on the machine, one after the other: the preset now
# (fused AdamW), one convolution per block with late widths 96 (sn), the same at batch 128 / lr 3e-3 (snb); then the evals.
. /work/main/.venv/bin/activate
cd /tmp/s25
for arm in ctl sn snb; do
  fontsynth train-classifier --data /tmp/s18/w44 --val-data /tmp/s18/w44v7 --preset small --max-minutes 10 --workers 1 --config $arm.json \
     --out ten-$arm --no-progress > ten-$arm.log 2>&1
done
for arm in ctl sn snb; do
  fontsynth eval-classifier ten-$arm --data /tmp/s18/w44v7 --json --no-progress > ten-$arm-eval.json
  fontsynth eval-classifier ten-$arm --data /tmp/s22/c44v --json --no-progress > ten-$arm-clean.json
  python /work/main/scripts/eval_plain_pillow.py --model ten-$arm --fonts /work/main/fonts --per-font 20 --json ten-$arm-pillow.json > ten-$arm-pillow.out
done
date
