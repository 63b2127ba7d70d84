set -e
. /work/main/.venv/bin/activate
cd /tmp/s38
F=/tmp/fl
date
for c in /tmp/x/c10-0 /tmp/s38/cD; do
  n=$(basename $c)
  fontsynth eval-classifier $c --data wD-test --json --no-progress --out eval-test-$n > eval-test-$n.json
  python /work/main/scripts/font_matching.py --classifier $c --fonts $F --data qD-test --by specimens --limit 1000 --out fm-test-$n.json
  date
done
fontsynth eval-classifier cD --data wD-val --json --no-progress > eval-val-cD.json
python /work/main/scripts/font_matching.py --classifier cD --fonts $F --data qD-train --by classes specimens --limit 500 --out fm-train-cD.json
date
echo done
