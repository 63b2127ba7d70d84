#!/bin/bash
# control (the preset, 5 Newton-Schulz steps, /work/main) beside 3 steps (/tmp/ci with NEWTON_SCHULZ_STEPS = 3), 4 one-thread minutes each
cd /tmp/s26
OMP_NUM_THREADS=1 /work/main/.venv/bin/fontsynth train-classifier --data w44 --val-data w44v7 --preset small --max-minutes 4 --workers 0 \
   --out probe-ns5 --no-progress > probe-ns5.log 2>&1 &
OMP_NUM_THREADS=1 /tmp/ci/.venv/bin/fontsynth train-classifier --data w44 --val-data w44v7 --preset small --max-minutes 4 --workers 0 \
   --out probe-ns3 --no-progress > probe-ns3.log 2>&1 &
wait
for arm in ns5 ns3; do
  OMP_NUM_THREADS=1 /work/main/.venv/bin/fontsynth eval-classifier probe-$arm --data w44v7 --json --no-progress > probe-$arm-eval.json &
done
wait
for arm in ns5 ns3; do
  /work/main/.venv/bin/python -c "import json,csv; e=json.load(open('probe-$arm-eval.json')); r=list(csv.DictReader(open('probe-$arm/metrics.csv'))); print('$arm', r[-1]['step'], e['top1'], e['top5'], e.get('nn_accuracy'))"
done
