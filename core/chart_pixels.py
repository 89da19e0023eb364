"""Pixels for the digest chart: a fixed palette per layout, words drawn by Pillow, a small fast PNG.

core/digest_chart.py keeps everything that is the same between managers in a background; this module
turns each chart's RGB picture into a palette ("P") PNG. The chart has a few flat colours and their
anti-aliased edges, so one palette built per layout from sample renders holds them: the image is a
third of the bytes to compress and needs no PNG row filters (about 1 ms instead of 5 for RGB).
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Pillow is imported where a chart is drawn, so importing the scheduler stays fast
    from PIL import Image, ImageFont

__all__ = ["Glyphs", "Words", "encode", "make_palette", "paste_word"]

SAFE_DISTANCE = 8  # palette entries this close to a flat colour would capture its pixels (Pillow maps by box)
# Scripts drawn one glyph per character with pairwise kerning (Latin, Greek, Cyrillic, Armenian, punctuation):
# no combining marks, no shaping. Anything else is drawn by Pillow's full layout.
SIMPLE = re.compile("[\x20-\x7e\xa0-\u02ff\u0370-\u0482\u048a-\u058f\u2010-\u2027]*")
PAD = 24


def make_palette(samples: list[Image.Image], flat: list[str]) -> Image.Image:
    """Return a "P" image whose palette holds the `flat` colours exactly and the samples' other colours.

    The flat colours (background, ink, bars) come first and nothing near them is added, so their pixels
    keep their exact value; the rest of the 256 entries are the samples' anti-aliased shades.
    """
    from PIL import Image

    keys = list(dict.fromkeys(_rgb(c) for c in flat))
    width = max(s.width for s in samples)
    sheet = Image.new("RGB", (width, sum(s.height for s in samples)), "white")
    y = 0
    for s in samples:
        sheet.paste(s, (0, y))
        y += s.height
    shades = sheet.quantize(colors=256 - len(keys), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    found = shades.getpalette() or []
    chosen = list(keys)
    for i in range(0, len(found), 3):
        c = (found[i], found[i + 1], found[i + 2])
        if all(max(abs(a - b) for a, b in zip(c, k, strict=True)) > SAFE_DISTANCE for k in keys):
            chosen.append(c)
    chosen = list(dict.fromkeys(chosen))[:256]
    palette = Image.new("P", (1, 1))
    palette.putpalette([v for c in chosen for v in c] + [255, 255, 255] * (256 - len(chosen)))
    return palette


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def encode(image: Image.Image, palette: Image.Image) -> bytes:
    """Return the RGB picture as a palette PNG (nearest colours, no dithering: the same data, the same bytes)."""
    from PIL import Image

    out = io.BytesIO()
    image.quantize(palette=palette, dither=Image.Dither.NONE).save(out, format="PNG", compress_level=1)
    return out.getvalue()


class Words:
    """Draws short words (counts such as "3/10") from masks rendered once, in one ink at fixed anchors.

    A name is new in every chart and is drawn directly; a count repeats across a week's charts, so its
    anti-aliased mask is kept (per text, size, anchor and sub-pixel start, as Pillow renders it).
    """

    def __init__(self, ink: str) -> None:
        """Keep masks for words drawn in `ink`."""
        self.ink = _rgb(ink)
        self.masks: dict[tuple[str, Any, str, float, float], tuple[Image.Image, tuple[int, int]]] = {}

    def mask(self, text: str, font: ImageFont.FreeTypeFont, anchor: str,
             xy: tuple[float, float]) -> tuple[Image.Image, tuple[int, int]]:
        """Return the word's mask and where its top left goes, rendered on first use."""
        fx, fy = xy[0] % 1, xy[1] % 1
        key = (text, id(font), anchor, fx, fy)
        found = self.masks.get(key)
        if found is None:
            from PIL import Image, ImageDraw

            left, top, right, bottom = font.getbbox(text, anchor=anchor)
            pad = 2
            mask = Image.new("L", (int(right - left) + 2 * pad + 1, int(bottom - top) + 2 * pad + 1), 0)
            origin = (pad - int(left) + fx, pad - int(top) + fy)
            ImageDraw.Draw(mask).text(origin, text, fill=255, font=font, anchor=anchor)
            found = self.masks[key] = (mask, (int(left) - pad, int(top) - pad))
        return found


