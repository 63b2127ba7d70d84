#!/bin/bash
# Clean renders beside the default ones: `small` (Gram preset) ten minutes on a 3:1 mixture, machine alone.
. /work/main/.venv/bin/activate
cd /tmp/s24
time fontsynth render --fonts /work/main/fonts --preset clean --n 100000 --seed 2 --size 32x128 --out c100 --no-progress
fontsynth train-classifier --data /tmp/s18/w44 --data c100 --data-weights 3,1 --val-data /tmp/s18/w44v7 --preset small --max-minutes 10 \
   --workers 1 --out ten-mix --no-progress > ten-mix.log 2>&1
fontsynth eval-classifier ten-mix --data /tmp/s18/w44v7 --json --no-progress > ten-mix-eval.json
fontsynth eval-classifier ten-mix --data /tmp/s22/c44v --json --no-progress > ten-mix-clean.json
python /work/main/scripts/eval_plain_pillow.py --model ten-mix --fonts /work/main/fonts --per-font 20 --json ten-mix-pillow.json > ten-mix-pillow.out
date
