# The data: fontsynth export pairs-train --out mtrain (the 20,000 pairs of brush-cpu-muon-2026-12-05), and mtrain-noA:
# the same folders linked without i_s.txt (MOSTEL's own training sets hold no text A).
. /work/main/.venv/bin/activate
cd /tmp/s27
for spec in bfold:mtrain bnoA:mtrain-noA; do
  IFS=: read arm data <<< "$spec"
  OMP_NUM_THREADS=1 brush train --data $data --val-data pairs-val --preset small --steps 900 --workers 0 --device cpu \
     --recognizer r10 --config bctl9.json --out b-$arm --no-progress > b-$arm.log 2>&1 &
done
wait; date
for arm in bfold bnoA; do
  OMP_NUM_THREADS=1 brush eval b-$arm --data pairs-test --limit 500 --json --no-progress > b-$arm-eval.json 2> b-$arm-eval.log &
done
wait; date
