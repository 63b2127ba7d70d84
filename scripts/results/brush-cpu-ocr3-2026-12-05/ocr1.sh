. /work/main/.venv/bin/activate
cd /tmp/s18
date
brush train --data pairs-train --val-data pairs-val --preset small --max-minutes 10 --workers 1 --device cpu --recognizer r10 --out /tmp/s20/b-ctl1 --seed 1 --no-progress > /tmp/s20/b-ctl1.log 2>&1
date
brush train --data pairs-train --val-data pairs-val --preset small --max-minutes 10 --workers 1 --device cpu --recognizer r10 --out /tmp/s20/b-ocr3s1 --seed 1 --config /tmp/s20/ocr3.json --no-progress > /tmp/s20/b-ocr3s1.log 2>&1
date
brush eval /tmp/s20/b-ctl1 --data pairs-test --json --no-progress --workers 1 > /tmp/s20/b-ctl1-eval.json 2>/tmp/s20/b-ctl1-eval.log &
brush eval /tmp/s20/b-ocr3s1 --data pairs-test --json --no-progress --workers 1 > /tmp/s20/b-ocr3s1-eval.json 2>/tmp/s20/b-ocr3s1-eval.log
wait
date
