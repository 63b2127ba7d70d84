. /work/main/.venv/bin/activate
cd /tmp/s21
date
fontsynth render --recipe pairs --fonts /tmp/s18/f44 --split train --n 20000 --size 32x128 --out pairs-train-v3 --no-progress
date
OMP_NUM_THREADS=1 brush train --data /tmp/s18/pairs-train --val-data /tmp/s18/pairs-val --preset small --steps 800 --workers 1 --device cpu --recognizer /tmp/s18/r10 --out b-old --no-progress > b-old.log 2>&1 &
OMP_NUM_THREADS=1 brush train --data pairs-train-v3 --val-data /tmp/s18/pairs-val --preset small --steps 800 --workers 1 --device cpu --recognizer /tmp/s18/r10 --out b-new --no-progress > b-new.log 2>&1 &
wait
date
OMP_NUM_THREADS=1 brush eval b-old --data /tmp/s18/pairs-test --limit 500 --json --no-progress > b-old-eval.json 2> b-old-eval.log &
OMP_NUM_THREADS=1 brush eval b-new --data /tmp/s18/pairs-test --limit 500 --json --no-progress > b-new-eval.json 2> b-new-eval.log &
wait
date
