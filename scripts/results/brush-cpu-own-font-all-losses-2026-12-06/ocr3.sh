cd /tmp/x && . /work/main/.venv/bin/activate && export PYTHONPATH=/tmp/x/repo
while ! grep -q "^done:" o-own-s0.log; do sleep 10; done
P=/tmp/rp/ocv/usr/share/doc/opencv-doc/examples/text
s=0
python -m brush eval o-std-s$s --data p-std-test --limit 500 --json --out eo-std-s$s --classifier c10-1 --no-progress > eo-std-s$s.json 2> eo-std-s$s.err
python -m brush eval o-own-s$s --data p-std-test --limit 500 --json --out eo-own-s$s --classifier c10-1 --no-progress > eo-own-s$s.json 2> eo-own-s$s.err
python -m brush eval o-own-s$s --data p-std-test --limit 500 --json --out eo-match-s$s --classifier c10-1 --match-font c10-0 --no-progress > eo-match-s$s.json 2> eo-match-s$s.err
echo EVALS0
python /tmp/x/repo/scripts/real_photos.py --photos $P --brush o-std-s$s --pairs p-std-test --limit 300 --loose 0 --out rpo-std-s$s > rpo-std-s$s.log 2>&1
python /tmp/x/repo/scripts/real_photos.py --photos $P --brush o-own-s$s --fonts f44 --classifier c10-0 --pairs p-std-test --limit 300 --loose 0 --out rpo-own-s$s > rpo-own-s$s.log 2>&1
echo ALLDONE
