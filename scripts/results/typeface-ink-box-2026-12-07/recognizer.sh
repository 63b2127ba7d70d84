cd /tmp/x && . /work/main/.venv/bin/activate
for arm in base ink; do
  cfg=""; [ $arm = ink ] && cfg="--render-config /tmp/s40/ink.json"
  /usr/bin/time -f "$arm %e s" nice -n 19 fontsynth train-recognizer --fonts f44 --on-the-fly --split train --preset small --steps 1000 --workers 1 --device cpu --no-progress $cfg --out /tmp/s40/r-$arm > /tmp/s40/r-$arm.log 2>&1
  tail -1 /tmp/s40/r-$arm.log
done
for arm in base ink; do for d in line ink; do
  fontsynth eval-recognizer /tmp/s40/r-$arm --data /tmp/s40/ev-$d --json --workers 1 --device cpu --no-progress --out /tmp/s40/re-$arm-$d 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print('$arm ours-$d', round(d['word_accuracy']*100,1), round(d['word_accuracy_nocase']*100,1), round(d['cer'],4), d['n'])"
done; done
echo ALLDONE
