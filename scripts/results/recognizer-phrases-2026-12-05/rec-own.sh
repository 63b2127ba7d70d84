. /work/main/.venv/bin/activate
cd /tmp/s21
date
fontsynth train-recognizer --data rw-new --val-data /tmp/s18/rw-default-heldout --preset small --steps 3000 --workers 1 --out r-own-new --config /tmp/s20/own.json --no-progress > r-own-new.log 2>&1
date
for r in r-own-new; do for d in /tmp/s18/rw-default-heldout /tmp/s18/rw-clean /tmp/s19/rwv7 rwv7-new rw-new-heldout; do
  fontsynth eval-recognizer $r --data $d --json --no-progress > $(basename $r)-$(basename $d).json 2>/dev/null
done; done
date
