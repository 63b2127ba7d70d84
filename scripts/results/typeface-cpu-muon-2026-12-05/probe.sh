#!/bin/bash
# Two arms side by side on one thread each, then their evaluations: probe.sh NAME1 NAME2 (configs NAME.json in DIR; {} for the preset).
# Defaults: four minutes of the classifier on w44, evaluated on w44v7. Session 29's fixed-step probes set, for the classifier,
#   LENGTH="--steps 1000" DATA=w400 EVAL=v8 PREFIX=fp probe.sh A B
# and for the recognizer
#   KIND=recognizer DIR=/tmp/s29/rec LENGTH="--steps 4000" DATA=rwd VAL=rwh EVAL=rwh PREFIX=fp probe.sh A B
. /work/main/.venv/bin/activate
KIND=${KIND:-classifier} DATA=${DATA:-w44} VAL=${VAL:-w44v7} EVAL=${EVAL:-w44v7} PREFIX=${PREFIX:-probe}
cd ${DIR:-/tmp/s26}
for arm in "$@"; do
  OMP_NUM_THREADS=1 fontsynth train-$KIND --data $DATA --val-data $VAL --preset small ${LENGTH:---max-minutes 4} --workers 0 \
     --config $arm.json --out $PREFIX-$arm --no-progress > $PREFIX-$arm.log 2>&1 &
done
wait
for arm in "$@"; do
  OMP_NUM_THREADS=1 fontsynth eval-$KIND $PREFIX-$arm --data $EVAL --json --no-progress > $PREFIX-$arm-eval.json &
done
wait
for arm in "$@"; do
  python -c "import json,csv; e=json.load(open('$PREFIX-$arm-eval.json')); r=list(csv.DictReader(open('$PREFIX-$arm/metrics.csv')))
print('$arm', r[-1]['step'], *(e[k] for k in ('top1', 'top5', 'nn_accuracy', 'word_accuracy', 'cer') if k in e))"
done
