cd /tmp/s26
. /work/main/.venv/bin/activate
F=/work/main/fonts
fontsynth render --fonts $F --n 10000 --seed 8 --out v8n --no-progress
fontsynth render --fonts $F --n 2000 --seed 7 --out w44v7n --no-progress
time fontsynth render --fonts $F --n 400000 --seed 0 --out w400n --no-progress
echo DATADONE
