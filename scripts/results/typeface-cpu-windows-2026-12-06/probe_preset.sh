#!/bin/bash
# 1,000 fixed steps, one thread each, side by side: the new preset on natural-width renders; the same on natural and canvas renders mixed
. /work/main/.venv/bin/activate
cd /tmp/s26
OMP_NUM_THREADS=1 fontsynth train-classifier --data w400n --val-data w44v7n --preset small --steps 1000 --workers 0 --out fp-g31w --no-progress > fp-g31w.log 2>&1 &
OMP_NUM_THREADS=1 fontsynth train-classifier --data w400n --data w400 --val-data w44v7n --preset small --steps 1000 --workers 0 --out fp-g31mix --no-progress > fp-g31mix.log 2>&1 &
wait
for arm in g31w g31mix; do for d in v8n v8; do
  OMP_NUM_THREADS=1 fontsynth eval-classifier fp-$arm --data $d --json --no-progress > fp-$arm-$d.json &
done; done; wait
for arm in g31w g31mix; do for d in v8n v8; do
  python -c "import json; e=json.load(open('fp-$arm-$d.json')); print('$arm $d', e['top1'], e['top5'], e['nn_accuracy'])"
done; done
