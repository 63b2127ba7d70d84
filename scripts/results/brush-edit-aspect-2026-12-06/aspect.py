# python aspect.py BRUSH_RUN editor|pad|stretch|stretch2|mean|wide|own|target PAIRS: edits of crops of other aspects than the model's canvas: pad+cut (current) vs stretch, scored against the true target.
import sys, json
import numpy as np, cv2, torch
from fontsynth.dataset import Dataset
from fontsynth.codec import decode
from brush.edit import Editor
from classifier.recognizer import Reader, tesseract
from fontsynth.torchdata import image_tensor
torch.set_num_threads(2)
model, policy, data = sys.argv[1], sys.argv[2], sys.argv[3]
ed = Editor(model, "cpu"); c = ed.config
reader = Reader("/tmp/s27/r10", "cpu")

def pad(crop, text):  # the policy before session 32: fitted as training data (padded on the right), the used columns cut back
    h, w = crop.shape[:2]
    style = image_tensor(crop, (c.height, c.width), c.in_channels)[None]
    content = torch.from_numpy(ed.content.draw(text, c.height, c.width)).float().div(255)[None, None]
    with torch.no_grad():
        out, mask = ed.model(style, content)
    used = min(c.width, max(1, round(w * c.height / h)))
    image = out[0, :, :, :used].float().clamp(0, 1).permute(1, 2, 0).numpy()
    image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if h < c.height else cv2.INTER_LINEAR).reshape(h, w, -1)
    return (image * 255 + 0.5).astype(np.uint8)


def stretch(crop, text, own_aspect=False):
    h, w = crop.shape[:2]
    fitted = cv2.resize(crop, (c.width, c.height), interpolation=cv2.INTER_AREA if w > c.width else cv2.INTER_LINEAR)
    style = image_tensor(fitted, (c.height, c.width), c.in_channels)[None]
    if own_aspect:  # the content drawn at the crop's aspect, then stretched to the canvas as the style is
        from fontsynth.canvas import stretch_to_canvas
        natural = max(8, round(w * c.height / h))
        if own_aspect == "mean" and natural > c.width:
            natural = round((natural * c.width) ** 0.5)
        drawn = ed.content.draw(text, c.height, natural)
        content = torch.from_numpy(stretch_to_canvas(drawn, c.height, c.width, 1)[..., 0].copy()).float().div(255)[None, None]
    else:
        content = torch.from_numpy(ed.content.draw(text, c.height, c.width)).float().div(255)[None, None]
    with torch.no_grad():
        out, mask = ed.model(style, content)
    image = out[0].float().clamp(0, 1).permute(1, 2, 0).numpy()
    image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if w < c.width else cv2.INTER_LINEAR).reshape(h, w, -1)
    return (image * 255 + 0.5).astype(np.uint8)

def wide(crop, text, narrow_too=False):
    """A crop wider than the canvas' aspect generated at its own aspect: the aligner places the
    content on the squeezed pair (normalised coordinates), the generator runs at the wide size."""
    from fontsynth.canvas import stretch_to_canvas
    from fontsynth.torchdata import as_tensor, tensor_channels
    from brush.model import invert, median_colour_logits
    from brush.placement import warp
    h, w = crop.shape[:2]
    natural = round(w * c.height / h)
    if natural <= c.width and not narrow_too:
        return ed.generate(crop, text)[0]
    W = max(32, round(natural / 32) * 32) if narrow_too else max(c.width, round(natural / 32) * 32)
    g = ed.model.g_ema
    style = as_tensor(stretch_to_canvas(crop, c.height, W, c.in_channels))[None]
    drawn = ed.content.draw(text, c.height, W)
    content = torch.from_numpy(drawn).float().div(255)[None, None]
    with torch.no_grad():
        sq_style = as_tensor(stretch_to_canvas(crop, c.height, c.width, c.in_channels))[None]
        sq_content = torch.from_numpy(stretch_to_canvas(drawn, c.height, c.width)).float().div(255)[None, None]
        placement = ed.model.aligner(sq_style, sq_content)
        content = tensor_channels(warp(content, placement), c.content_channels)
        light = g.light_text(style)
        shown = invert(style, light)
        vector, style_maps = g.style_encoder(shown)
        bias = median_colour_logits(shown) if c.colour_skip else None
        image, mask = g.generator(vector, g.content_encoder(content), style_maps, bias)
        image = invert(image, light)
    out = stretch_to_canvas(image[0].float().clamp(0, 1).permute(1, 2, 0).numpy(), h, w)
    return (out * 255 + 0.5).astype(np.uint8)


d = Dataset(data)
outs, truths, psnrs = [], [], []
for i in range(len(d)):
    it = d[i]
    style, target, text = decode(it["image"]), decode(it["target"]), it["label-b"]
    text = text.decode() if isinstance(text, bytes) else text
    out = {"editor": lambda: ed.generate(style, text)[0], "pad": lambda: pad(style, text), "stretch": lambda: stretch(style, text), "stretch2": lambda: stretch(style, text, True), "mean": lambda: stretch(style, text, "mean"), "wide": lambda: wide(style, text), "own": lambda: wide(style, text, True),
           "target": lambda: target}[policy]()  # target: the true edit, what the judges read of it
    if out.ndim == 2: out = out[..., None]
    tgt = target if target.ndim == 3 else target[..., None]
    mse = ((out.astype(np.float64) - tgt.astype(np.float64)) ** 2).mean() / 255 ** 2
    psnrs.append(10 * np.log10(1 / max(mse, 1e-10))); outs.append(out); truths.append(text)
tess = tesseract.read_images(outs, 2)
ours = reader.read(outs)[0]
res = {"data": data, "policy": policy, "n": len(outs), "psnr": float(np.mean(psnrs)),
       "tesseract": float(np.mean([a == b for a, b in zip(tess, truths)])), "ours": float(np.mean([a == b for a, b in zip(ours, truths)]))}
print(json.dumps(res))
cv2.imwrite(f"/tmp/s32/sheet-{policy}-{data.split('/')[-1]}.png", np.concatenate([np.pad(o[..., ::-1] if o.shape[2] == 3 else o, ((1, 1), (0, 0), (0, 0))) for o in outs[:12]]))
