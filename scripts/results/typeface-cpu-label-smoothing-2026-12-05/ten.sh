. /work/main/.venv/bin/activate
cd /tmp/s19
date
fontsynth train-classifier --data /tmp/s18/w44 --val-data /tmp/s18/w44v7 --preset small --max-minutes 10 --workers 1 --out c-ls2 --config ls2cfg.json --no-progress > c-ls2.log 2>&1
date
fontsynth train-classifier --data /tmp/s18/w44 --val-data /tmp/s18/w44v7 --preset small --max-minutes 10 --workers 1 --out c-ctl --no-progress > c-ctl.log 2>&1
date
for r in c-ls2 c-ctl; do fontsynth eval-classifier $r --data /tmp/s18/w44v7 --json > $r-eval.json; done
date
