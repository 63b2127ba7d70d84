. /work/main/.venv/bin/activate
cd /tmp/s19
date
fontsynth train-classifier --data /tmp/s18/w44 --val-data /tmp/s18/w44v7 --preset small --max-minutes 10 --out c-w2 --no-progress > c-w2.log 2>&1
date
fontsynth eval-classifier c-w2 --data /tmp/s18/w44v7 --json > c-w2-eval.json
date
