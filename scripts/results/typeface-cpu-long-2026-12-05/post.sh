. /work/main/.venv/bin/activate
cd /tmp/s22
while [ ! -f long-eval.json ] || [ ! -s long-eval.json ]; do sleep 20; done
sleep 5
fontsynth render --fonts /work/main/fonts --preset clean --n 5000 --seed 1 --size 32x128 --out c44v --no-progress
fontsynth eval-classifier long --data c44v --json > long-clean.json
python /work/main/scripts/eval_plain_pillow.py --model long --fonts /work/main/fonts --per-font 20 --json long-pillow.json > long-pillow.out
date
