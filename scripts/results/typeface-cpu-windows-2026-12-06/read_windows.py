# The prototype's multi-window reading (session 31): python read_windows.py RUN DATA K: top-1 when each word wider than 32x128
# at 32 px high is read by K windows spread over it, their class probabilities averaged (K=1: the centre window).
import glob
import io
import sys

import cv2
import lmdb
import numpy as np
import torch
from PIL import Image

from classifier.training import load_checkpoint, model_from_checkpoint
torch.set_num_threads(1)
run, data, K = sys.argv[1], sys.argv[2], int(sys.argv[3])
payload = load_checkpoint(run + "/best.pt"); model = model_from_checkpoint(payload, run).eval()
classes = payload["tables"]["classes"]; cls = {f: i for i, f in enumerate(classes)}
H, W = 32, 128
def norm(im):
    im = np.asarray(Image.open(io.BytesIO(im)).convert("L"))
    h, w = im.shape
    fw = round(w * H / h)
    if (h, w) != (H, fw): im = cv2.resize(im, (fw, H), interpolation=cv2.INTER_AREA if h > H else cv2.INTER_LINEAR)
    if fw <= W:
        return [np.concatenate([im, np.repeat(im[:, -1:], W - fw, axis=1)], axis=1)]
    if K == 1: offs = [(fw - W) // 2]
    else: offs = sorted(set(round(i * (fw - W) / (K - 1)) for i in range(K)))
    return [im[:, o:o + W] for o in offs]
right = n = 0; rights = {}
for p in sorted(glob.glob(data + "/shard-*")):
    env = lmdb.open(p, readonly=True, lock=False)
    with env.begin() as t:
        items = {}
        for k, v in t.cursor():
            kind, idx = k.decode().rsplit("-", 1)
            items.setdefault(idx, {})[kind] = v
    crops, owner, labels = [], [], []
    items = {i: it for i, it in items.items() if "image" in it and "font" in it}
    for j, (idx, it) in enumerate(items.items()):
        cs = norm(it["image"]); crops += cs; owner += [j] * len(cs); labels.append(cls[it["font"].decode()])
    x = torch.from_numpy(np.stack(crops)).float().div(255)[:, None]
    with torch.no_grad():
        pr = model(x).float().softmax(1)
    owner = torch.tensor(owner)
    agg = torch.zeros(len(labels), pr.shape[1]).index_add_(0, owner, pr)
    right += (agg.argmax(1) == torch.tensor(labels)).sum().item(); n += len(labels)
print(run, data, K, right / n, n)
