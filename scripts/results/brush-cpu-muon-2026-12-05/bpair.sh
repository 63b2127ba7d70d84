#!/bin/bash
# Two brush arms side by side, one thread each, 10 minutes, then brush eval on 500 held-out pairs: bpair.sh NAME1 NAME2 (configs NAME.json)
. /work/main/.venv/bin/activate
cd /tmp/s27
for arm in "$@"; do
  OMP_NUM_THREADS=1 brush train --data pairs-train --val-data pairs-val --preset small --max-minutes 10 --workers 0 --device cpu \
     --recognizer r10 --config $arm.json --out b-$arm --no-progress > b-$arm.log 2>&1 &
done
wait
date
for arm in "$@"; do
  OMP_NUM_THREADS=1 brush eval b-$arm --data pairs-test --limit 500 --json --no-progress > b-$arm-eval.json 2> b-$arm-eval.log &
done
wait
date
for arm in "$@"; do
  python -c "import json,csv; e=json.load(open('b-$arm-eval.json')); r=list(csv.DictReader(open('b-$arm/metrics.csv'))); print('$arm', r[-1]['step'], {k: e[k] for k in ('psnr','ms_ssim','rec_acc','mse')}, {k: v for k, v in e.items() if 'tess' in k or 'contrast' in k or 'iou' in k})"
done
