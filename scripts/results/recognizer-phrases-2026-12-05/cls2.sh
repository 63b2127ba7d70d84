. /work/main/.venv/bin/activate
cd /tmp/s21
date
OMP_NUM_THREADS=1 fontsynth train-classifier --data /tmp/s18/w44 --val-data /tmp/s18/w44v7 --preset small --steps 3000 --workers 0 --out c-old --no-progress > c-old.log 2>&1 &
OMP_NUM_THREADS=1 fontsynth train-classifier --data w44-new --val-data w44v7-new --preset small --steps 3000 --workers 0 --out c-new --no-progress > c-new.log 2>&1 &
wait
date
for r in c-old c-new; do for d in /tmp/s18/w44v7 w44v7-new; do
  fontsynth eval-classifier $r --data $d --json --no-progress > $r-$(basename $d).json 2>/dev/null
done; done
date
