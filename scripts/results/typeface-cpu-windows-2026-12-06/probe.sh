#!/bin/bash
# Arms side by side, one thread each: p.sh NAME:DATA:VAL:EVAL:WIDE[:CONFIG] ...   (1,000 steps of small; WIDE squeeze|crop)
. /work/main/.venv/bin/activate
cd /tmp/s26
STEPS=${STEPS:-1000}
for spec in "$@"; do
  IFS=: read arm data val ev wide cfg <<< "$spec"
  extra=""; [ -n "$cfg" ] && extra="--config $cfg"
  FS_WIDE=$wide OMP_NUM_THREADS=1 fontsynth train-classifier --data $data --val-data $val --preset small --steps $STEPS --workers 0 \
     $extra --out s31-$arm --no-progress > s31-$arm.log 2>&1 &
done
wait
for spec in "$@"; do
  IFS=: read arm data val ev wide cfg <<< "$spec"
  FS_WIDE=${wide/rcrop/crop} OMP_NUM_THREADS=1 fontsynth eval-classifier s31-$arm --data $ev --json --no-progress > s31-$arm-eval.json &
done
wait
for spec in "$@"; do
  IFS=: read arm data val ev wide cfg <<< "$spec"
  python -c "import json,csv; e=json.load(open('s31-$arm-eval.json')); r=list(csv.DictReader(open('s31-$arm/metrics.csv')))
print('$arm', r[-1]['step'], *(e[k] for k in ('top1', 'top5', 'nn_accuracy')), e['by_effect']['length'])"
done
