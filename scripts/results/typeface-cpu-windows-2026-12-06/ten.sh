#!/bin/bash
# the preset (wide crop) for ten minutes (MINUTES=30 for the thirty-minute run, arm w31x30) on natural-width renders, then its evaluations
. /work/main/.venv/bin/activate
cd /tmp/s26
arm=$1; data=${2:-w400n}; val=${3:-w44v7n}
fontsynth train-classifier --data $data --val-data $val --preset small --max-minutes ${MINUTES:-10} --workers 0 \
   --out ten-$arm --no-progress > ten-$arm.log 2>&1
fontsynth eval-classifier ten-$arm --data w44v7n --json --no-progress > ten-$arm-eval.json
fontsynth eval-classifier ten-$arm --data v8n --json --no-progress > ten-$arm-v8n.json
fontsynth eval-classifier ten-$arm --data v8 --json --no-progress > ten-$arm-v8.json
fontsynth eval-classifier ten-$arm --data c44v --json --no-progress > ten-$arm-clean.json
python /work/main/scripts/eval_plain_pillow.py --model ten-$arm --fonts /work/main/fonts --per-font 20 --json ten-$arm-pillow.json > ten-$arm-pillow.out
echo "$arm done $(date)"
