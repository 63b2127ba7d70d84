cd /tmp/x && . /work/main/.venv/bin/activate
for arm in base ink; do
  run=/tmp/s40/c-$arm
  for d in line ink; do
    fontsynth eval-classifier $run --data /tmp/s40/ev-$d --json --workers 1 --device cpu --no-progress --out /tmp/s40/e-$arm-$d 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print('$arm ours-$d', round(d['top1']*100,1), round(d['top5']*100,1), d['n'])"
  done
  for r in pillow hb-view; do for f in tight line; do for s in 0 1; do
    python /work/main/scripts/eval_plain_pillow.py --model $run --fonts f44 --per-font 40 --renderer $r --framing $f --seed $s --device cpu 2>/dev/null | tail -1 | python3 -c "import json,sys; d=json.load(sys.stdin); print('$arm $r-$f seed $s', round(d['top1']*100,1), round(d['top5']*100,1), d['n'])"
  done; done; done
done
echo EVALDONE
