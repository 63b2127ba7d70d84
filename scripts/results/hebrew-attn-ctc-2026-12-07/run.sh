. /work/main/.venv/bin/activate
cd /tmp/s42/heb
for p in attn ctc; do
  /usr/bin/time -f "%e s" fontsynth train-recognizer --fonts fonts --on-the-fly --any-font --words words.txt --preset small --prediction $p --max-minutes 6 --out r-$p --no-progress > log-$p.txt 2>&1
done
