#!/bin/bash
# The recognizer's ten-minute command on default renders, each arm alone: ten.sh ARM[:CONFIG] ...
. /work/main/.venv/bin/activate
cd /tmp/s26r
for spec in "$@"; do
  IFS=: read arm cfg <<< "$spec"
  extra=""; [ -n "$cfg" ] && extra="--config $cfg"
  fontsynth train-recognizer --data rw-default --val-data rw-default-heldout --preset small --max-minutes 10 --workers 1 $extra \
     --out ten-$arm --no-progress > ten-$arm.log 2>&1
  fontsynth eval-recognizer ten-$arm --data rw-default-heldout --json --no-progress > ten-$arm-default.json
  fontsynth eval-recognizer ten-$arm --data rw-clean --json --no-progress > ten-$arm-clean.json
  echo "$arm done $(date)"
done
