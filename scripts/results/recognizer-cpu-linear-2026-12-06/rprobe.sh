#!/bin/bash
# Fixed-step recognizer probes, two arms side by side on one thread each: rprobe.sh STEPS NAME1 NAME2 (configs NAME.json here)
. /work/main/.venv/bin/activate
cd /tmp/s29/rec
STEPS=$1; shift
for arm in "$@"; do
  OMP_NUM_THREADS=1 fontsynth train-recognizer --data rwd --val-data rwh --preset small --steps $STEPS --workers 0 \
     --config $arm.json --out fp-$arm --no-progress > fp-$arm.log 2>&1 &
done
wait
for arm in "$@"; do
  OMP_NUM_THREADS=1 fontsynth eval-recognizer fp-$arm --data rwh --json --no-progress > fp-$arm-eval.json &
done
wait
for arm in "$@"; do
  python -c "import json; e=json.load(open('fp-$arm-eval.json')); print('$arm', e['word_accuracy'], e['cer'], e['n'])"
done
