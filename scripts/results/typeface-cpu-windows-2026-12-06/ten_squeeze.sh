#!/bin/bash
. /work/main/.venv/bin/activate
cd /tmp/s26
arm=sq31
fontsynth train-classifier --data w400n --val-data w44v7n --preset small --max-minutes 10 --workers 0 --config sq.json \
   --out ten-$arm --no-progress > ten-$arm.log 2>&1
fontsynth eval-classifier ten-$arm --data w44v7n --json --no-progress > ten-$arm-eval.json
fontsynth eval-classifier ten-$arm --data v8n --json --no-progress > ten-$arm-v8n.json
fontsynth eval-classifier ten-$arm --data c44vn --json --no-progress > ten-$arm-cleann.json
python /work/main/scripts/eval_plain_pillow.py --model ten-$arm --fonts /work/main/fonts --per-font 20 --json ten-$arm-pillow.json > ten-$arm-pillow.out
fontsynth eval-classifier ten-w31 --data c44vn --json --no-progress > ten-w31-cleann.json
echo "$arm done $(date)"
