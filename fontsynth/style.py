"""The Style record: every random choice of one sample, drawn before anything is drawn on screen.

`sample_style(draws, cfg, font, textures)` draws a Style; `render(text, style)` is a
deterministic function of it. A Style is plain JSON (`to_json` / `from_json`), stored with
each sample, and re-renders it exactly.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields

from fontsynth.draws import Draws
from fontsynth.effects.colors import sample_colors, tinted
from fontsynth.errors import UserError


@dataclass
class Style:
    font: str  # catalog font id
    font_size: int = 32  # px the glyphs are rasterised at, before fitting the output size
    out_height: int = 32
    out_width: int = 0  # 0: natural width at out_height
    text_color: list[int] = field(default_factory=lambda: [0, 0, 0])
    stroke_width: int = 0  # px at font_size; 0: no outline
    stroke_color: list[int] = field(default_factory=lambda: [0, 0, 0])
    spacing: float = 0.0  # extra space between characters, in em
    kerning: bool = True  # the font's pair kerning (GPOS/kern) in the layout
    shadow_offset: list[float] = field(default_factory=lambda: [0.0, 0.0])  # dx, dy in output heights
    shadow_blur: float = 0.0  # sigma in output px
    shadow_opacity: float = 0.0  # 0: no shadow
    shadow_color: list[int] = field(default_factory=lambda: [0, 0, 0])
    bg_kind: str = "flat"  # flat | gradient | noise | texture
    bg_color: list[int] = field(default_factory=lambda: [255, 255, 255])
    bg_color2: list[int] = field(default_factory=lambda: [255, 255, 255])
    bg_angle: float = 0.0
    bg_texture: str = ""  # file name inside the backgrounds folder
    bg_crop: list[float] = field(default_factory=lambda: [0.0, 0.0, 1.0])  # x, y (0..1), zoom
    bg_seed: int = 0
    rotation: float = 0.0  # degrees, counter-clockwise
    perspective: list[float] = field(default_factory=lambda: [0.0] * 8)  # corner offsets / box height
    curve: float = 0.0  # baseline bend / box height
    margins: list[float] = field(default_factory=lambda: [0.1, 0.1, 0.1, 0.1])  # l, t, r, b / box height
    align: list[float] = field(default_factory=lambda: [0.5, 0.5])  # placement in a fixed canvas
    blur: float = 0.0  # Gaussian sigma, output px
    motion_blur: list[float] = field(default_factory=lambda: [0.0, 0.0])  # length px, angle deg
    noise: float = 0.0  # Gaussian sigma, grey levels
    noise_seed: int = 0
    jpeg_quality: int = 0  # 0: stored as PNG
    invert: bool = False  # light text on dark
    distractors: list[list[float]] = field(default_factory=list)  # [side 0-3 (l, t, r, b), gap, shift, seed] each
    # (effects.distractors: the word's neighbours cut by the margins; the Style's margin on that side widened to show them)
    box: str = "line"  # what the margins surround: the font's line, ascender to descender ("line"), or the text's ink ("ink")

    def to_dict(self) -> dict:
        """Plain JSON-ready fields (a copy: every field is a number, string or list). `distractors`
        only when there are some, and `box` only when it is "ink", so a Style without them is the
        record it was before they existed."""
        out = {k: [list(x) if isinstance(x, list) else x for x in v] if isinstance(v, list) else v for k, v in vars(self).items()}
        if not out["distractors"]:
            del out["distractors"]
        if out["box"] == "line":
            del out["box"]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Style":
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict) -> "Style":
        return cls(**data)


@dataclass
class StyleConfig:
    """Probabilities and ranges of every effect. Ranges are [low, high], drawn uniformly."""

    height: int = 32
    width: int = 0  # 0: natural width; else a fixed height x width canvas
    font_sizes: list[int] = field(default_factory=lambda: [24, 28, 32, 40])  # px; text is then fitted to height
    colors: str = "random"  # random | black-on-white
    min_contrast: float = 0.4
    tint: float = 0.08
    p_stroke: float = 0.1
    stroke_width: list[int] = field(default_factory=lambda: [1, 3])
    p_shadow: float = 0.1
    shadow_offset: list[float] = field(default_factory=lambda: [0.03, 0.1])
    shadow_blur: list[float] = field(default_factory=lambda: [0.0, 1.5])
    shadow_opacity: list[float] = field(default_factory=lambda: [0.4, 0.9])
    kerning: bool = True  # False: glyphs at their advances only (faster with thousands of fonts)
    p_spacing: float = 0.2
    spacing: list[float] = field(default_factory=lambda: [-0.05, 0.3])
    background: dict[str, float] = field(default_factory=lambda: {"flat": 0.4, "gradient": 0.2, "noise": 0.2, "texture": 0.2})
    texture_zoom: list[float] = field(default_factory=lambda: [0.5, 2.0])
    p_rotation: float = 0.3
    rotation: list[float] = field(default_factory=lambda: [-5.0, 5.0])
    p_perspective: float = 0.2
    perspective: float = 0.1
    p_curve: float = 0.1
    curve: list[float] = field(default_factory=lambda: [0.1, 0.4])
    margins: list[float] = field(default_factory=lambda: [0.0, 0.25])
    p_blur: float = 0.2
    blur: list[float] = field(default_factory=lambda: [0.3, 1.0])
    p_motion_blur: float = 0.05
    motion_blur: list[int] = field(default_factory=lambda: [3, 5])
    p_noise: float = 0.3
    noise: list[float] = field(default_factory=lambda: [2.0, 10.0])
    p_jpeg: float = 0.3
    jpeg_quality: list[int] = field(default_factory=lambda: [30, 90])
    p_invert: float = 0.2
    p_distractor: float = 0.0  # pieces of neighbouring text at the image's edges (effects.distractors); words only
    distractor_gap: list[float] = field(default_factory=lambda: [0.15, 0.5])  # from the word, in box heights (a word space, a leading)
    distractor_visible: list[float] = field(default_factory=lambda: [0.1, 0.5])  # how far past the gap the margin reaches
    p_distractor_side: float = 0.3  # each side's chance (besides one side drawn to have one)
    p_ink_box: float = 0.3  # words boxed at their ink, as a tight detector box is, instead of the font's line (Style.box); sample version 5

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, base: "StyleConfig | None" = None) -> "StyleConfig":
        """`base` (default: the defaults) with the keys of `data` replaced; unknown keys refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserError(f"unknown style setting {unknown[0]!r}; known settings: {', '.join(sorted(known))}")
        defaults = cls().to_dict()
        for name, value in data.items():
            check_setting(name, value, defaults[name])
        merged = {**(base or cls()).to_dict(), **data}
        return cls(**merged)


