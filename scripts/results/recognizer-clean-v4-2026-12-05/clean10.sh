. /work/main/.venv/bin/activate
cd /tmp/s22
while pgrep -f "ci2.sh" > /dev/null; do sleep 10; done
date
fontsynth render --fonts /work/main/fonts --n 150000 --seed 0 --preset clean --size 32 --out rc-clean --no-progress > rc-clean-render.log 2>&1
date
fontsynth train-recognizer --data rc-clean --val-data /tmp/s18/rw-clean --preset small --max-minutes 10 --workers 1 --out r-clean --no-progress > r-clean.log 2>&1
date
for d in /tmp/s18/rw-clean /tmp/s18/rw-default-heldout; do n=$(basename $d)
  fontsynth eval-recognizer r-clean --data $d --json --no-progress --out r-clean/eval-own-$n > r-clean-own-$n.json
  fontsynth eval-recognizer r-clean --data $d --json --no-progress --fixed-width --out r-clean/eval-fixed-$n > r-clean-fixed-$n.json
done
date
