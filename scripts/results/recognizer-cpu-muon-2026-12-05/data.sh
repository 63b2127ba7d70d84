. /work/main/.venv/bin/activate
cd /tmp/s26r
F=/work/main/fonts
time fontsynth render --fonts $F --n 150000 --seed 0 --size 32 --out rw-default --no-progress
fontsynth render --fonts $F --n 1000 --seed 2 --size 32 --out rw-default-heldout --no-progress
echo DATADONE
