. /work/main/.venv/bin/activate
cd /tmp/s21
date
fontsynth train-recognizer --data rw-new --val-data /tmp/s18/rw-default-heldout --preset small --steps 3000 --workers 1 --out r-new --no-progress > r-new.log 2>&1
date
for r in r-new /tmp/s20/r-ctl; do for d in /tmp/s18/rw-default-heldout /tmp/s18/rw-clean /tmp/s19/rwv7 rwv7-new rw-new-heldout; do
  fontsynth eval-recognizer $r --data $d --json --no-progress > $(basename $r)-$(basename $d).json 2>/dev/null
done; done
date
. /work/main/.venv/bin/activate
cd /tmp/s21
date
fontsynth train-recognizer --data rw-short --val-data /tmp/s18/rw-default-heldout --preset small --steps 3000 --workers 1 --out r-short --no-progress > r-short.log 2>&1
date
for r in r-short; do for d in /tmp/s18/rw-default-heldout /tmp/s18/rw-clean /tmp/s19/rwv7 rwv7-new rw-new-heldout rwv7-short; do
  fontsynth eval-recognizer $r --data $d --json --no-progress > $(basename $r)-$(basename $d).json 2>/dev/null
done; done
date
. /work/main/.venv/bin/activate
cd /tmp/s21
while [ $(wc -l < recB.log) -lt 3 ]; do sleep 10; done
for r in /tmp/s20/r-ctl r-new; do for d in rwv7-short; do
  fontsynth eval-recognizer $r --data $d --json --no-progress > $(basename $r)-$(basename $d).json 2>/dev/null
done; done
date