# The values each numeric setting may take (every element, for lists): beyond them a render
# would only allocate gigabytes or spin (a blur of sigma 1e6, a 1e6-pixel stroke), so they are
# refused up front with the range named.
LIMITS: dict[str, tuple[float, float]] = {
    "height": (8, 1024), "width": (0, 8192), "font_sizes": (4, 512), "min_contrast": (0, 1), "tint": (0, 1),
    "stroke_width": (0, 32), "shadow_offset": (0, 1), "shadow_blur": (0, 16), "shadow_opacity": (0, 1),
    "spacing": (-0.5, 2), "texture_zoom": (0.01, 100), "rotation": (-180, 180), "perspective": (0, 0.5),
    "curve": (-2, 2), "margins": (0, 2), "distractor_gap": (0, 1), "distractor_visible": (0, 1), "blur": (0, 16), "motion_blur": (1, 63), "noise": (0, 255), "jpeg_quality": (1, 100),
}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_setting(name: str, value, default) -> None:
    """UserError unless `value` has the shape of the setting's default: a finite number, a
    bool, a string, a list of finite numbers ([low, high] ranges with low <= high), or a
    mapping of names to non-negative weights. Probabilities (p_*) lie in [0, 1]."""
    def bad(what: str) -> UserError:
        return UserError(f"style setting {name!r} must be {what} (got {json.dumps(value)[:60]}); e.g. {json.dumps(default)}")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad("true or false")
    elif isinstance(default, (int, float)):
        if not _number(value) or (isinstance(default, int) and not isinstance(value, int)):
            raise bad("a whole number" if isinstance(default, int) else "a finite number")
        if name.startswith("p_") and not 0 <= value <= 1:
            raise bad("a probability between 0 and 1")
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise bad("a string")
    elif isinstance(default, list):
        if not isinstance(value, list) or not value or not all(_number(v) for v in value):
            raise bad("a non-empty list of finite numbers")
        if len(default) == 2 and name != "font_sizes" and (len(value) != 2 or value[0] > value[1]):
            raise bad("a range [low, high] with low <= high")
    elif isinstance(default, dict):
        if not isinstance(value, dict) or not value or not all(_number(v) and v >= 0 for v in value.values()):
            raise bad("an object of non-negative weights")
    if name in LIMITS:
        low, high = LIMITS[name]
        values = value if isinstance(value, list) else [value]
        if not all(low <= v <= high for v in values) and not (name == "width" and value == 0):
            raise bad(f"between {low:g} and {high:g}")


