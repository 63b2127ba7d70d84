"""Items per second of the same pairs read from shards and from their export in MOSTEL's layout
(one process, the fields brush trains on, 32x128 RGB): python loader_rate.py SHARDS FOLDER"""
import sys
import time

from fontsynth.torchdata import PairFolderDataset, ShardDataset

fields = ("image", "target", "content", "content-b", "mask", "mask-b", "label-b")
for name, d in (("shards", ShardDataset(sys.argv[1], fields, size=(32, 128), channels=3)),
                ("folder", PairFolderDataset(sys.argv[2], fields, size=(32, 128), channels=3))):
    for i in range(50):
        d[i]
    for rep in range(2):
        start = time.perf_counter()
        for i in range(1000):
            d[i]
        print(name, f"{1000 / (time.perf_counter() - start):.0f} pairs/s")
