"""The Style record: every random choice of one sample, drawn before anything is drawn on screen.

`sample_style(rng, cfg, picker, text, textures)` draws a Style; `render(text, style)` is a
deterministic function of it. A Style is plain JSON (`to_json` / `from_json`), stored with
each sample, and re-renders it exactly.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from fontsynth.effects.colors import sample_colors
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

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Style":
        return cls(**json.loads(text))


@dataclass
class StyleConfig:
    """Probabilities and ranges of every effect. Ranges are [low, high], drawn uniformly."""

    height: int = 32
    width: int = 0  # 0: natural width; else a fixed height x width canvas
    font_sizes: list[int] = field(default_factory=lambda: [24, 32, 40, 48])
    colors: str = "random"  # random | black-on-white
    min_contrast: float = 0.4
    tint: float = 0.08
    p_stroke: float = 0.1
    stroke_width: list[int] = field(default_factory=lambda: [1, 3])
    p_shadow: float = 0.1
    shadow_offset: list[float] = field(default_factory=lambda: [0.03, 0.1])
    shadow_blur: list[float] = field(default_factory=lambda: [0.0, 1.5])
    shadow_opacity: list[float] = field(default_factory=lambda: [0.4, 0.9])
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

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, base: "StyleConfig | None" = None) -> "StyleConfig":
        """`base` (default: the defaults) with the keys of `data` replaced; unknown keys refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserError(f"unknown style setting {unknown[0]!r}; known settings: {', '.join(sorted(known))}")
        merged = {**(base or cls()).to_dict(), **data}
        return cls(**merged)


def _clean() -> StyleConfig:
    """Every photometric and geometric effect off: dark text on white, no rotation or noise."""
    return StyleConfig(
        colors="black-on-white", font_sizes=[32], p_stroke=0, p_shadow=0, p_spacing=0,
        background={"flat": 1.0}, p_rotation=0, p_perspective=0, p_curve=0, margins=[0.1, 0.1],
        p_blur=0, p_motion_blur=0, p_noise=0, p_jpeg=0, p_invert=0,
    )


PRESETS = {"default": StyleConfig, "clean": _clean}


def preset(name: str) -> StyleConfig:
    if name not in PRESETS:
        raise UserError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]()


def _uniform(rng: np.random.Generator, bounds: list[float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def _coin(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


def sample_style(rng: np.random.Generator, cfg: StyleConfig, font: str, textures: list[str]) -> Style:
    """Draw every random choice of one sample. The same rng state gives the same Style.

    Each effect always consumes the same draws whether on or off, so turning one effect off
    in a config leaves the other effects of every sample unchanged.
    """
    s = Style(font=font, out_height=cfg.height, out_width=cfg.width)
    s.font_size = int(cfg.font_sizes[int(rng.integers(len(cfg.font_sizes)))])
    text_c, bg_c, bg2_c = sample_colors(rng, cfg.min_contrast, cfg.tint)
    if cfg.colors == "random":
        s.text_color, s.bg_color, s.bg_color2 = text_c, bg_c, bg2_c
        s.stroke_color = sample_colors(rng, cfg.min_contrast, cfg.tint)[int(rng.integers(2))]
        s.shadow_color = [int(v * 0.3) for v in text_c]
    else:
        s.text_color, s.bg_color, s.bg_color2 = [0, 0, 0], [255, 255, 255], [255, 255, 255]
        sample_colors(rng, cfg.min_contrast, cfg.tint)
        rng.integers(2)

    on, width = _coin(rng, cfg.p_stroke), int(rng.integers(cfg.stroke_width[0], cfg.stroke_width[1] + 1))
    s.stroke_width = width if on else 0

    on, offset, blur, opacity = _coin(rng, cfg.p_shadow), rng.uniform(*cfg.shadow_offset, size=2) * rng.choice([-1, 1], size=2), _uniform(rng, cfg.shadow_blur), _uniform(rng, cfg.shadow_opacity)
    if on:
        s.shadow_offset, s.shadow_blur, s.shadow_opacity = [float(v) for v in offset], blur, opacity

    on, spacing = _coin(rng, cfg.p_spacing), _uniform(rng, cfg.spacing)
    s.spacing = spacing if on else 0.0

    kinds = [k for k in cfg.background if cfg.background[k] > 0 and (k != "texture" or textures)]
    weights = np.array([cfg.background[k] for k in kinds], float)
    s.bg_kind = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
    s.bg_angle = _uniform(rng, [0.0, 360.0])
    s.bg_seed = int(rng.integers(2**31))
    crop = [_uniform(rng, [0, 1]), _uniform(rng, [0, 1]), _uniform(rng, cfg.texture_zoom)]
    texture = textures[int(rng.integers(len(textures)))] if textures else ""
    if s.bg_kind == "texture":
        s.bg_texture, s.bg_crop = texture, crop

    on, angle = _coin(rng, cfg.p_rotation), _uniform(rng, cfg.rotation)
    s.rotation = angle if on else 0.0
    on, corners = _coin(rng, cfg.p_perspective), rng.uniform(-cfg.perspective, cfg.perspective, 8)
    s.perspective = [float(v) for v in corners] if on else [0.0] * 8
    on, bend = _coin(rng, cfg.p_curve), _uniform(rng, cfg.curve) * float(rng.choice([-1, 1]))
    s.curve = bend if on else 0.0
    s.margins = [float(v) for v in rng.uniform(cfg.margins[0], cfg.margins[1], 4)]
    s.align = [float(v) for v in rng.uniform(0, 1, 2)]

    on, sigma = _coin(rng, cfg.p_blur), _uniform(rng, cfg.blur)
    s.blur = sigma if on else 0.0
    on, length, angle = _coin(rng, cfg.p_motion_blur), int(rng.integers(cfg.motion_blur[0], cfg.motion_blur[1] + 1)), _uniform(rng, [0, 180])
    s.motion_blur = [float(length), angle] if on else [0.0, 0.0]
    on, sigma, seed = _coin(rng, cfg.p_noise), _uniform(rng, cfg.noise), int(rng.integers(2**31))
    if on:
        s.noise, s.noise_seed = sigma, seed
    on, quality = _coin(rng, cfg.p_jpeg), int(rng.integers(cfg.jpeg_quality[0], cfg.jpeg_quality[1] + 1))
    s.jpeg_quality = quality if on else 0
    s.invert = _coin(rng, cfg.p_invert)
    return s
