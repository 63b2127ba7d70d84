# brush `small`, 10 CPU minutes each, the style vector normalised (on, the new default) or not
# (off, as before), one after the other on the 2-core CPU (2026-12-07, session 44): the protocol
# of BENCHMARKS "Ten minutes of `small` (held-out fonts)" on the embedded fonts.
set -e
. /work/main/.venv/bin/activate
mkdir -p /tmp/s44/lat && cd /tmp/s44/lat
cp -r /work/main/fonts fonts
fontsynth fonts split fonts --val 0.1 --test 0.2 --by design      # train 31, val 4, test 9 designs
R="--recipe pairs --fonts fonts --size 32x128 --no-progress"
fontsynth render $R --split train --n 20000 --out pairs-train
fontsynth render $R --split val --n 256 --seed 2 --out pairs-val
fontsynth render $R --split test --n 1000 --seed 1 --out pairs-test
echo '{"model": {"style_norm": false}}' > off.json
echo '{"model": {"style_norm": true}}' > on.json
for a in on off; do
  brush train --data pairs-train --val-data pairs-val --out run-$a --preset small --max-minutes 10 --seed 0 --workers 1 --device cpu --no-progress --config $a.json
done
for a in on off; do brush eval run-$a --data pairs-test --json --out eval-$a > eval-$a.json; done   # Tesseract 5.3.0 as judge
