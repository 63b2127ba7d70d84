cd /tmp/x && . /work/main/.venv/bin/activate && export PYTHONPATH=/tmp/x/repo
FS="python -c 'from fontsynth.cli import main; main()'"
python -c "from fontsynth.cli import main; main()" train-recognizer --fonts f44 --on-the-fly --split train --preset small --max-minutes 10 --workers 1 --device cpu --no-progress --out r10 > r10.log 2>&1
echo R10
for s in 0 1; do
  python -m brush train --data p-std-train --val-data p-std-val --out o-std-s$s --preset small --steps 1200 --workers 1 --device cpu --no-progress --seed $s --recognizer r10 --classifier c10-0 > o-std-s$s.log 2>&1
  python -m brush train --data p-std-train --val-data p-std-val --out o-own-s$s --preset small --steps 1200 --workers 1 --device cpu --no-progress --seed $s --recognizer r10 --classifier c10-0 --config own-font.json > o-own-s$s.log 2>&1
  echo TRAINED $s
done
for s in 0 1; do
  python -m brush eval o-std-s$s --data p-std-test --limit 500 --json --out eo-std-s$s --classifier c10-1 --no-progress > eo-std-s$s.json 2> eo-std-s$s.err
  python -m brush eval o-own-s$s --data p-std-test --limit 500 --json --out eo-own-s$s --classifier c10-1 --no-progress > eo-own-s$s.json 2> eo-own-s$s.err
  python -m brush eval o-own-s$s --data p-std-test --limit 500 --json --out eo-match-s$s --classifier c10-1 --match-font c10-0 --no-progress > eo-match-s$s.json 2> eo-match-s$s.err
done
echo EVALS
P=/tmp/rp/ocv/usr/share/doc/opencv-doc/examples/text
for s in 0 1; do
  python /tmp/x/repo/scripts/real_photos.py --photos $P --brush o-std-s$s --pairs p-std-test --limit 300 --loose 0 --out rpo-std-s$s > rpo-std-s$s.log 2>&1
  python /tmp/x/repo/scripts/real_photos.py --photos $P --brush o-own-s$s --fonts f44 --classifier c10-0 --pairs p-std-test --limit 300 --loose 0 --out rpo-own-s$s > rpo-own-s$s.log 2>&1
done
echo ALLDONE
