. /work/main/.venv/bin/activate
cd /tmp/s27
for arm in bctl9 blin9; do
  OMP_NUM_THREADS=1 brush train --data pairs-train --val-data pairs-val --preset small --steps 900 --workers 0 --device cpu \
     --recognizer r10 --config $arm.json --out b-$arm --no-progress > b-$arm.log 2>&1 &
done
wait; date
for arm in bctl9 blin9; do
  OMP_NUM_THREADS=1 brush eval b-$arm --data pairs-test --limit 500 --json --no-progress > b-$arm-eval.json 2> b-$arm-eval.log &
done
wait; date
