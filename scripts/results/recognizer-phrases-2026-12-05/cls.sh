. /work/main/.venv/bin/activate
cd /tmp/s21
date
fontsynth render --fonts /work/main/fonts --n 100000 --seed 0 --size 32x128 --out w44-new --no-progress
fontsynth render --fonts /work/main/fonts --n 2000 --seed 7 --size 32x128 --out w44v7-new --no-progress
date
