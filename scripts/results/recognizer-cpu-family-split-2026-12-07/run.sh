set -e
cd /work/main && . .venv/bin/activate
F=/tmp/fl
W=/tmp/s37/fam
# two catalogs of the same Debian scan (session 37's grouping), split by family and by design
cp $F/catalog.json $W/catalog-scan.json
for by in family design; do
  mkdir -p $W/fonts-$by
  fontsynth fonts split $W/catalog-scan.json --val 0.05 --test 0.05 --seed 0 --by $by -o $W/split-$by.json
done
echo splits-done
for by in family design; do
  cp $W/split-$by.json $F/catalog.json
  fontsynth render --fonts $F --split train --n 230000 --seed 0 --size 32x100 --out $W/d-$by --no-progress
  fontsynth render --fonts $F --split val --n 2000 --seed 5 --size 32x100 --out $W/v-$by --no-progress
  for c in default clean; do
    fontsynth render --fonts $F --split test --n 2000 --seed 7 --size 32 --preset $c --out $W/t-$by-$c --no-progress
  done
  echo renders-$by-done
  fontsynth train-recognizer --data $W/d-$by --val-data $W/v-$by --out $W/r-$by --preset small --charset $W/charset.txt \
     --max-minutes 10 --workers 1 --no-progress > $W/r-$by.log 2>&1
  echo train-$by-done
  for c in default clean; do
    fontsynth eval-recognizer $W/r-$by --data $W/t-$by-$c --json > $W/eval-r-$by-$c.json
    python scripts/eval_tesseract.py $W/t-$by-$c --limit 2000 > $W/tess-$by-$c.json
  done
  echo eval-$by-done
done
cp $W/catalog-scan.json $F/catalog.json
echo all-done
