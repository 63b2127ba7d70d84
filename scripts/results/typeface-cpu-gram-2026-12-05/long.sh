#!/bin/bash
# How far the Gram head goes: `small` for 30 minutes on 400,000 default renders (session 22's w400), machine alone.
. /work/main/.venv/bin/activate
cd /tmp/s24
fontsynth train-classifier --data /tmp/s22/w400 --val-data /tmp/s22/v7 --preset small --max-minutes 30 --workers 1 \
   --out long30 --no-progress > long30.log 2>&1
fontsynth eval-classifier long30 --data /tmp/s22/v7 --json --no-progress > long30-eval.json
fontsynth eval-classifier long30 --data /tmp/s22/c44v --json --no-progress > long30-clean.json
python /work/main/scripts/eval_plain_pillow.py --model long30 --fonts /work/main/fonts --per-font 20 --json long30-pillow.json > long30-pillow.out
date
