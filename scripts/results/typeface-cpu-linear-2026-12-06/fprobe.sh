#!/bin/bash
# Fixed-step probes, two arms side by side on one thread each: fprobe.sh STEPS NAME1 NAME2 (configs NAME.json here)
# A fixed step count makes the arms' compute equal whatever the machine's speed that hour.
. /work/main/.venv/bin/activate
cd /tmp/s26
STEPS=$1; shift
for arm in "$@"; do
  OMP_NUM_THREADS=1 fontsynth train-classifier --data w400 --val-data w44v7 --preset small --steps $STEPS --workers 0 \
     --config $arm.json --out fp-$arm --no-progress > fp-$arm.log 2>&1 &
done
wait
for arm in "$@"; do
  OMP_NUM_THREADS=1 fontsynth eval-classifier fp-$arm --data v8 --json --no-progress > fp-$arm-eval.json &
done
wait
for arm in "$@"; do
  python -c "import json,csv; e=json.load(open('fp-$arm-eval.json')); r=list(csv.DictReader(open('fp-$arm/metrics.csv'))); print('$arm', r[-1]['step'], r[-1]['time_s'] if 'time_s' in r[-1] else list(r[-1].values())[1], e['top1'], e['top5'], e.get('nn_accuracy'))"
done
