#!/bin/bash
# ten minutes on natural-width data: ten3.sh ARM WIDE  (prototype env FS_WIDE)
. /work/main/.venv/bin/activate
cd /tmp/s26
arm=$1; wide=$2
FS_WIDE=$wide fontsynth train-classifier --data w400n --val-data w44v7n --preset small --max-minutes 10 --workers 0 \
   --out ten-$arm --no-progress > ten-$arm.log 2>&1
FS_WIDE=${wide/rcrop/crop} fontsynth eval-classifier ten-$arm --data w44v7n --json --no-progress > ten-$arm-eval.json
FS_WIDE=${wide/rcrop/crop} fontsynth eval-classifier ten-$arm --data v8n --json --no-progress > ten-$arm-v8n.json
python /tmp/s31/mc.py ten-$arm v8n 2 > ten-$arm-mc2.txt
echo "$arm done $(date)"
