set -e
. /work/main/.venv/bin/activate
cd /tmp/s38
F=/tmp/fl
date
fontsynth train-classifier --data wD --val-data wD-val --preset small --max-minutes 30 --seed 0 --workers 1 --no-progress --out cD30 > cD30.log 2>&1
date
fontsynth eval-classifier cD30 --data wD-test --json --no-progress --out eval-test-cD30 > eval-test-cD30.json
python /work/main/scripts/font_matching.py --classifier cD30 --fonts $F --data qD-test --by specimens --limit 1000 --out fm-test-cD30.json
fontsynth eval-classifier cD30 --data wD-val --json --no-progress > eval-val-cD30.json
python /work/main/scripts/font_matching.py --classifier cD30 --fonts $F --data qD-train --by classes specimens --limit 500 --out fm-train-cD30.json
date
echo done
