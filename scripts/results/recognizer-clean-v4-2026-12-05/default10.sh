. /work/main/.venv/bin/activate
cd /tmp/s22
date
fontsynth render --fonts /work/main/fonts --n 150000 --seed 0 --size 32 --out rw-default --no-progress > rw-default-render.log 2>&1
date
fontsynth train-recognizer --data rw-default --val-data /tmp/s18/rw-default-heldout --preset small --max-minutes 10 --workers 1 --out r-default --no-progress > r-default.log 2>&1
date
for d in /tmp/s18/rw-default-heldout /tmp/s18/rw-clean /tmp/s19/rwv7; do n=$(basename $d)
  fontsynth eval-recognizer r-default --data $d --json --no-progress --out r-default/eval-own-$n > r-default-own-$n.json
  fontsynth eval-recognizer r-default --data $d --json --no-progress --fixed-width --out r-default/eval-fixed-$n > r-default-fixed-$n.json
done
date
