#!/bin/bash
# usage: probe.sh NAME [NAME2]: four one-thread minutes each, side by side, then eval on w44v7
cd /tmp/s24; . /work/main/.venv/bin/activate
for n in "$@"; do [ $n = cov ] && export GRAM_CENTRE=1 || unset GRAM_CENTRE
  (OMP_NUM_THREADS=1 fontsynth train-classifier --data /tmp/s18/w44 --val-data /tmp/s18/w44v7 --preset small --max-minutes 4 --workers 0 \
     --config $n.json --out p-$n --no-progress > p-$n.log 2>&1;
   OMP_NUM_THREADS=1 fontsynth eval-classifier p-$n --data /tmp/s18/w44v7 --json --no-progress > p-$n-eval.json 2>p-$n-eval.log) &
done
wait
for n in "$@"; do python3 -c "import json,sys; r=json.load(open('p-$n-eval.json')); import csv; rows=list(csv.DictReader(open('p-$n/metrics.csv'))); print('$n', rows[-1]['step'], r['top1'], r['top5'], r.get('nearest_neighbour'))"; done
