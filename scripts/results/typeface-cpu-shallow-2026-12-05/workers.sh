#!/bin/bash
cd /tmp/s25; . /work/main/.venv/bin/activate
for w in 0 1 2; do
  fontsynth train-classifier --data /tmp/s18/w44 --val-data /tmp/s18/w44v7 --preset small --max-minutes 1.5 --workers $w --out wk$w --no-progress > wk$w.log 2>&1
  python3 -c "import csv; r=list(csv.DictReader(open('wk$w/metrics.csv'))); print('workers $w', r[-1]['step'], r[-1]['elapsed_s'])"
done
