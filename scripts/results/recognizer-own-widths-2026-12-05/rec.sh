. /work/main/.venv/bin/activate
cd /tmp/s18
date
fontsynth train-recognizer --data rw-default --val-data rw-default-heldout --preset small --steps 3000 --workers 1 --out /tmp/s20/r-own --config /tmp/s20/own.json --no-progress > /tmp/s20/r-own.log 2>&1
date
fontsynth train-recognizer --data rw-default --val-data rw-default-heldout --preset small --steps 3000 --workers 1 --out /tmp/s20/r-ctl --no-progress > /tmp/s20/r-ctl.log 2>&1
date
for r in r-own r-ctl; do for d in rw-default-heldout rw-clean /tmp/s19/rwv7; do
  fontsynth eval-recognizer /tmp/s20/$r --data $d --json --no-progress > /tmp/s20/$r-$(basename $d).json 2>/dev/null
done; done
date
