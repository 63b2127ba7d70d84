"""Seconds per training step of `small` (batch 64, real rw-default batches on the 32x400 canvas):
python stepbench.py canvas|own|split|wide bf16|fp32 [same]; canvas = the first 100 columns
(canvas training's cost), own = training_groups, split = the canvas batch in 4 passes of 16,
wide = the whole batch at WIDTH columns; `same` repeats one batch (one set of shapes)."""
import time, torch, sys
from classifier.registry import create_model
from classifier.recognizer.task import PRESETS, sequence_loss
import os
from fontsynth.torchdata import ShardDataset
from torch.utils.data import DataLoader
torch.manual_seed(0)
ds = ShardDataset("/tmp/s18/rw-default", fields=("image","label"), size=(32,400), channels=1)
dl = DataLoader(ds, batch_size=64, shuffle=True, num_workers=0)
batches = [b for _, b in zip(range(30), dl)]
m = create_model("trba", **PRESETS["small"]["model"], charset="".join(sorted(set("".join(c for b in batches for c in "".join(b["label"]))))))
m = m.to(memory_format=torch.channels_last)
opt = torch.optim.AdamW(m.parameters())
mode = sys.argv[1]; bf16 = sys.argv[2] == "bf16"
def step(b):
    x, t = b["image"], list(b["label"])
    if mode == "own":
        from classifier.recognizer.widths import training_groups  # the version under test (variable groups, then groups of 16)
        g = training_groups(x, 100); x = [gg for _, gg in g]; t = [t[k] for i, _ in g for k in i]
    elif mode == "split":
        x = torch.nn.functional.interpolate(x[..., :100], size=(32, 100)); x = list(x.split(16))
    elif mode == "wide":
        x = x[..., :int(os.environ["WIDTH"])].contiguous()
    else:
        x = torch.nn.functional.interpolate(x[..., :100], size=(32, 100))
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = sequence_loss(m, x, t, training=True)
    opt.zero_grad(); loss.backward(); opt.step()
for b in batches[:10]: step(b)
t0 = time.time()
for b in (batches[10:] if len(sys.argv) < 4 else [batches[10]] * 20): step(b)
print(mode, sys.argv[2], "s/step", (time.time() - t0) / 20)