BACKGROUND_KINDS = ("flat", "gradient", "noise", "texture")


def check_backgrounds(cfg: StyleConfig, textures: bool) -> None:
    """A UserError unless some background kind can be drawn: one with a positive weight, and
    texture only with `textures` (a --backgrounds folder). Without one every sample failed in a
    worker (an IndexError traceback)."""
    unknown = sorted(set(cfg.background) - set(BACKGROUND_KINDS))
    if unknown:
        raise UserError(f"style setting 'background' has no kind {unknown[0]!r}; the kinds are {', '.join(BACKGROUND_KINDS)}")
    weighted = sorted(k for k, w in cfg.background.items() if w > 0)
    if not weighted:
        raise UserError(f"style setting 'background' gives no kind a positive weight (got {json.dumps(cfg.background)}); "
                        'e.g. {"flat": 0.4, "gradient": 0.2, "noise": 0.2, "texture": 0.2}')
    if weighted == ["texture"] and not textures:
        raise UserError("style setting 'background' draws only textures, but no --backgrounds folder of images was given; "
                        "pass --backgrounds DIR, or give flat, gradient or noise a weight")


def _clean() -> StyleConfig:
    """Every photometric and geometric effect off: dark text on white, no rotation or noise."""
    return StyleConfig(
        colors="black-on-white", font_sizes=[32], p_stroke=0, p_shadow=0, p_spacing=0,
        background={"flat": 1.0}, p_rotation=0, p_perspective=0, p_curve=0, margins=[0.1, 0.1],
        p_blur=0, p_motion_blur=0, p_noise=0, p_jpeg=0, p_invert=0, p_ink_box=0,
    )


PRESETS = {"default": StyleConfig, "clean": _clean}


def preset(name: str) -> StyleConfig:
    if name not in PRESETS:
        raise UserError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]()


def style_slices(style: dict) -> dict[str, str]:
    """Where one stored Style record (the `style` of a sample's `meta`) falls in the slices the
    evaluations report accuracy by: each optional effect "on" or "off", the background kind,
    the font size and the polarity. Fields this version does not know are ignored."""
    known = {f.name for f in fields(Style)}
    s = Style.from_dict({k: v for k, v in style.items() if k in known})
    on = {
        "stroke": s.stroke_width > 0, "shadow": s.shadow_opacity > 0, "spacing": s.spacing != 0,
        "rotation": s.rotation != 0, "perspective": any(s.perspective), "curve": s.curve != 0,
        "blur": s.blur > 0, "motion_blur": s.motion_blur[0] > 0, "noise": s.noise > 0, "jpeg": s.jpeg_quality > 0,
        "distractors": bool(s.distractors),
    }
    return {**{name: "on" if value else "off" for name, value in on.items()},
            "background": s.bg_kind, "font_size": str(s.font_size), "polarity": "light on dark" if s.invert else "dark on light"}


def _between(draws: Draws, bounds: list[float]) -> float:
    return draws.uniform(bounds[0], bounds[1])


