# brush `small` for 10 CPU minutes on Arabic pairs (2026-12-07, session 44), the protocol of
# BENCHMARKS "Ten minutes of `small` (held-out fonts)" with Arabic fonts and words.
# Fonts: the Arabic-covering files of the Debian packages fonts-noto-core, fonts-kacst,
# fonts-kacst-one, fonts-arabeyes, fonts-hosny-amiri, fonts-sil-scheherazade, fonts-sil-lateef,
# fonts-farsiweb (fonts.txt), copied into /tmp/s44/ar/fonts.
set -e
. /work/main/.venv/bin/activate
cd /tmp/s44/ar
for f in $(find /usr/share/fonts -iname "*.ttf" -o -iname "*.otf" | grep -iE "arab|kacst|amiri|scheherazade|lateef|/ae_|farsiweb|nazli|titr|homa"); do cp "$f" fonts/; done
fontsynth fonts scan fonts
fontsynth fonts split fonts --val 0.1 --test 0.2          # train 35, val 3, test 7 designs (20, 3, 6 families)
python3 - <<'PY'
import random
rng = random.Random(1)  # 2-8 of the 28 basic Arabic letters, as other-scripts-recognizer-2026-12-07
arabic = "\u0627\u0628\u062a\u062b\u062c\u062d\u062e\u062f\u0630\u0631\u0632\u0633\u0634\u0635\u0636\u0637\u0638\u0639\u063a\u0641\u0642\u0643\u0644\u0645\u0646\u0647\u0648\u064a"
words = {"".join(rng.choices(arabic, k=rng.randint(2, 8))) for _ in range(3000)}
open("words.txt", "w").write("\n".join(sorted(words)) + "\n")
PY
R="--recipe pairs --fonts fonts --any-font --words words.txt --size 32x128 --no-progress"
fontsynth render $R --split train --n 20000 --out pairs-train         # 50.6 s, 395 pairs/s
fontsynth render $R --split val --n 256 --seed 2 --out pairs-val
fontsynth render $R --split test --n 1000 --seed 1 --out pairs-test
fontsynth preview pairs-test -o pairs-preview.png --count 12
# the run that diverged (metrics-small.csv, collapsed-seed0-step599.png): 599 steps, its generator's
# outputs flat white or black from step ~150 on (tests of other commands shared the CPU with it)
brush train --data pairs-train --val-data pairs-val --out run-small --preset small --max-minutes 10 --workers 1 --device cpu --no-progress
# three more, stopped at step ~250 (two ran side by side): seed 1; lr 5e-4; seed 0 on a step schedule
echo '{"train": {"val_every": 50}}' > v.json
echo '{"train": {"val_every": 50, "lr": 0.0005}}' > lr.json
brush train --data pairs-train --val-data pairs-val --out run-seed1 --preset small --steps 600 --seed 1 --workers 1 --device cpu --no-progress --config v.json
brush train --data pairs-train --val-data pairs-val --out run-lr5 --preset small --steps 600 --workers 1 --device cpu --no-progress --config lr.json
brush train --data pairs-train --val-data pairs-val --out run-seed0 --preset small --steps 600 --seed 0 --workers 1 --device cpu --no-progress --config v.json
# session 45: the first run again with style_norm (now the default) and the mask loss from logits,
# alone on the machine (metrics-norm.csv, norm-seed0-step610.png)
brush train --data pairs-train --val-data pairs-val --out run-norm2 --preset small --max-minutes 10 --workers 1 --device cpu --no-progress
# session 45: an Arabic CTC recognizer of the train split's fonts (judge and OCR loss; metrics-recognizer.csv), its reading
# and Tesseract's (Debian tesseract-ocr-ara 4.1.0) of the 1,000 held-out style images (eval-rec.json, tess-ara.json)
fontsynth train-recognizer --fonts fonts --on-the-fly --any-font --words words.txt --split train --preset small --prediction ctc --max-minutes 10 --out r-ctc --no-progress
fontsynth eval-recognizer r-ctc --data pairs-test --json --out ev-rec --no-progress > eval-rec.json
python /work/main/scripts/eval_tesseract.py pairs-test --limit 1000 --lang ara > tess-ara.json
# brush with the OCR loss of that recognizer (small's weight 3; metrics-ocr.csv, ocr-seed0-step592.png), both runs judged
brush train --data pairs-train --val-data pairs-val --recognizer r-ctc --out run-ocr --preset small --max-minutes 10 --workers 1 --device cpu --no-progress
for r in norm2 ocr; do
  brush eval run-$r --data pairs-test --recognizer r-ctc --no-tesseract --json --out ev-$r > eval-$r.json
  brush eval run-$r --data pairs-test --recognizer r-ctc --tesseract-lang ara --limit 500 --json --out ev-$r-ara > eval-$r-ara.json
done
