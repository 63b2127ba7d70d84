. /work/main/.venv/bin/activate
cd /tmp/s18
date
brush train --data pairs-train --val-data pairs-val --preset small --max-minutes 10 --workers 1 --device cpu --recognizer r10 --out /tmp/s20/b-ocr6 --config /tmp/s20/ocr6.json --no-progress > /tmp/s20/b-ocr6.log 2>&1
date
brush eval /tmp/s20/b-ocr6 --data pairs-test --json --no-progress > /tmp/s20/b-ocr6-eval.json 2>/tmp/s20/b-ocr6-eval.log
date
