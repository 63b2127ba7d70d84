#!/bin/bash
# Four one-thread minutes each, two recognizer arms side by side: probe.sh NAME1 NAME2 (configs NAME.json here)
. /work/main/.venv/bin/activate
cd /tmp/s26r
for arm in "$@"; do
  OMP_NUM_THREADS=1 fontsynth train-recognizer --data rw-default --val-data rw-default-heldout --preset small --max-minutes 4 --workers 0 \
     --config $arm.json --out probe-$arm --no-progress > probe-$arm.log 2>&1 &
done
wait
for arm in "$@"; do
  OMP_NUM_THREADS=1 fontsynth eval-recognizer probe-$arm --data rw-default-heldout --json --no-progress --workers 0 > probe-$arm-eval.json &
done
wait
for arm in "$@"; do
  python -c "import json,csv; e=json.load(open('probe-$arm-eval.json')); r=list(csv.DictReader(open('probe-$arm/metrics.csv'))); print('$arm', r[-1]['step'], e['word_accuracy'], e['cer'])"
done