def sample_style(draws: Draws, cfg: StyleConfig, font: str, textures: list[str]) -> Style:
    """Draw every random choice of one sample. The same draws give the same Style.

    Each effect always consumes the same draws whether on or off, so turning one effect off
    in a config leaves the other effects of every sample unchanged.
    """
    s = Style(font=font, out_height=cfg.height, out_width=cfg.width)
    s.font_size = int(draws.choice(cfg.font_sizes))
    text_c, bg_c, bg2_c = sample_colors(draws, cfg.min_contrast, cfg.tint)
    stroke_c = tinted(draws.random(), cfg.tint, draws)
    if cfg.colors == "random":
        s.text_color, s.bg_color, s.bg_color2, s.stroke_color = text_c, bg_c, bg2_c, stroke_c
        s.shadow_color = [int(v * 0.3) for v in text_c]

    on, width = draws.coin(cfg.p_stroke), draws.integer(cfg.stroke_width[0], cfg.stroke_width[1] + 1)
    s.stroke_width = width if on else 0

    on = draws.coin(cfg.p_shadow)
    offset = [_between(draws, cfg.shadow_offset) * draws.sign() for _ in range(2)]
    blur, opacity = _between(draws, cfg.shadow_blur), _between(draws, cfg.shadow_opacity)
    if on:
        s.shadow_offset, s.shadow_blur, s.shadow_opacity = offset, blur, opacity

    on, spacing = draws.coin(cfg.p_spacing), _between(draws, cfg.spacing)
    s.spacing = spacing if on else 0.0
    s.kerning = cfg.kerning

    kinds = [k for k in cfg.background if cfg.background[k] > 0 and (k != "texture" or textures)]
    s.bg_kind = kinds[draws.weighted([cfg.background[k] for k in kinds])]
    s.bg_angle = draws.uniform(0.0, 360.0)
    s.bg_seed = draws.seed()
    crop = [draws.uniform(0.0, 1.0), draws.uniform(0.0, 1.0), _between(draws, cfg.texture_zoom)]
    texture = draws.choice(textures) if textures else ""
    if s.bg_kind == "texture":
        s.bg_texture, s.bg_crop = texture, crop

    on, angle = draws.coin(cfg.p_rotation), _between(draws, cfg.rotation)
    s.rotation = angle if on else 0.0
    on, corners = draws.coin(cfg.p_perspective), [draws.uniform(-cfg.perspective, cfg.perspective) for _ in range(8)]
    s.perspective = corners if on else [0.0] * 8
    on, bend = draws.coin(cfg.p_curve), _between(draws, cfg.curve) * draws.sign()
    s.curve = bend if on else 0.0
    s.margins = [_between(draws, cfg.margins) for _ in range(4)]
    s.align = [draws.uniform(0.0, 1.0), draws.uniform(0.0, 1.0)]

    on, sigma = draws.coin(cfg.p_blur), _between(draws, cfg.blur)
    s.blur = sigma if on else 0.0
    on, length, angle = draws.coin(cfg.p_motion_blur), draws.integer(cfg.motion_blur[0], cfg.motion_blur[1] + 1), draws.uniform(0, 180)
    s.motion_blur = [float(length), angle] if on else [0.0, 0.0]
    on, sigma, seed = draws.coin(cfg.p_noise), _between(draws, cfg.noise), draws.seed()
    if on:
        s.noise, s.noise_seed = sigma, seed
    on, quality = draws.coin(cfg.p_jpeg), draws.integer(cfg.jpeg_quality[0], cfg.jpeg_quality[1] + 1)
    s.jpeg_quality = quality if on else 0
    s.invert = draws.coin(cfg.p_invert)

    on, first = draws.coin(cfg.p_distractor), draws.integer(0, 4)  # drawn last: the fields above keep their draws
    sides = [draws.coin(cfg.p_distractor_side) or side == first for side in range(4)]  # the coin first: always drawn
    gaps = [_between(draws, cfg.distractor_gap) for _ in range(4)]
    visible = [_between(draws, cfg.distractor_visible) for _ in range(4)]
    shifts, seeds = [draws.uniform(-1.0, 1.0) for _ in range(4)], [draws.seed() for _ in range(4)]
    if on:
        s.distractors = [[side, gaps[side], shifts[side], seeds[side]] for side in range(4) if sides[side]]
        for side, *_ in s.distractors:
            s.margins[side] = max(s.margins[side], gaps[side] + visible[side])
    if cfg.p_ink_box and draws.coin(cfg.p_ink_box):  # drawn only when asked for: samples without it keep every draw
        s.box = "ink"
    return s
