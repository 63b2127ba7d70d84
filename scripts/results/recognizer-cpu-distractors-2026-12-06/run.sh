set -e
# Session 34, the 2-core CPU. dL (no distractors), vL, tL-* and ascii.txt as in ../recognizer-cpu-fonts-2026-12-06/run.sh
# (rL, rL-s1 trained there); rL40 in ../recognizer-cpu-fonts-long-2026-12-06/run.sh.
cd /work/main && . .venv/bin/activate
L=/tmp/fl/fonts-large
P=/usr/share/doc/opencv-doc/examples/text   # OpenCV's scene-text photos (Debian's opencv-doc)
echo '{"p_distractor": 0.3, "distractor_visible": [0.1, 0.8]}' > /tmp/s34/dis30.json
echo '{"p_distractor": 0.15, "distractor_visible": [0.1, 0.5]}' > /tmp/s34/dis15.json
for arm in 30:dD:rD 15:dE:rE; do
  IFS=: read p data run <<< "$arm"
  fontsynth render --fonts $L --split train --n 230000 --size 32x100 --seed 0 --config /tmp/s34/dis$p.json --out /tmp/s34/$data --no-progress
  fontsynth train-recognizer --data /tmp/s34/$data --val-data /tmp/fx/vL --preset small --charset /tmp/fx/charset.txt \
    --steps 6493 --workers 1 --device cpu --out /tmp/s34/$run --no-progress
  for t in tL-default tL-clean; do
    fontsynth eval-recognizer /tmp/s34/$run --data /tmp/fx/$t --json --no-progress --out /tmp/s34/$run/eval-$t
  done
done
for r in /tmp/fx/rL /tmp/fx/rL-s1 /tmp/s34/rL40 /tmp/s34/rD /tmp/s34/rE; do   # loose-box readings (--loose's default shares)
  python scripts/real_photos.py --photos $P --recognizer $r --out /tmp/s34/loose-$(basename $r)
done
# the preview sheet: every word with distractors
echo '{"p_distractor": 1.0}' > /tmp/s34/dis.json
fontsynth render --fonts fonts/ --n 48 --config /tmp/s34/dis.json --out /tmp/s34/dtest --no-progress --overwrite
fontsynth preview /tmp/s34/dtest -o distractors.png --count 32
