. /work/main/.venv/bin/activate
cd /tmp/s43/ar
/usr/bin/time -f "%e s" fontsynth train-recognizer --fonts fonts --on-the-fly --any-font --words words.txt --preset small --prediction attn --max-minutes 6 --out r-attn2 --no-progress > log-attn2.txt 2>&1
for s in ar other; do fontsynth eval-recognizer r-attn2 --data exp/gt-$s.txt --json --out ev-attn2-$s > eval-attn2-$s.json 2>>log-attn2.txt; done
fontsynth eval-recognizer r-ctc --data exp/gt-ar.txt --out ev-ctc-ar-captions --no-progress > /dev/null 2>&1
