# The ends-matching experiment of BENCHMARKS "Real photos" (not taken): run from the repository root,
#   python scripts/results/real-photos-2026-12-06/match_ends.py RUN [RUN ...]   (pairs: /tmp/s27/pairs-test, 300)
import numpy as np, sys
sys.path.insert(0, "scripts")
from real_photos import ends
from fontsynth.dataset import Dataset
from fontsynth.codec import decode
from brush.edit import Editor

def match(style, edit, q=0.15):
    (d0, l0), (d1, l1) = ends(style), ends(edit)
    e = edit.astype(np.float64)
    if e.ndim == 2: e = e[..., None]; d0, l0, d1, l1 = d0[:1], l0[:1], d1[:1], l1[:1]
    span = l1 - d1
    scale = np.where(np.abs(span) > 8, (l0 - d0) / np.where(np.abs(span) > 8, span, 1), 1.0)
    out = (e - d1) * scale + d0
    out = out.clip(0, 255).round().astype(np.uint8)
    return out[..., 0] if edit.ndim == 2 else out

def psnr(a, b):
    m = ((a.astype(np.float64) - b) ** 2).mean() / 255 ** 2
    return 10 * np.log10(1 / m)

for run in sys.argv[1:]:
    ed = Editor(run, device="cpu"); ds = Dataset("/tmp/s27/pairs-test")
    p0, p1, mse0, mse1 = [], [], [], []
    for k in range(300):
        s = ds[k]; st = decode(s["image"]); tg = decode(s["target"])
        out = ed.generate(st, s["label-b"].decode())[0]
        m = match(st, out)
        p0.append(psnr(out, tg)); p1.append(psnr(m, tg))
        mse0.append(((out/255.-tg/255.)**2).mean()); mse1.append(((m/255.-tg/255.)**2).mean())
    print(run, "psnr mean", np.mean(p0).round(2), "->", np.mean(p1).round(2), "| 10log10(1/meanMSE)", round(10*np.log10(1/np.mean(mse0)),2), "->", round(10*np.log10(1/np.mean(mse1)),2), "| better", np.mean(np.array(p1) > np.array(p0)).round(3))
