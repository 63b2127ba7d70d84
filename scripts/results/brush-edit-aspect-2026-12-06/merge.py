# Merge MOSTEL-layout exports into one folder, each name prefixed by its source: python merge.py OUT SRC...
import shutil, sys
from pathlib import Path
out = Path(sys.argv[1]); out.mkdir()
for src in map(Path, sys.argv[2:]):
    tag = src.name + "_"
    for sub in src.iterdir():
        if sub.is_dir():
            (out / sub.name).mkdir(exist_ok=True)
            for f in sub.iterdir():
                shutil.copy(f, out / sub.name / (tag + f.name))
        elif sub.suffix == ".txt":
            with open(out / sub.name, "a", encoding="utf-8") as w:
                for line in sub.read_text(encoding="utf-8").splitlines():
                    w.write(tag + line + "\n")
