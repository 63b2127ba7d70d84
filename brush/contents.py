"""Contents in the style's own font (`BrushConfig.content_font = "style"`).

TextStyleBrush draws the new text in one standard font and leaves the generator to turn it
into the style's typeface; ten CPU minutes of brush do not learn that (the edits come back in a
plain sans close to the content font, BENCHMARKS.md). With `content_font` "style" the content
image is the text drawn in the font of the style image instead, laid out exactly as a standard
content (`fontsynth.recipes.content_style`): the generator carries over colour, texture,
background and geometry, and the glyph shapes come from the font.

- Training and validation (`StyleFontContents`): our pairs know their font, so each pair's
  `content-b` (and `content`, text A) is redrawn in it from the fonts the data was rendered
  from (a rendered dataset's `fonts_dir`, or the on-the-fly stream's catalog).
- Editing and evaluating a photo or a pair of unknown font (`FontMatcher`): the font is named
  by the user, or matched: the typeface classifier's most likely font among those of a fonts
  folder or pack that cover the new text. A font held out from the classifier's training gets
  its nearest trained font.

Measured on the CPU (BENCHMARKS.md, two seeds, 1,200 steps of `small`): the typefaces of
held-out designs come back; without the OCR loss Tesseract reads 61-65% of the outputs on
held-out pairs against 29-38% with the standard font (own or matched font alike), and 87-89% of
photo edits against 67-69%; with every loss on legibility is level (84-86%), the own font adds
2-4 points of MS-SSIM, the matched one none, and photo edits keep more of the crop's contrast
and colour. Off by default.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.utils.data import Dataset, Subset

from fontsynth.errors import UserError

if TYPE_CHECKING:
    from fontsynth.catalog import Catalog

CONTENT_FONTS = ("standard", "style")
MATCH_BY = ("classes", "specimens")  # FontMatcher: the classifier's logits over its fonts, or embeddings against any font's renders
SPECIMENS = 32  # word renders of each font whose mean embedding a crop is compared with (match by specimens): held-out designs
# found 21% / 26% / 31% / 33% / 33% with 2 / 8 / 16 / 32 / 64 (BENCHMARKS.md); 44 fonts take 3.6 s on 2 CPU cores
TEXT_FIELDS = {"content-b": "label-b", "content": "label"}  # each content image and the text it draws


def style_font_fields(content_font: str) -> tuple[str, ...]:
    """What a pair must also hold to have its contents redrawn in its font: its font id (texts
    A and B brush reads anyway)."""
    return ("font",) if content_font == "style" else ()


def fonts_of(dataset) -> Path | Catalog:
    """Where the fonts of a dataset of pairs are: the rendering catalog of an on-the-fly stream,
    else the `fonts_dir` of a rendered dataset (a folder or pack); an error for pairs whose
    fonts are unknown (MOSTEL's layout)."""
    from fontsynth.shards import read_manifest
    from fontsynth.torchdata import RenderDataset, ShardDataset

    while isinstance(dataset, Subset):
        dataset = dataset.dataset
    if isinstance(dataset, RenderDataset):
        return dataset.context.fonts
    if isinstance(dataset, ShardDataset):
        fonts = Path(read_manifest(dataset.root).fonts_dir)
        if not fonts.exists():
            raise UserError(f"{dataset.root} was rendered from the fonts at {fonts}, which are not there; brush's content_font "
                            "\"style\" draws each pair's texts in its own font: put those fonts back at that path")
        return fonts
    raise UserError(f"{getattr(dataset, 'root', 'this data')}: its pairs do not say their fonts (data made by another tool); "
                    "content_font \"style\" trains on `fontsynth render --recipe pairs` data (or --on-the-fly)")


def open_catalog(fonts):
    """A Catalog: given one, or loaded from a fonts folder, catalog.json's folder or pack."""
    from fontsynth.catalog import Catalog, load_or_scan

    return fonts if isinstance(fonts, Catalog) else load_or_scan(Path(fonts), show_progress=False)


class StyleFontContents(Dataset):
    """`data`'s pairs with `content-b` (and `content`, where items hold it) drawn in each pair's
    own font (`item["font"]`) at the size of the image they replace. The renderer is opened
    lazily in the process that reads (DataLoader workers open their own)."""

    def __init__(self, data: Dataset, fonts=None):
        self.data = data
        self.catalog = open_catalog(fonts if fonts is not None else fonts_of(data))
        missing = sorted(set(getattr(data, "classes", None) or ()) - {f.id for f in self.catalog.fonts})
        if missing:
            raise UserError(f"the fonts the pairs were rendered from lack {len(missing)} of their fonts ({', '.join(missing[:3])}, ...); "
                            "content_font \"style\" needs every pair's font")
        self._content = None

    def __len__(self) -> int:
        return len(self.data)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_content": None}

    def __getattr__(self, name: str):  # the wrapped dataset's describe(), fields, charset, ...
        if name.startswith("__") or name in ("data", "_content"):
            raise AttributeError(name)
        return getattr(self.data, name)

    def __getitem__(self, index: int) -> dict:
        from fontsynth.recipes import ContentRenderer

        item = self.data[index]
        self._content = self._content or ContentRenderer(self.catalog)
        for field, text in TEXT_FIELDS.items():
            if field in item:
                item[field] = drawn_tensor(self._content.draw(item[text], *item[field].shape[-2:], font=item["font"]))
        return item


def drawn_tensor(image: np.ndarray) -> torch.Tensor:
    """1 x H x W float in [0, 1] of a drawn grey content."""
    return torch.from_numpy(image).float().div(255)[None]


def to_uint8(images: torch.Tensor) -> list[np.ndarray]:
    """H x W x C uint8 arrays of N x C x H x W floats in [0, 1] (grey as H x W)."""
    arrays = (images.detach().float().clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    return [a[..., 0] if a.shape[-1] == 1 else a for a in arrays]


def font_by_name(name: str, catalog) -> str | None:
    """The id of the catalog font `name` means: its id; its family and style as `classify` prints
    them ("Cabin Bold"), or its family where that has one font; its file name with or without the
    extension ("Cabin-Bold.otf", "Cabin-Bold"). Case and spacing ignored; None if none matches."""
    from classifier.classification import font_ids_by_name
    from fontsynth.torchdata import font_names

    found = font_ids_by_name([name], font_names(catalog.fonts)).get(name)
    if found:
        return found
    key = name.strip().lower()
    files = [f.id for f in catalog.fonts if key in (Path(f.path).name.lower(), Path(f.path).stem.lower())]
    return files[0] if len(files) == 1 else None


class FontMatcher:
    """Names the font a new text is drawn in for a style image of unknown font: `font` when given
    (`font_by_name`), else the typeface classifier's most likely font of `fonts` that covers the
    text. `by` "classes": the classifier's logits, over the fonts of `fonts` it was trained on;
    "specimens": the cosine similarity of the crop's classifier embedding to each font's mean
    embedding over SPECIMENS renders of it, so any font of `fonts` may be matched, one the
    classifier never saw included (`classifier.font_embeddings`: drawn in a process per CPU core
    on first use, progress on stderr when `progress`, and cached beside the classifier)."""

    def __init__(self, fonts, font: str | None = None, classifier: str | Path | None = None, device: str = "auto", by: str = "classes",
                 progress: bool = False):
        from classifier.classification import Classifier
        from fontsynth.recipes import ContentRenderer

        if by not in MATCH_BY:
            raise UserError(f"--match-by {by!r}: choose one of {', '.join(MATCH_BY)}")
        if font is None and classifier is None:
            raise UserError("this brush model draws the new text in the style's own font: give --font NAME (a font of --fonts) "
                            "or --classifier RUN (a typeface classifier) to match it")
        self.catalog = open_catalog(fonts)
        self.content = ContentRenderer(self.catalog)
        self.names = {f.id for f in self.catalog.usable(ocr_clean=False)}
        self.font = None
        if font is not None:
            self.font = font_by_name(font, self.catalog)
            if self.font is None:
                some = ", ".join(sorted(Path(f.path).stem for f in self.catalog.fonts)[:4])
                raise UserError(f"--font {font!r} is not one font of {fonts}; give its file name ({some}, ...), its family and "
                                "style, or its id (`fontsynth fonts report` lists them)")
        self.classifier = Classifier(classifier, device) if classifier is not None and font is None else None
        self.classifier_path = classifier if self.classifier is not None else None
        self.by = by
        self.progress = progress
        self._specimens: tuple[list[str], torch.Tensor] | None = None
        if self.classifier is not None and by == "classes" and not set(self.classifier.classes) & set(self.names):
            raise UserError(f"--classifier {classifier} knows none of the fonts of {fonts}; give the fonts it was trained on, "
                            "or --match-by specimens")

    def candidates(self) -> list[str]:
        """The fonts a text may be drawn in: the given one; every font of the catalog the classifier
        knows (by classes); every font of the catalog it can render (by specimens)."""
        if self.classifier is None:
            return [self.font]
        return self.specimen_embeddings()[0] if self.by == "specimens" else [f for f in self.classifier.classes if f in self.names]

    def specimen_embeddings(self) -> tuple[list[str], torch.Tensor]:
        """(font ids, F x D unit vectors): each font's mean classifier embedding over SPECIMENS
        renders of it at the classifier's canvas, normalised."""
        if self._specimens is None:
            import joblib

            from classifier.font_embeddings import font_embeddings

            fonts, means = font_embeddings(self.classifier, self.catalog, sorted(self.names), SPECIMENS, joblib.cpu_count(), self.progress)
            if not fonts:
                raise UserError(f"no font of {self.catalog.root} draws the default corpus' words, so none can be matched by "
                                "specimens; use --match-by classes or --font NAME")
            self._specimens = fonts, means
        return self._specimens

    def missing(self, text: str) -> str:
        """The characters of `text` that no candidate font draws whole: "" when `pick` can draw it
        (checked before any edit is made)."""
        gaps = [self.content.missing(text, f) for f in self.candidates()]
        return "" if "" in gaps else min(gaps, key=len)

    def ranked(self, images: list[np.ndarray]) -> list[list[str]]:
        """For each style image, the fonts of the catalog the classifier knows, most likely first
        (the given font alone when there is one)."""
        if self.classifier is None:
            return [[self.font] for _ in images]
        if self.by == "specimens":
            fonts, means = self.specimen_embeddings()
            similarity = torch.nn.functional.normalize(self.classifier.embed(images), dim=1) @ means.T
            return [[fonts[j] for j in row] for row in similarity.argsort(dim=1, descending=True).tolist()]
        return [[t["font"] for t in top if t["font"] in self.names] for top in self.classifier.top(images, k=len(self.classifier.classes))]

    def pick(self, images: list[np.ndarray], texts: list[str]) -> list[str]:
        """The font each text is drawn in for its style image: the first ranked that covers it."""
        out = []
        for ranking, text in zip(self.ranked(images), texts):
            font = next((f for f in ranking if not self.content.missing(text, f)), None)
            if font is None:
                raise UserError(f"no font of the catalog {'named' if self.font else 'matched'} covers {text!r}"
                                f"{f' (missing {self.content.missing(text, ranking[0])!r})' if ranking else ''}; use characters it draws")
            out.append(font)
        return out


def matched_contents(matcher: FontMatcher, styles: torch.Tensor, texts: list[str]) -> tuple[torch.Tensor, list[str]]:
    """(N x 1 x H x W contents of `texts` on the styles' canvas, each in the font `matcher` picks
    for its style image; those fonts)."""
    fonts = matcher.pick(to_uint8(styles), list(texts))
    height, width = styles.shape[-2:]
    drawn = [drawn_tensor(matcher.content.draw(text, height, width, font=font)) for text, font in zip(texts, fonts)]
    return torch.stack(drawn).to(styles.device), fonts


def run_content_font(payload: dict) -> str:
    """The font a saved brush run draws its contents in (a run from before the option: standard)."""
    return payload.get("model_config", {}).get("content_font", "standard")


def run_classifier(payload: dict) -> str | None:
    """The typeface classifier a brush run trained with (`brush train --classifier`), where it still is."""
    trained = payload.get("run", {}).get("frozen", {}).get("classifier")
    return trained if trained and Path(trained).exists() else None


def run_fonts(payload: dict) -> Path | None:
    """The fonts a brush run trained on (its --fonts on the fly, else its data's `fonts_dir`),
    where they still are; None when unknown or gone."""
    from fontsynth.shards import read_manifest

    data = payload.get("run", {}).get("data", {})
    try:
        fonts = data.get("fonts") or (read_manifest(Path(data["data"])).fonts_dir if data.get("data") else None)
    except (UserError, OSError, ValueError, KeyError):
        return None
    return Path(fonts) if fonts and Path(fonts).exists() else None
