. /work/main/.venv/bin/activate
cd /tmp/s43/hi
fontsynth render --fonts fonts --any-font --words words.txt --n 2000 --out sample --no-progress > log-sample.txt 2>&1
fontsynth export sample --out exp >> log-sample.txt 2>&1
python - <<'PY'
import unicodedata
rows = open('exp/gt.txt', encoding='utf-8').read().splitlines()
ar = [r for r in rows if any(unicodedata.bidirectional(c) == 'L' and '\u0900' <= c <= '\u097f' for c in r.split('\t', 1)[1])]
other = [r for r in rows if r not in set(ar)]
open('exp/gt-hi.txt', 'w', encoding='utf-8').write('\n'.join(ar) + '\n')
open('exp/gt-other.txt', 'w', encoding='utf-8').write('\n'.join(other) + '\n')
print(len(ar), len(other))
PY
for p in ctc attn; do
  /usr/bin/time -f "%e s" fontsynth train-recognizer --fonts fonts --on-the-fly --any-font --words words.txt --preset small --prediction $p --max-minutes 6 --out r-$p --no-progress > log-$p.txt 2>&1
  for s in hi other; do fontsynth eval-recognizer r-$p --data exp/gt-$s.txt --json --out ev-$p-$s > eval-$p-$s.json 2>>log-$p.txt; done
done
