. /work/main/.venv/bin/activate
cd /tmp/s21
date
fontsynth render --fonts /work/main/fonts --n 150000 --seed 0 --size 32 --out rw-new --no-progress
fontsynth render --fonts /work/main/fonts --n 1000 --seed 2 --size 32 --out rw-new-heldout --no-progress
fontsynth render --fonts /work/main/fonts --n 3000 --seed 7 --size 32 --out rwv7-new --no-progress
date
. /work/main/.venv/bin/activate
cd /tmp/s21
date
fontsynth render --fonts /work/main/fonts --n 150000 --seed 0 --size 32 --out rw-short --no-progress
fontsynth render --fonts /work/main/fonts --n 3000 --seed 7 --size 32 --out rwv7-short --no-progress
date
