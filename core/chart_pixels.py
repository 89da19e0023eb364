"""Pixels for the digest chart: a fixed palette per layout, words from kept glyphs, a small fast PNG.

core/digest_chart.py keeps everything that is the same between managers in a background. The chart
has a few flat colours and their anti-aliased edges, so one palette, built per layout from sample
renders, holds them all: each chart is drawn straight into a palette ("P") image, a third of the
bytes of RGB to compress and with no PNG row filters to choose (about 0.6 ms instead of 5 to encode).
"""

from __future__ import annotations

import io
import re
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Pillow is imported where a chart is drawn, so importing the scheduler stays fast
    from PIL import Image, ImageFont

__all__ = ["Glyphs", "encode", "ink_table", "make_palette", "stamp", "to_palette"]

SAFE_DISTANCE = 8  # palette entries this close to a flat colour would capture its pixels (Pillow maps by box)
# Scripts drawn one glyph per character with pairwise kerning (Latin, Greek, Cyrillic, Armenian, punctuation):
# no combining marks, no shaping. Anything else is drawn by Pillow's full layout.
SIMPLE = re.compile("[\x20-\x7e\xa0-\u02ff\u0370-\u0482\u048a-\u058f\u2010-\u2027]*")
PAD = 24


def make_palette(samples: list[Image.Image], flat: list[str]) -> tuple[Image.Image, dict[str, int]]:
    """Return a "P" image whose palette holds the `flat` colours exactly and the samples' other colours,
    with the index of each flat colour.

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
    return palette, {c: chosen.index(_rgb(c)) for c in flat}


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def encode(image: Image.Image) -> bytes:
    """Return the palette image as PNG bytes (no timestamp: the same picture gives the same bytes)."""
    out = io.BytesIO()
    # Run-length matching suits a chart's long runs of one colour: a tenth faster than zlib's default, as small.
    image.save(out, format="PNG", compress_level=1, compress_type=zlib.Z_RLE)
    return out.getvalue()


def to_palette(image: Image.Image, palette: Image.Image) -> Image.Image:
    """Return the RGB image in the palette's colours (the nearest of each, no dithering)."""
    from PIL import Image

    return image.quantize(palette=palette, dither=Image.Dither.NONE)


def ink_table(palette: Image.Image, ink: str, paper: str) -> list[int]:
    """Return, for each coverage 0-255 of a glyph, the palette index of `ink` laid over `paper` that much."""
    from PIL import Image

    (ir, ig, ib), (pr, pg, pb) = _rgb(ink), _rgb(paper)
    ramp = bytes(v for a in range(256) for v in (pr + round((ir - pr) * a / 255), pg + round((ig - pg) * a / 255),
                                                 pb + round((ib - pb) * a / 255)))
    return list(to_palette(Image.frombytes("RGB", (256, 1), ramp), palette).tobytes())


