set -e
. /work/main/.venv/bin/activate
cd /tmp/s38
F=/tmp/fl
date
fontsynth fonts split $F/catalog.json --val 0.04 --test 0.04 --seed 0
fontsynth render --fonts $F --split train --size 32 --n 360000 --seed 0 --out wD --workers 2 --no-progress
fontsynth render --fonts $F --split train --size 32 --n 2000 --seed 99 --out wD-val --workers 2 --no-progress
fontsynth render --fonts $F --split test --size 32 --n 2000 --seed 7 --out wD-test --workers 2 --no-progress
fontsynth render --fonts $F --split test --size 32x128 --n 1000 --seed 5 --out qD-test --workers 2 --no-progress
fontsynth render --fonts $F --split train --size 32x128 --n 500 --seed 5 --out qD-train --workers 2 --no-progress
date
/usr/bin/time -v fontsynth train-classifier --data wD --val-data wD-val --preset small --steps 1402 --seed 0 --workers 1 --no-progress --out cD > cD.log 2>&1
date
for c in /tmp/x/c10-0 /tmp/s38/cD; do
  n=$(basename $c)
  fontsynth eval-classifier $c --data wD-test --json > eval-test-$n.json
  python /work/main/scripts/font_matching.py --classifier $c --fonts $F --data qD-test --by specimens --limit 1000 --out fm-test-$n.json
  date
done
fontsynth eval-classifier cD --data wD-val --json > eval-val-cD.json
python /work/main/scripts/font_matching.py --classifier cD --fonts $F --data qD-train --by classes specimens --limit 500 --out fm-train-cD.json
date
echo done
