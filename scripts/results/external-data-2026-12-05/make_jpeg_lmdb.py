import sys
sys.path.insert(0, "/work/main/scripts")
from pathlib import Path
from bench_loader import write_dtrb_lmdb, as_jpeg
from fontsynth.dataset import Dataset
ds = Dataset(Path("/tmp/s18/rw-default-heldout"))
stored = [(ds[i]["image"], ds[i]["label"].decode()) for i in ds.indices()]
write_dtrb_lmdb(Path("jpeg-lmdb"), [(as_jpeg(d), l) for d, l in stored])
print(len(stored))
