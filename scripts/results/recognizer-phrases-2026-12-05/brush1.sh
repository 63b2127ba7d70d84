. /work/main/.venv/bin/activate
cd /tmp/s21
date

date
OMP_NUM_THREADS=1 brush train --data /tmp/s18/pairs-train --val-data /tmp/s18/pairs-val --preset small --steps 800 --workers 1 --device cpu --recognizer /tmp/s18/r10 --seed 1 --out b-old1 --no-progress > b-old1.log 2>&1 &
OMP_NUM_THREADS=1 brush train --data pairs-train-v3 --val-data /tmp/s18/pairs-val --preset small --steps 800 --workers 1 --device cpu --recognizer /tmp/s18/r10 --seed 1 --out b-new1 --no-progress > b-new1.log 2>&1 &
wait
date
OMP_NUM_THREADS=1 brush eval b-old1 --data /tmp/s18/pairs-test --limit 500 --json --no-progress > b-old1-eval.json 2> b-old1-eval.log &
OMP_NUM_THREADS=1 brush eval b-new1 --data /tmp/s18/pairs-test --limit 500 --json --no-progress > b-new1-eval.json 2> b-new1-eval.log &
wait
date
