. /work/main/.venv/bin/activate
cd /tmp/s18
date
python - train --data pairs-train --val-data pairs-val --preset small --max-minutes 10 --workers 1 --device cpu --recognizer r10 --out /tmp/s19/b-ocrw --no-progress <<'PY' > /tmp/s19/b-ocrw.log 2>&1
import sys
import brush.losses as L
from classifier.recognizer import ocr_loss as score
from fontsynth.torchdata import fit_tensor
def ocr_own_width(recognizer, output, texts):
    c = recognizer.config
    natural = round(output.shape[-1] * c.height / output.shape[-2])
    width = min(max(c.width, natural), 4 * c.width) if recognizer.reads_any_width else c.width
    return score(recognizer, fit_tensor(output, (c.height, width), c.in_channels), texts)
L.ocr_loss = ocr_own_width
sys.argv = ["brush"] + sys.argv[1:]
from brush.cli import main
main()
PY
date
brush eval /tmp/s19/b-ocrw --data pairs-test --json --no-progress > /tmp/s19/b-ocrw-eval.json 2>/tmp/s19/b-ocrw-eval.log
date
