cd /tmp/x && . /work/main/.venv/bin/activate && export PYTHONPATH=/tmp/x/repo
while ! grep -q ALLDONE ocr3.out; do sleep 10; done
s=1
python -m brush train --data p-std-train --val-data p-std-val --out o-std-s$s --preset small --steps 1200 --workers 1 --device cpu --no-progress --seed $s --recognizer r10 --classifier c10-0 > o-std-s$s.log 2>&1
python -m brush train --data p-std-train --val-data p-std-val --out o-own-s$s --preset small --steps 1200 --workers 1 --device cpu --no-progress --seed $s --recognizer r10 --classifier c10-0 --config own-font.json > o-own-s$s.log 2>&1
echo TRAINED1
python -m brush eval o-std-s$s --data p-std-test --limit 500 --json --out eo-std-s$s --classifier c10-1 --no-progress > eo-std-s$s.json 2> eo-std-s$s.err
python -m brush eval o-own-s$s --data p-std-test --limit 500 --json --out eo-own-s$s --classifier c10-1 --no-progress > eo-own-s$s.json 2> eo-own-s$s.err
python -m brush eval o-own-s$s --data p-std-test --limit 500 --json --out eo-match-s$s --classifier c10-1 --match-font c10-0 --no-progress > eo-match-s$s.json 2> eo-match-s$s.err
echo ALLDONE1
