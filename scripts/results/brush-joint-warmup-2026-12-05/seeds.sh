. /work/main/.venv/bin/activate
cd /tmp/s23
for s in 1 2; do
  rm -rf s$s-jw0
  OMP_NUM_THREADS=1 timeout 330 brush train --data pairs-train-v4 --val-data /tmp/s18/pairs-val --preset small --steps 8000 --workers 1 --device cpu --recognizer /tmp/s18/r10 --config jw0.json --seed $s --out s$s-jw0 --no-progress > s$s-jw0.log 2>&1
done
