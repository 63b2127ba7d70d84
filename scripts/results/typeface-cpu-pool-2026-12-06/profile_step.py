"""Where a training step of the classifier's `small` goes: the torch profiler over five steps
(synthetic batch, bf16 autocast where the CPU has it, channels_last, the trainer's optimizer).

    python profile_step.py [BATCH] [MODEL_OVERRIDES_JSON]      # e.g. 128 '{"pool_before_norm": false}'
"""
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
import classifier.typeface  # noqa: E402,F401  (registers vgg16)
from classifier.classification import PRESETS  # noqa: E402
from classifier.registry import create_model  # noqa: E402
from classifier.training import TrainConfig, autocast_bf16, make_optimizer  # noqa: E402

batch = int(sys.argv[1]) if len(sys.argv) > 1 else 128
overrides = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
model = create_model("vgg16", **{**PRESETS["small"]["model"], "num_classes": 44, **overrides}).to(memory_format=torch.channels_last)
images, targets = torch.rand(batch, 1, 32, 128), torch.randint(0, 44, (batch,))
optimizer = make_optimizer(model, TrainConfig(lr=1e-4, optimizer="muon"))
bf16 = autocast_bf16(TrainConfig(), torch.device("cpu"))


def step():
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = nn.functional.cross_entropy(model(images).float(), targets, label_smoothing=0.2)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


for _ in range(5):
    step()
start = time.perf_counter()
for _ in range(20):
    step()
print(f"{20 * batch / (time.perf_counter() - start):.0f} img/s")
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for _ in range(5):
        step()
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
