set -e
. /work/main/.venv/bin/activate
cd /tmp/s22
date
fontsynth render --fonts /work/main/fonts --n 400000 --seed 0 --size 32x128 --out w400 --no-progress
fontsynth render --fonts /work/main/fonts --n 2000 --seed 7 --size 32x128 --out v7 --no-progress
date
OMP_NUM_THREADS=1 fontsynth train-classifier --data w400 --val-data v7 --preset small --steps 40000 --workers 1 --out long --no-progress
date
fontsynth eval-classifier long --data v7 --json > long-eval.json
date
