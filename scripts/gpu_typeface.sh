#!/usr/bin/env bash
# The typeface classifier's GPU benchmark and training run, in three phases that fit a lent GPU
# machine's 10-minute commands (BENCHMARKS.md records what they printed):
#   bash scripts/gpu_typeface.sh start PACK MINUTES   smoke test, model and loader throughput, then
#                                                     start the long run in the background (setsid)
#   bash scripts/gpu_typeface.sh wait SECONDS         follow the run; copy metrics and curves to $OUT
#   bash scripts/gpu_typeface.sh eval PACK            held-out renders, held-out fonts, plain Pillow
# Needs: python3 with torch; lmdb and deflate wheels in .whl/ when the machine lacks them, and PACK:
# `bash scripts/gpu_prepare.sh PACK` makes both and says which calls carry them (a pack of 2,500
# fonts travels in parts beside the 30 MB tree; they are joined into /tmp/gpu.pack).
# MODEL: model overrides as JSON for the long run, e.g. '{"gram_layers": ["relu3_1"]}' (the Gram head
# that `small` gained on the CPU, BENCHMARKS.md session 24; `vgg16` has none until a GPU run measures it).
# RENDER: the long run's render config over the default preset (default: none; since sample version 5
# the preset boxes a third of the words at their ink, BENCHMARKS.md sessions 40-41).
set -uo pipefail
phase=$1
RUN=${RUN:-/tmp/typeface}
source scripts/gpu_env.sh

case $phase in
start)
  pack=$2 minutes=$3
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  echo "cpus $cpus, loader workers $workers"
  $fs train-classifier --fonts "$pack" --on-the-fly --split train --preset smoke --steps 40 --out /tmp/smoke \
      --no-progress --device auto --workers "$workers" || exit 1
  for args in "" "--compile" "--no-channels-last" "--no-bf16 --no-channels-last"; do
    python3 scripts/bench_classifier.py model --preset vgg16 --batch-size 256 --steps 30 $args
  done
  python3 scripts/bench_classifier.py loader --preset vgg16 --fonts "$pack" --workers "$workers" --batch-size 256 --steps 40
  echo "{\"model\": ${MODEL:-{\}}, \"data\": {\"val_samples\": 5000}, \"train\": {\"val_every\": 1000, \"checkpoint_every\": 1000, \"log_every\": 100}}" > /tmp/gpu.json
  echo "${RENDER:-{\}}" > /tmp/render.json
  python3 -c "import json; print('--render-config', json.load(open('/tmp/render.json')))" || exit 1
  python3 -c "import json; print('--config', json.load(open('/tmp/gpu.json')))" || exit 1
  setsid nohup $fs train-classifier --fonts "$pack" --on-the-fly --split train --preset vgg16 --batch-size 256 \
      --max-minutes "$minutes" --workers "$workers" --device cuda --no-progress --config /tmp/gpu.json --render-config /tmp/render.json --out "$RUN" \
      > /tmp/train.log 2>&1 < /dev/null &
  sleep 60
  tail -n 5 /tmp/train.log; cat "$RUN/metrics.csv" 2>/dev/null | tail -3
  ;;
wait)
  seconds=$2
  end=$((SECONDS + seconds))
  while [ $SECONDS -lt $end ] && pgrep -f "train-classifier" >/dev/null; do sleep 10; done
  tail -n 3 /tmp/train.log; tail -n 4 "$RUN/metrics.csv"
  cp "$RUN/metrics.csv" "$RUN/curves.png" "$OUT/" 2>/dev/null
  cp /tmp/train.log "$OUT/train.log" 2>/dev/null
  $fs info "$RUN" --json > "$OUT/run.json" 2>/dev/null  # state, checkpoint steps, best validation
  ;;
eval)
  pack=$2
  while pgrep -f "train-classifier" >/dev/null; do sleep 5; done
  tail -n 3 /tmp/train.log
  $fs render --fonts "$pack" --split train --n 10000 --seed 99 --size 64x256 --out /tmp/val --overwrite --workers "$cpus" --no-progress
  $fs render --fonts "$pack" --split test --n 4000 --seed 98 --size 64x256 --out /tmp/test --overwrite --workers "$cpus" --no-progress
  $fs eval-classifier "$RUN" --data /tmp/val --json --workers "$workers" --out /tmp/eval-val > /tmp/eval-val.json
  $fs eval-classifier "$RUN" --data /tmp/test --json --workers "$workers" --out /tmp/eval-test > /tmp/eval-test.json
  python3 scripts/eval_plain_pillow.py --model "$RUN" --fonts "$pack" --per-font 4 --sheet "$OUT/pillow.png" > /tmp/pillow.json
  python3 - <<'EOF' > "$OUT/evals.json"
import json
print(json.dumps({name: json.load(open(f"/tmp/{name}.json")) for name in ("eval-val", "eval-test", "pillow")}, indent=2))
EOF
  cat "$OUT/evals.json"
  cp "$RUN/metrics.csv" "$RUN/curves.png" /tmp/eval-val/confusions.png /tmp/eval-val/per_class.csv "$OUT/" 2>/dev/null
  cp /tmp/train.log "$OUT/train.log" 2>/dev/null
  $fs info "$RUN" --json > "$OUT/run.json" 2>/dev/null  # the eighth file that comes back
  ;;
esac
