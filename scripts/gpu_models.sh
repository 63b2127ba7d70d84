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
# PACK must have splits (`fontsynth fonts split PACK`); `bash scripts/gpu_prepare.sh PACK` readies it and
# the wheels for the machine (the pack travels in parts, joined into /tmp/gpu.pack). Everything comes
# back in $OUT/results.tar.gz.
# A dry run on a CPU checks the whole script before GPU time is spent on it (tiny models, 1 minute):
#   DEVICE=cpu REC_PRESET=smoke BRUSH_PRESET=smoke BENCH_BATCHES=4 SETTLE=20 EVAL_N=40 \
#     bash scripts/gpu_models.sh start PACK 1   (then `wait 120`, then `eval PACK`)
# Model overrides as JSON: REC_MODEL (recognizer), BRUSH_MODEL (brush, e.g. '{"background": true}').
set -uo pipefail
phase=$1
TRBA=${TRBA:-/tmp/trba} BRUSH=${BRUSH:-/tmp/brush}
DEVICE=${DEVICE:-cuda} REC_PRESET=${REC_PRESET:-trba} BRUSH_PRESET=${BRUSH_PRESET:-tsb}
BENCH_BATCHES=${BENCH_BATCHES:-64 32} SETTLE=${SETTLE:-90} EVAL_N=${EVAL_N:-1000}
source scripts/gpu_env.sh
brush="python3 -m brush"
rec_workers=$((cpus * 5 / 8)) brush_workers=$((cpus / 4))

pids=/tmp/gpu_models.pids  # the two long runs of `start`, followed by `wait` and `eval`
running() {
  for pid in $(cat "$pids" 2>/dev/null); do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}

collect() {  # everything worth keeping, in one file (at most 8 files come back)
  mkdir -p /tmp/results
  for run in "$TRBA" "$BRUSH"; do
    name=$(basename "$run")
    mkdir -p "/tmp/results/$name"
    cp -r "$run"/metrics.csv "$run"/curves.png "$run"/config.json "$run"/samples "/tmp/results/$name/" 2>/dev/null
    cp "/tmp/$name.log" "/tmp/results/$name/train.log" 2>/dev/null
    $fs info "$run" --json > "/tmp/results/$name/run.json" 2>/dev/null  # state, checkpoint steps, best validation
  done
  tar -czf "$OUT/results.tar.gz" -C /tmp results
}

case $phase in
start)
  pack=$2 minutes=$3
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  echo "cpus $cpus; loader processes: recognizer $rec_workers, brush $brush_workers"
  $brush train --fonts "$pack" --on-the-fly --split train --preset smoke --steps 20 --out /tmp/brush-smoke \
      --no-progress --device $DEVICE --workers 4 || exit 1
  $fs train-recognizer --fonts "$pack" --on-the-fly --split train --size 32 --preset smoke --steps 20 --out /tmp/trba-smoke \
      --no-progress --device $DEVICE --workers 4 || exit 1
  for batch in $BENCH_BATCHES; do
    python3 scripts/bench_brush.py train --preset $BRUSH_PRESET --batch-size $batch --steps 20 --device $DEVICE
  done
  # REC_MODEL: recognizer model overrides as JSON, e.g. '{"input_norm": "polarity", "width": 128}' (BENCHMARKS.md, session 9)
  echo "{\"model\": ${REC_MODEL:-{\}}, \"train\": {\"val_every\": 1000, \"checkpoint_every\": 1000, \"log_every\": 100}, \"data\": {\"val_samples\": 2000}}" > /tmp/trba.json
  python3 -c "import json; print('recognizer --config', json.load(open('/tmp/trba.json')))" || exit 1
  # REC_RENDER: the recognizer's render config over the default preset (default: none; since sample
  # version 5 the preset boxes a third of the words at their ink, BENCHMARKS.md sessions 40-41)
  echo "${REC_RENDER:-{\}}" > /tmp/trba-render.json
  python3 -c "import json; print('recognizer --render-config', json.load(open('/tmp/trba-render.json')))" || exit 1
  # BRUSH_MODEL: brush model overrides as JSON, e.g. '{"background": true}' (BENCHMARKS.md, session 15)
  echo "{\"model\": ${BRUSH_MODEL:-{\}}, \"train\": {\"val_every\": 500, \"checkpoint_every\": 500, \"log_every\": 50}, \"losses\": {\"content_steps\": 1000}}" > /tmp/brush.json
  python3 -c "import json; print('brush --config', json.load(open('/tmp/brush.json')))" || exit 1
  : > "$pids"
  setsid nohup $fs train-recognizer --fonts "$pack" --on-the-fly --split train --size 32 --preset $REC_PRESET --max-minutes "$minutes" \
      --workers "$rec_workers" --device $DEVICE --no-progress --config /tmp/trba.json --render-config /tmp/trba-render.json --out "$TRBA" > /tmp/trba.log 2>&1 < /dev/null &
  echo $! >> "$pids"
  setsid nohup $brush train --fonts "$pack" --on-the-fly --split train --preset $BRUSH_PRESET --max-minutes "$minutes" \
      --workers "$brush_workers" --device $DEVICE --no-progress --config /tmp/brush.json --out "$BRUSH" > /tmp/brush.log 2>&1 < /dev/null &
  echo $! >> "$pids"
  sleep $SETTLE
  tail -n 4 /tmp/trba.log /tmp/brush.log
  collect
  ;;
wait)
  seconds=$2
  end=$((SECONDS + seconds))
  while [ $SECONDS -lt $end ] && running; do sleep 10; done
  tail -n 4 /tmp/trba.log /tmp/brush.log; tail -n 3 "$TRBA/metrics.csv" "$BRUSH/metrics.csv"
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader || true
  collect
  ;;
eval)
  pack=$2
  while running; do sleep 5; done
  tail -n 3 /tmp/trba.log /tmp/brush.log
  for preset in clean default; do
    seed=$([ $preset = clean ] && echo 1 || echo 2)
    $fs render --fonts "$pack" --split test --preset $preset --size 32 --n $EVAL_N --seed $seed --out /tmp/words-$preset --overwrite --workers "$cpus" --no-progress
    $fs eval-recognizer "$TRBA" --data /tmp/words-$preset --json --out /tmp/results/trba/eval-$preset > /tmp/eval-$preset.json
    cat /tmp/eval-$preset.json
  done
  $fs render --fonts "$pack" --recipe pairs --split test --size 64x256 --n $EVAL_N --seed 1 --out /tmp/pairs-test --overwrite --workers "$cpus" --no-progress
  $brush eval "$BRUSH" --data /tmp/pairs-test --recognizer "$TRBA" --no-tesseract --save-outputs --json --workers "$workers" \
      --out /tmp/results/brush/eval > /tmp/eval-brush.json
  cat /tmp/eval-brush.json
  # the same generator with each content at its true place: what a perfect aligner would give
  $brush eval "$BRUSH" --data /tmp/pairs-test --recognizer "$TRBA" --no-tesseract --true-placement --json --workers "$workers" \
      --out /tmp/results/brush/eval-true-placement > /tmp/eval-brush-true-placement.json
  cp /tmp/eval-*.json /tmp/results/
  collect
  ;;
esac
