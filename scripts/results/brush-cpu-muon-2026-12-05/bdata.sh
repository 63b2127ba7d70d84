#!/bin/bash
# brush data of the session-20 sections, made again: split copy of fonts/, pairs 32x128, r10 recognizer (10 min, held-out stream)
. /work/main/.venv/bin/activate
cd /tmp/s27
set -e
rm -rf f44 && cp -r /work/main/fonts f44
fontsynth fonts split f44/catalog.json --val 0.1 --test 0.2
fontsynth render --recipe pairs --fonts f44 --split train --n 20000 --size 32x128 --out pairs-train --no-progress
fontsynth render --recipe pairs --fonts f44 --split val --n 256 --seed 2 --size 32x128 --out pairs-val --no-progress
fontsynth render --recipe pairs --fonts f44 --split test --n 1000 --seed 1 --size 32x128 --out pairs-test --no-progress
date
fontsynth train-recognizer --fonts f44 --on-the-fly --split train --preset small --max-minutes 10 --workers 1 --out r10 --no-progress > r10.log 2>&1
date
