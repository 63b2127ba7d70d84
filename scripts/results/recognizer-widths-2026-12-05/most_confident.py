import sys, torch
import torch.nn.functional as Fn
from collections import defaultdict
from classifier.recognizer import Reader
from classifier.recognizer.widths import used_widths
from fontsynth.torchdata import ShardDataset
torch.set_num_threads(2)
m = Reader('/tmp/s18/r-bf16', 'cpu').model.eval()
def bucket(t):
    n = len(t); return '1-3' if n <= 3 else '4-6' if n <= 6 else '7-9' if n <= 9 else '10-14' if n <= 14 else '15+'
def read_at(W, F_, used, s):
    out, conf = [None] * len(W), [0.0] * len(W); groups = defaultdict(list)
    for i in range(len(W)):
        u = int(used[i])
        if u <= 100 or s is None: groups[('fixed',)].append(i)
        else: groups[('w', max(100, -(-round(u / s) // 4) * 4))].append(i)
    with torch.no_grad():
        for k, idx in groups.items():
            if k[0] == 'fixed': x = F_[idx]
            else: x = torch.stack([Fn.interpolate(W[i:i+1, ..., :int(used[i])], size=(32, k[1]), mode='bilinear', antialias=True, align_corners=False)[0] for i in idx])
            t, c = m.predict(x)
            for i, tt, cc in zip(idx, t, c): out[i] = tt; conf[i] = cc
    return out, conf
for data in sys.argv[1:]:
    wide = ShardDataset(data, ("image", "label"), size=(32, 400)); fixed = ShardDataset(data, ("image", "label"), size=(32, 100))
    W = torch.stack([wide[i]["image"] for i in range(len(wide))]); F_ = torch.stack([fixed[i]["image"] for i in range(len(fixed))])
    labels = [wide[i]["label"] for i in range(len(wide))]
    used = used_widths(W)
    reads = {s: read_at(W, F_, used, s) for s in (None, 1.25, 1.0)}
    def report(name, out):
        acc = defaultdict(lambda: [0, 0])
        for o, t in zip(out, labels):
            b = bucket(t); acc[b][0] += o == t; acc[b][1] += 1; acc['all'][0] += o == t; acc['all'][1] += 1
        print(f"  {name:12s}", {b: round(a / n, 3) for b, (a, n) in sorted(acc.items())})
    print(data)
    for s, (o, c) in reads.items(): report(str(s), o)
    for combo in ((1.25, 1.0), (None, 1.25, 1.0), (None, 1.0)):
        best = [max(((reads[s][1][i], reads[s][0][i]) for s in combo))[1] for i in range(len(W))]
        report('max' + str(combo), best)
