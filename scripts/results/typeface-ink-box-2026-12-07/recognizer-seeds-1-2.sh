cd /tmp/x && . /work/main/.venv/bin/activate
for seed in 1 2; do for arm in base ink; do
  cfg=""; [ $arm = base ] && cfg="--render-config /tmp/s41/line.json"
  /usr/bin/time -f "$arm s$seed %e s" fontsynth train-recognizer --fonts f44 --on-the-fly --split train --preset small --steps 1000 --workers 1 --device cpu --no-progress --seed $seed $cfg --out /tmp/s41/r-$arm-s$seed > /tmp/s41/r-$arm-s$seed.log 2>&1
  tail -1 /tmp/s41/r-$arm-s$seed.log
  python /work/main/scripts/real_photos.py --photos /tmp/opencv-doc/usr/share/doc/opencv-doc/examples/text --recognizer /tmp/s41/r-$arm-s$seed --loose -0.2 -0.1 0 0.1 0.25 0.5 --out /tmp/s41/real-r-$arm-s$seed > /dev/null 2>&1
  for d in line ink; do
    fontsynth eval-recognizer /tmp/s41/r-$arm-s$seed --data /tmp/s40/ev-$d --json --workers 1 --device cpu --no-progress --out /tmp/s41/re-$arm-s$seed-$d 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print('$arm s$seed ours-$d', round(d['word_accuracy']*100,1), round(d['word_accuracy_nocase']*100,1), round(d['cer'],4), d['n'])"
  done
done; done
echo ALLDONE
