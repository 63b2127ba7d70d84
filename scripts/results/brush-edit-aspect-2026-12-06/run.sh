#!/bin/bash
# Edits of crops of other aspects than a brush model's canvas (session 32). Held-out-font pairs rendered at five canvases
# (the style image and its true target at that size), each style edited to its text B by the Editor (now: a crop of the
# canvas' aspect or narrower resized to the canvas exactly and back, the content drawn for the crop's aspect and resized with
# it; a wider crop run at its own width, the aligner reading the pair squeezed) and by the policies aspect.py keeps beside
# it: wide (the prototype of the wide path), own (narrow crops run at their own width too: worse, not taken), pad (before: padded to the canvas, the used columns cut back), stretch (the crop
# stretched, the content drawn at the canvas: this session's first step, "stretch" in results.jsonl) and stretch2 (the
# content drawn at the crop's aspect whatever its width: worse for wide crops, hence the cap); scored against the
# target (PSNR) and read by Tesseract 5 and by the 10-minute recognizer r10. Models: session 27's ten-minute `small`
# runs b-ctl and b-bctl9 (32x128 canvas); edits-32x64.png: b-ctl's first 12 edits of 2:1 crops, pad | stretch | now | the true target; edits-32x256.png:
# its first 12 edits of 8:1 crops, squeezed (before) | at their own width (now) | the true target; fonts: the session-27 split copy of fonts/ (f44), its test fonts.
# mix.sh (with merge.py): brush trained on pairs of the five aspects against a control, then both edited as above (tried, worse).
. /work/main/.venv/bin/activate
for s in 32x64 32x96 32x128 32x192 32x256; do
  fontsynth render --recipe pairs --fonts /tmp/s27/f44 --split test --n 300 --seed 1 --size $s --out pt-$s --no-progress
done
for model in b-ctl b-bctl9; do for s in 32x64 32x96 32x128 32x192 32x256; do for p in editor pad stretch; do
  python aspect.py /tmp/s27/$model $p pt-$s | sed "s/^{/{\"model\": \"$model\", /"
done; done; done > results.jsonl
for s in 32x192 32x256; do python aspect.py /tmp/s27/b-ctl stretch2 pt-$s | sed 's/^{/{"model": "b-ctl", /'; done >> results.jsonl
for s in 32x64 32x96; do python aspect.py /tmp/s27/b-ctl own pt-$s | sed 's/^{/{"model": "b-ctl", /'; done >> results.jsonl
for s in 32x192 32x256; do python aspect.py /tmp/s27/b-ctl wide pt-$s | sed 's/^{/{"model": "b-ctl", /'; done >> results.jsonl
for model in b-ctl b-bctl9; do for s in 32x192 32x256; do  # mean: wide crops' content drawn at the geometric mean of the two widths
  python aspect.py /tmp/s27/$model mean pt-$s | sed "s/^{/{\"model\": \"$model\", /"
done; done >> results.jsonl
for s in 32x64 32x96 32x128 32x192 32x256; do  # the true targets, read by the same judges
  python aspect.py /tmp/s27/b-ctl target pt-$s | sed 's/^{/{"model": "none", /'
done >> results.jsonl
