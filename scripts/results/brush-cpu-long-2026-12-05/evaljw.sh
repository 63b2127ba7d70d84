. /work/main/.venv/bin/activate
cd /tmp/s23
while pgrep -f "out b-jw" > /dev/null; do sleep 10; done
date
OMP_NUM_THREADS=2 brush eval b-jw --data /tmp/s18/pairs-test --limit 500 --json --no-progress --workers 2 > b-jw-eval.json 2> b-jw-eval.log
date
OMP_NUM_THREADS=2 python /work/main/scripts/brush_where_lost.py b-jw --data /tmp/s18/pairs-test --limit 500 > b-jw-where.txt 2>&1
date
