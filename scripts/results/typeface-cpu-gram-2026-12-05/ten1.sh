#!/bin/bash
# The preset now (Gram head) again, seed 1: how far ten-minute runs vary
. /work/main/.venv/bin/activate
cd /tmp/s24
fontsynth train-classifier --data /tmp/s18/w44 --val-data /tmp/s18/w44v7 --preset small --max-minutes 10 --workers 1 --seed 1 \
   --out ten-gram-s1 --no-progress > ten-gram-s1.log 2>&1
fontsynth eval-classifier ten-gram-s1 --data /tmp/s18/w44v7 --json --no-progress > ten-gram-s1-eval.json
date
