#!/bin/bash
# Four one-thread minutes each, two arms side by side: probe.sh NAME1 NAME2 (configs NAME.json here; {} for the preset)
. /work/main/.venv/bin/activate
cd /tmp/s26
for arm in "$@"; do
  OMP_NUM_THREADS=1 fontsynth train-classifier --data w44 --val-data w44v7 --preset small --max-minutes 4 --workers 0 \
     --config $arm.json --out probe-$arm --no-progress > probe-$arm.log 2>&1 &
done
wait
for arm in "$@"; do
  OMP_NUM_THREADS=1 fontsynth eval-classifier probe-$arm --data w44v7 --json --no-progress > probe-$arm-eval.json &
done
wait
for arm in "$@"; do
  python -c "import json,csv,sys; e=json.load(open('probe-$arm-eval.json')); r=list(csv.DictReader(open('probe-$arm/metrics.csv'))); print('$arm', r[-1]['step'], e['top1'], e['top5'], e.get('nn_accuracy'))"
done
