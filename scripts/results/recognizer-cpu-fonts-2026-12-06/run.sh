set -e
cd /work/main && . .venv/bin/activate
L=/tmp/fl/fonts-large
# training shards: 230,000 default-effects words each, height 32 natural width (as r10's on-the-fly stream), train-split fonts
fontsynth render --fonts /tmp/s27/f44 --split train --n 230000 --seed 0 --size 32x100 --out /tmp/fx/d44 --no-progress
fontsynth render --fonts $L --split train --n 230000 --seed 0 --size 32x100 --out /tmp/fx/dL --no-progress
# validation: 2,000 of val fonts each
fontsynth render --fonts /tmp/s27/f44 --split val --n 2000 --seed 5 --size 32x100 --out /tmp/fx/v44 --no-progress
fontsynth render --fonts $L --split val --n 2000 --seed 5 --size 32x100 --out /tmp/fx/vL --no-progress
# test: held-out fonts of both catalogs, default and clean
for c in default clean; do
  fontsynth render --fonts /tmp/s27/f44 --split test --n 2000 --seed 7 --size 32 --preset $c --out /tmp/fx/t44-$c --no-progress
  fontsynth render --fonts $L --split test --n 2000 --seed 7 --size 32 --preset $c --out /tmp/fx/tL-$c --no-progress
done
echo renders-done
for arm in 44 L; do
  fontsynth train-recognizer --data /tmp/fx/d$arm --val-data /tmp/fx/v$arm --out /tmp/fx/r$arm --preset small --charset /tmp/fx/charset.txt \
     --max-minutes 10 --workers 1 --no-progress > /tmp/fx/r$arm.log 2>&1
done
echo train-done