def stamp(image: Image.Image, coverage: Image.Image, table: list[int], at: tuple[int, int]) -> None:
    """Write words drawn as coverage ("L", 0 = none) over the palette image's box at `at`, through `table`.

    The box is white paper with nothing else on it (the layout checks it), so each pixel becomes the
    ink-over-paper colour of its coverage: what drawing the words on the RGB picture would have given.
    """
    # Through the core image: the indices are copied as they are (Image.paste would convert "L" through
    # the palette), and without Image.point's checks, which cost more than the mapping.
    image.im.paste(coverage.im.point(table, "L"), (*at, at[0] + coverage.width, at[1] + coverage.height))


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
        self.glyphs: dict[str, tuple[Any, int, int, int, int] | None] = {}
        self.lengths: dict[str, int] = {}
        self.pairs: dict[str, int] = {}
        self.baselines: dict[int, int] = {}

    def length(self, text: str) -> float:
        """Return the text's advance width in pixels, as Pillow's getlength measures it."""
        if not SIMPLE.fullmatch(text):
            return self.fallback.getlength(text)
        return sum(self._advances(text)) / 64

    def fit(self, text: str, limit: float) -> str:
        """Cut `text` with an ellipsis until it is at most `limit` pixels wide."""
        if self.length(text) <= limit:
            return text
        while len(text) > 1 and self.length(text.rstrip() + "…") > limit:
            text = text[:-1]
        return text.rstrip() + "…"

    def draw(self, image: Image.Image, xy: tuple[float, float], text: str, ink: int | tuple[int, int, int],
             anchor: str, limit: float | None = None) -> None:
        """Draw `text` at `xy` with a left or right, middle anchor ("lm" or "rm"), as ImageDraw.text would.

        With `limit`, the text is first cut with an ellipsis to at most that many pixels (as fit() does).
        """
        simple = SIMPLE.fullmatch(text) is not None
        advances = self._advances(text) if simple else []
        if limit is not None and (sum(advances) / 64 if simple else self.fallback.getlength(text)) > limit:
            text = self.fit(text, limit)
            simple = SIMPLE.fullmatch(text) is not None
            advances = self._advances(text) if simple else []
        if anchor not in ("lm", "rm") or not simple:
            from PIL import ImageDraw

            ImageDraw.Draw(image).text(xy, text, fill=ink, font=self.fallback, anchor=anchor)
            return
        x = int(xy[0]) - (_pixel(sum(advances)) if anchor == "rm" else 0)
        base = int(xy[1]) + self._baseline(xy[1] % 1)
        pen = round(xy[0] % 1 * 64)  # Pillow starts the pen at the anchor's sub-pixel offset, in 1/64 px
        core, glyphs = image.im, self.glyphs  # pasting through the core: Image.paste's checks cost more than the copy
        for char, advance in zip(text, advances, strict=True):
            glyph = glyphs[char] if char in glyphs else self._glyph(char)
            if glyph is not None:
                mask, width, height, gx, gy = glyph
                left, top = x + ((pen + 32) >> 6) + gx, base + gy
                core.paste(ink, (left, top, left + width, top + height), mask)
            pen += advance

    def _advances(self, text: str) -> list[int]:
        """Each character's advance in 1/64 px, kerned with the next one (pairs measured once)."""
        pairs = self.pairs
        out = [pairs[a + b] if a + b in pairs else self._pair(a, b) for a, b in zip(text, text[1:], strict=False)]
        return [*out, self._measure(text[-1])] if text else out

    def _pair(self, a: str, b: str) -> int:
        advance = self.pairs[a + b] = self._measure(a + b) - self._measure(b)
        return advance

    def _measure(self, text: str) -> int:
        n = self.lengths.get(text)
        if n is None:
            n = self.lengths[text] = round(self.font.getlength(text) * 64)
        return n

    def _glyph(self, char: str) -> tuple[Any, int, int, int, int] | None:
        """The character's inked pixels (a core image), their size and where they sit from the pen on the baseline."""
        from PIL import Image, ImageDraw

        canvas = Image.new("L", (3 * PAD, 3 * PAD), 0)
        ImageDraw.Draw(canvas).text((PAD, 2 * PAD), char, fill=255, font=self.font, anchor="ls")
        box = canvas.getbbox()
        found = None
        if box is not None:
            mask = canvas.crop(box)
            found = (mask.im, mask.width, mask.height, box[0] - PAD, box[1] - 2 * PAD)
        self.glyphs[char] = found
        return found

    def _baseline(self, fraction: float) -> int:
        """Rows from a middle anchor's whole pixel down to the baseline (measured once per sub-pixel offset)."""
        key = round(fraction * 64)
        if key not in self.baselines:
            from PIL import Image, ImageDraw

            canvas = Image.new("L", (3 * PAD, 3 * PAD), 0)
            ImageDraw.Draw(canvas).text((PAD, PAD + fraction), "H", fill=255, font=self.font, anchor="lm")
            box, glyph = canvas.getbbox(), self.glyphs["H"] if "H" in self.glyphs else self._glyph("H")
            assert box is not None and glyph is not None
            self.baselines[key] = box[1] - glyph[4] - PAD
        return self.baselines[key]


def _pixel(value: int) -> int:
    """Round a 1/64 px position to whole pixels as FreeType does."""
    return (value + 32) >> 6
