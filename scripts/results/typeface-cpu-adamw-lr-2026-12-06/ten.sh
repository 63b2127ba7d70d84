#!/bin/bash
# The CPU goal's command, each arm alone on the machine, one after the other, then the three evals.
# usage: ten.sh MINUTES ARM:DATA[:CONFIG] ...
. /work/main/.venv/bin/activate
cd /tmp/s26
MIN=$1; shift
for spec in "$@"; do
  IFS=: read arm data cfg <<< "$spec"
  extra=""; [ -n "$cfg" ] && extra="--config $cfg"
  fontsynth train-classifier --data $data --val-data w44v7 --preset small --max-minutes $MIN --workers ${WORKERS:-1} $extra \
     --out ten-$arm --no-progress > ten-$arm.log 2>&1
  fontsynth eval-classifier ten-$arm --data w44v7 --json --no-progress > ten-$arm-eval.json
  fontsynth eval-classifier ten-$arm --data c44v --json --no-progress > ten-$arm-clean.json
  python /work/main/scripts/eval_plain_pillow.py --model ten-$arm --fonts /work/main/fonts --per-font 20 --json ten-$arm-pillow.json > ten-$arm-pillow.out
  echo "$arm done $(date)"
done
