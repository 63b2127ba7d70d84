. /work/main/.venv/bin/activate
cd /tmp/s43/ar
/usr/bin/time -f "%e s" fontsynth train-recognizer --fonts fonts --on-the-fly --any-font --words words.txt --preset small --prediction ctc --max-minutes 20 --out r-ctc-20 --no-progress > log-ctc-20.txt 2>&1
for s in ar other; do fontsynth eval-recognizer r-ctc-20 --data exp/gt-$s.txt --json --out ev-ctc-20-$s --no-progress > eval-ctc-20-$s.json 2>>log-ctc-20.txt; done
