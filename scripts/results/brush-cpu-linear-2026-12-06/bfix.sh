# brush `small` for 900 fixed steps, arms side by side on one thread each, then their evaluations.
# usage: bfix.sh ARM[:DATA[:CONFIG]] ...  (DATA default pairs-train, CONFIG default ARM.json; in /tmp/s27)
# session 29: bfix.sh bctl9 blin9;  session 30: bfix.sh bfold:mtrain:bctl9.json bnoA:mtrain-noA:bctl9.json
. /work/main/.venv/bin/activate
cd /tmp/s27
arms=()
for spec in "$@"; do
  IFS=: read arm data cfg <<< "$spec"
  arms+=("$arm")
  OMP_NUM_THREADS=1 brush train --data ${data:-pairs-train} --val-data pairs-val --preset small --steps 900 --workers 0 --device cpu \
     --recognizer r10 --config ${cfg:-$arm.json} --out b-$arm --no-progress > b-$arm.log 2>&1 &
done
wait; date
for arm in "${arms[@]}"; do
  OMP_NUM_THREADS=1 brush eval b-$arm --data pairs-test --limit 500 --json --no-progress > b-$arm-eval.json 2> b-$arm-eval.log &
done
wait; date
