set -e
# Session 34, the 2-core CPU. Shards dL, vL, tL-*, t44-* and ascii.txt as in ../recognizer-cpu-fonts-2026-12-06/run.sh.
cd /work/main && . .venv/bin/activate
L=/tmp/fl/fonts-large
P=/usr/share/doc/opencv-doc/examples/text   # OpenCV's scene-text photos (Debian's opencv-doc)
fontsynth render --fonts $L --split train --n 400000 --size 32x100 --seed 1 --out /tmp/s34/dL2 --no-progress
fontsynth train-recognizer --data /tmp/fx/dL --data /tmp/s34/dL2 --val-data /tmp/fx/vL --preset small --charset /tmp/fx/charset.txt \
  --steps 26000 --workers 1 --device cpu --out /tmp/s34/rL40 --no-progress
echo '{"model": {"sequence": "bilstm"}}' > /tmp/s34/bilstm.json
fontsynth train-recognizer --data /tmp/fx/dL --val-data /tmp/fx/vL --preset small --charset /tmp/fx/charset.txt \
  --config /tmp/s34/bilstm.json --max-minutes 10 --workers 1 --device cpu --out /tmp/s34/rLb --no-progress
for r in rL40 rLb; do
  for t in tL-default tL-clean t44-default t44-clean; do
    fontsynth eval-recognizer /tmp/s34/$r --data /tmp/fx/$t --json --no-progress --out /tmp/s34/$r/eval-$t
  done
  python scripts/real_photos.py --photos $P --recognizer /tmp/s34/$r --out /tmp/s34/real-$r
done
