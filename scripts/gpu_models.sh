#!/usr/bin/env bash
# The recognizer (issue 11) and brush (issue 12) on a lent GPU machine, side by side: both train
# on the fly from one font pack (the GPU has room for both; the 16 cores are shared between their
# loaders). Three phases that fit the machine's 10-minute commands; BENCHMARKS.md records what
# they printed:
#   bash scripts/gpu_models.sh start PACK MINUTES   CUDA smoke tests, brush `tsb` steps/s in bf16,
#                                                   then both long runs in the background (setsid)
#   bash scripts/gpu_models.sh wait SECONDS         follow the runs; copy metrics and curves to $OUT
#   bash scripts/gpu_models.sh eval PACK            held-out fonts: recognizer on clean and default
#                                                   renders, brush eval (outputs saved for Tesseract)
# PACK must have splits (`fontsynth fonts split PACK`). Everything comes back in $OUT/results.tar.gz.
set -uo pipefail
phase=$1
TRBA=${TRBA:-/tmp/trba} BRUSH=${BRUSH:-/tmp/brush}
source scripts/gpu_env.sh
brush="python3 -m brush"
rec_workers=$((cpus * 5 / 8)) brush_workers=$((cpus / 4))

collect() {  # everything worth keeping, in one file (at most 8 files come back)
  mkdir -p /tmp/results
  for run in "$TRBA" "$BRUSH"; do
    name=$(basename "$run")
    mkdir -p "/tmp/results/$name"
    cp -r "$run"/metrics.csv "$run"/curves.png "$run"/config.json "$run"/samples "/tmp/results/$name/" 2>/dev/null
    cp "/tmp/$name.log" "/tmp/results/$name/train.log" 2>/dev/null
  done
  tar -czf "$OUT/results.tar.gz" -C /tmp results
}

case $phase in
start)
  pack=$2 minutes=$3
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  echo "cpus $cpus; loader processes: recognizer $rec_workers, brush $brush_workers"
  $brush train --fonts "$pack" --on-the-fly --split train --preset smoke --steps 20 --out /tmp/brush-smoke \
      --no-progress --device cuda --workers 4 || exit 1
  $fs train-recognizer --fonts "$pack" --on-the-fly --split train --size 32 --preset smoke --steps 20 --out /tmp/trba-smoke \
      --no-progress --device cuda --workers 4 || exit 1
  for batch in 64 32; do
    python3 scripts/bench_brush.py train --preset tsb --batch-size $batch --steps 20 --device cuda
  done
  echo '{"train": {"val_every": 1000, "checkpoint_every": 1000, "log_every": 100}, "data": {"val_samples": 2000}}' > /tmp/trba.json
  echo '{"train": {"val_every": 500, "checkpoint_every": 500, "log_every": 50}, "losses": {"content_steps": 1000}}' > /tmp/brush.json
  setsid nohup $fs train-recognizer --fonts "$pack" --on-the-fly --split train --size 32 --preset trba --max-minutes "$minutes" \
      --workers "$rec_workers" --device cuda --no-progress --config /tmp/trba.json --out "$TRBA" > /tmp/trba.log 2>&1 < /dev/null &
  setsid nohup $brush train --fonts "$pack" --on-the-fly --split train --preset tsb --max-minutes "$minutes" \
      --workers "$brush_workers" --device cuda --no-progress --config /tmp/brush.json --out "$BRUSH" > /tmp/brush.log 2>&1 < /dev/null &
  sleep 90
  tail -4 /tmp/trba.log /tmp/brush.log
  collect
  ;;
wait)
  seconds=$2
  end=$((SECONDS + seconds))
  while [ $SECONDS -lt $end ] && pgrep -f "train-recognizer|brush train" >/dev/null; do sleep 10; done
  tail -4 /tmp/trba.log /tmp/brush.log; tail -3 "$TRBA/metrics.csv" "$BRUSH/metrics.csv"
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader || true
  collect
  ;;
eval)
  pack=$2
  while pgrep -f "train-recognizer|brush train" >/dev/null; do sleep 5; done
  tail -3 /tmp/trba.log /tmp/brush.log
  for preset in clean default; do
    seed=$([ $preset = clean ] && echo 1 || echo 2)
    $fs render --fonts "$pack" --split test --preset $preset --size 32 --n 1000 --seed $seed --out /tmp/words-$preset --workers "$cpus" --no-progress
    $fs eval-recognizer "$TRBA" --data /tmp/words-$preset --json --out /tmp/results/trba/eval-$preset > /tmp/eval-$preset.json
    cat /tmp/eval-$preset.json
  done
  $fs render --fonts "$pack" --recipe pairs --split test --size 64x256 --n 1000 --seed 1 --out /tmp/pairs-test --workers "$cpus" --no-progress
  $brush eval "$BRUSH" --data /tmp/pairs-test --recognizer "$TRBA" --no-tesseract --save-outputs --json --workers "$workers" \
      --out /tmp/results/brush/eval > /tmp/eval-brush.json
  cat /tmp/eval-brush.json
  cp /tmp/eval-*.json /tmp/results/
  collect
  ;;
esac