def paste_word(image: Image.Image, words: Words, text: str, font: ImageFont.FreeTypeFont, anchor: str,
               xy: tuple[float, float]) -> None:
    """Draw `text` at `xy` as Pillow's ImageDraw.text would, from a kept mask."""
    mask, (dx, dy) = words.mask(text, font, anchor, xy)
    x, y = int(xy[0]) + dx, int(xy[1]) + dy
    image.paste(words.ink, (x, y, x + mask.width, y + mask.height), mask)


class Glyphs:
    """Draws names as Pillow's basic layout would, from glyph bitmaps rendered once per character.

    Pillow renders every glyph of a string three times (its box, then two passes); a name is new in
    every chart, but its letters are not. In the basic layout a glyph's pen position is the sum of the
    advances before it, each advance adjusted by the kerning of its pair, and its bitmap lands on whole
    pixels, so pasting kept bitmaps at those positions gives the same picture (pixels where two glyphs
    overlap may differ by one level), in a third of the time.
    """

    def __init__(self, font: ImageFont.FreeTypeFont, fallback: ImageFont.FreeTypeFont) -> None:
        """Draw with `font` (basic layout); text outside the simple scripts goes through `fallback`."""
        self.font, self.fallback = font, fallback
        self.glyphs: dict[str, tuple[Image.Image, int, int] | None] = {}
        self.lengths: dict[str, int] = {}
        self.baselines: dict[int, int] = {}

    def length(self, text: str) -> float:
        """Return the text's advance width in pixels, as Pillow's getlength measures it."""
        if not SIMPLE.fullmatch(text):
            return self.fallback.getlength(text)
        return sum(self._advances(text)) / 64

    def draw(self, image: Image.Image, xy: tuple[float, float], text: str, ink: tuple[int, int, int],
             anchor: str) -> None:
        """Draw `text` at `xy` with a left or right, middle anchor ("lm" or "rm"), as ImageDraw.text would."""
        if anchor not in ("lm", "rm") or not SIMPLE.fullmatch(text):
            from PIL import ImageDraw

            ImageDraw.Draw(image).text(xy, text, fill=ink, font=self.fallback, anchor=anchor)
            return
        advances = self._advances(text)
        x = int(xy[0]) - (_pixel(sum(advances)) if anchor == "rm" else 0)
        base = int(xy[1]) + self._baseline(xy[1] % 1)
        pen = round(xy[0] % 1 * 64)  # Pillow starts the pen at the anchor's sub-pixel offset, in 1/64 px
        for char, advance in zip(text, advances, strict=True):
            glyph = self._glyph(char)
            if glyph is not None:
                mask, gx, gy = glyph
                left, top = x + _pixel(pen) + gx, base + gy
                image.paste(ink, (left, top, left + mask.width, top + mask.height), mask)
            pen += advance

    def _advances(self, text: str) -> list[int]:
        """Each character's advance in 1/64 px, kerned with the next one (pairs measured once)."""
        out = [self._measure(a + b) - self._measure(b) for a, b in zip(text, text[1:], strict=False)]
        return [*out, self._measure(text[-1])] if text else out

    def _measure(self, text: str) -> int:
        n = self.lengths.get(text)
        if n is None:
            n = self.lengths[text] = round(self.font.getlength(text) * 64)
        return n

    def _glyph(self, char: str) -> tuple[Image.Image, int, int] | None:
        """The character's inked pixels and where they sit from the pen on the baseline (None: blank)."""
        if char not in self.glyphs:
            from PIL import Image, ImageDraw

            canvas = Image.new("L", (3 * PAD, 3 * PAD), 0)
            ImageDraw.Draw(canvas).text((PAD, 2 * PAD), char, fill=255, font=self.font, anchor="ls")
            box = canvas.getbbox()
            self.glyphs[char] = None if box is None else (canvas.crop(box), box[0] - PAD, box[1] - 2 * PAD)
        return self.glyphs[char]

    def _baseline(self, fraction: float) -> int:
        """Rows from a middle anchor's whole pixel down to the baseline (measured once per sub-pixel offset)."""
        key = round(fraction * 64)
        if key not in self.baselines:
            from PIL import Image, ImageDraw

            canvas = Image.new("L", (3 * PAD, 3 * PAD), 0)
            ImageDraw.Draw(canvas).text((PAD, PAD + fraction), "H", fill=255, font=self.font, anchor="lm")
            box, glyph = canvas.getbbox(), self._glyph("H")
            assert box is not None and glyph is not None
            self.baselines[key] = box[1] - glyph[2] - PAD
        return self.baselines[key]


def _pixel(value: int) -> int:
    """Round a 1/64 px position to whole pixels as FreeType does."""
    return (value + 32) >> 6
