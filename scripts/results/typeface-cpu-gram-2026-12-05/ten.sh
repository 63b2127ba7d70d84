#!/bin/bash
# The CPU goal's command, each arm alone on the machine, one after the other: the preset now
# (the Gram head) and the preset without it ({"model": {"gram_layer": ""}}), then the evals.
. /work/main/.venv/bin/activate
cd /tmp/s24
echo '{"model": {"gram_layer": ""}}' > nogram.json
for arm in gram nogram; do
  extra=""; [ $arm = nogram ] && extra="--config nogram.json"
  fontsynth train-classifier --data /tmp/s18/w44 --val-data /tmp/s18/w44v7 --preset small --max-minutes 10 --workers 1 $extra \
     --out ten-$arm --no-progress > ten-$arm.log 2>&1
done
for arm in gram nogram; do
  fontsynth eval-classifier ten-$arm --data /tmp/s18/w44v7 --json --no-progress > ten-$arm-eval.json
  fontsynth eval-classifier ten-$arm --data /tmp/s22/c44v --json --no-progress > ten-$arm-clean.json
  python /work/main/scripts/eval_plain_pillow.py --model ten-$arm --fonts /work/main/fonts --per-font 20 --json ten-$arm-pillow.json > ten-$arm-pillow.out
done
date
