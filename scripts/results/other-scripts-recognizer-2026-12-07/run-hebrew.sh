. /work/main/.venv/bin/activate
cd /tmp/s42/heb
/usr/bin/time -f "%e s" fontsynth train-recognizer --fonts fonts --on-the-fly --any-font --words words.txt --preset small --prediction ctc --max-minutes 6 --out r-ctc-visual --no-progress > log-ctc-visual.txt 2>&1
for s in heb other; do fontsynth eval-recognizer r-ctc-visual --data exp/gt-$s.txt --json > eval-ctc-visual-$s.json 2>/dev/null; done
