cd /tmp/x && . /work/main/.venv/bin/activate
for arm in base ink; do
  cfg=""; [ $arm = ink ] && cfg="--render-config /tmp/s40/ink.json"
  /usr/bin/time -f "$arm %e s" fontsynth train-classifier --fonts f44 --on-the-fly --split train --preset small --steps 1400 --workers 1 --device cpu --no-progress $cfg --out /tmp/s40/c-$arm > /tmp/s40/c-$arm.log 2>&1
  tail -1 /tmp/s40/c-$arm.log
done
echo ALLDONE
