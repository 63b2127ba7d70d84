# probe NAME CONFIGJSON [LS] : 4 one-thread minutes, then eval. The two batches ran one after the other (the second
# batch's ls3 and ls2lr3 started after --config gained the losses section, which overrode the patched default: no smoothing)
. /work/main/.venv/bin/activate
cd /tmp/s19
probe() {
  name=$1; echo "$2" > $name.json; ls=${3:-0.0}
  OMP_NUM_THREADS=1 python -c "
import sys, classifier.classification as c
c.ClassifierTask.__init__.__defaults__ = ($ls,)
sys.argv = ['fontsynth'] + sys.argv[1:]
from fontsynth.cli import main; main()" train-classifier --data /tmp/s18/w44 --val-data /tmp/s18/w44v7 --preset small --max-minutes 4 --workers 0 --config $name.json --out p-$name --no-progress $EXTRA > p-$name.log 2>&1
  OMP_NUM_THREADS=1 fontsynth eval-classifier p-$name --data /tmp/s18/w44v7 --json > p-$name-eval.json 2>>p-$name.log
}
pair() { probe "$1" "$2" "$3" & probe "$4" "$5" "$6" & wait; }
date
pair ctl '{}' 0.0  ls1 '{}' 0.1
pair late '{"model": {"widths": [16, 32, 64, 192, 256]}}' 0.0  d3 '{"model": {"depths": [1, 1, 2, 2, 2]}}' 0.0
pair pool14 '{"model": {"pool": [1, 4]}}' 0.0  ls2 '{}' 0.2
date
# second batch
date
EXTRA="--seed 1" pair ctls1 '{}' 0.0  ls2s1 '{}' 0.2
pair ls3 '{}' 0.3  ls2lr3 '{"train": {"lr": 0.003}}' 0.2
date
