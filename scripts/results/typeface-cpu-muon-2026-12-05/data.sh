cd /tmp/s26
. /work/main/.venv/bin/activate
F=/work/main/fonts
time fontsynth render --fonts $F --n 100000 --seed 0 --size 32x128 --out w44 --no-progress
fontsynth render --fonts $F --n 2000 --seed 7 --size 32x128 --out w44v7 --no-progress
fontsynth render --fonts $F --preset clean --n 5000 --seed 1 --size 32x128 --out c44v --no-progress
time fontsynth render --fonts $F --n 400000 --seed 0 --size 32x128 --out w400 --no-progress
echo DATADONE
