# round 2 on top of the new preset (label smoothing 0.2): 4 one-thread minutes each, two side by side
. /work/main/.venv/bin/activate
cd /tmp/s19
probe() {
  name=$1; echo "$2" > $name.json
  OMP_NUM_THREADS=1 fontsynth train-classifier --data /tmp/s18/w44 --val-data /tmp/s18/w44v7 --preset small --max-minutes 4 --workers 0 --config $name.json --out q-$name --no-progress > q-$name.log 2>&1
  OMP_NUM_THREADS=1 fontsynth eval-classifier q-$name --data /tmp/s18/w44v7 --json > q-$name-eval.json 2>>q-$name.log
}
pair() { probe "$1" "$2" & probe "$3" "$4" & wait; }
date
pair preset '{}'  ls3 '{"losses": {"label_smoothing": 0.3}}'
pair lr3 '{"train": {"lr": 0.003}}'  beta99 '{"train": {"betas": [0.9, 0.99]}}'
date
