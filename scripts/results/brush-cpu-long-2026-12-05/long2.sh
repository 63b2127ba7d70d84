. /work/main/.venv/bin/activate
cd /tmp/s23
OMP_NUM_THREADS=1 brush train --data pairs-train-v4 --val-data /tmp/s18/pairs-val --preset small --steps 6000 --workers 1 --device cpu --recognizer /tmp/s18/r10 --config jw0.json --out c-jw0 --no-progress > c-jw0.log 2>&1 &
OMP_NUM_THREADS=1 brush train --data pairs-train-v4 --val-data /tmp/s18/pairs-val --preset small --steps 6000 --workers 1 --device cpu --recognizer /tmp/s18/r10 --out b-jw --no-progress > b-jw.log 2>&1
date
OMP_NUM_THREADS=1 brush eval b-jw --data /tmp/s18/pairs-test --json --no-progress --workers 2 > b-jw-eval.json 2> b-jw-eval.log
date
