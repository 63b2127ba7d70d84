. /work/main/.venv/bin/activate
cd /tmp/s19
while [ $(grep -c "" ten.log) -lt 4 ]; do sleep 10; done
date
fontsynth render --fonts /work/main/fonts --n 2000 --seed 7 --size 32 --out rwv7 --no-progress > rwv7.log 2>&1
for d in /tmp/s18/rw-default-heldout /tmp/s18/rw-clean rwv7; do
  n=$(basename $d)
  fontsynth eval-recognizer /tmp/s18/r-bf16 --data $d --json --no-progress --out w-own-$n > w-own-$n.json
  fontsynth eval-recognizer /tmp/s18/r-bf16 --data $d --json --no-progress --fixed-width --out w-fixed-$n > w-fixed-$n.json
done
date
brush eval /tmp/s18/b-bf16 --data /tmp/s18/pairs-test --json --no-tesseract --out b-own > b-own.json 2> b-own.log
date
