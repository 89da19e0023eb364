"""The digest chart, fast: one background per layout, each chart's bars, lines and words drawn over it.

core/charts.py draws a chart from scratch (about 200 ms of CPU). A weekly run draws thousands of charts
of the same shape, so everything that does not change between managers (panel titles, axes, ticks,
grid, grey tracks, a fixed legend, the title and the weeks) is drawn once per layout by matplotlib
into a background. Each chart starts from a copy of it: Pillow fills the bars (axis-aligned
rectangles on the same pixel grid as the tracks) and writes the words (names and counts, in
matplotlib's default face, at anchors measured once per layout); only the accuracy lines go through
matplotlib, over the background of that panel, and only when someone answered. The picture is saved
as a palette PNG (core/chart_pixels.py). It says the same as core.charts.progress_chart's, at a
smaller resolution for chat. Caches (figures, fonts) are per thread, and never pyplot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from core.chart_pixels import Glyphs, encode, ink_table, make_palette, stamp, to_palette
from core.charts import (
    BASE_HEIGHT_IN,
    INK,
    MARKERS,
    MUTED,
    PALETTE,
    ROW_IN,
    TRACK_GREY,
    WIDTH_IN,
    PersonWeek,
    _frame,
    _labels,
    _panels,
    _people,
    _Person,
    week_label,
)

__all__ = ["DIGEST_DPI", "MAX_ROWS", "digest_png", "fit"]

DIGEST_DPI = 80  # 720 x 400 px: sharp enough in a chat, a third fewer pixels than 100 dpi
MAX_ROWS = 30  # larger teams use core.charts.progress_chart
MAX_LAYOUTS = 64
NAME_IN, LEGEND_NAME_IN = 1.33, 1.1
BAR_HEIGHT = 0.62
SAMPLE_MONDAY = date(2025, 1, 6)  # the sample layout the palette is picked from shows six weeks from here
_local = threading.local()


@dataclass
class _Layout:
    """A figure for one shape (people, weeks, words), its backgrounds, palette and where each chart draws."""

    canvas: Any  # a FigureCanvasAgg (matplotlib leaves its methods unannotated): draws the accuracy lines
    background: Any = None  # the canvas's saved background, for the lines
    plain: Any = None  # the background as a palette image, grey tracks included
    empty: Any = None  # the same with "No answers yet" in the accuracy panel
    palette: Any = None  # a "P" image holding the layout's palette
    colours: dict[str, int] = field(default_factory=dict)  # palette index of each flat colour
    ink: list[int] = field(default_factory=list)  # palette index of ink over white, by glyph coverage
    dynamic: list[Any] = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)
    bars: list[tuple[int, int, int, int]] = field(default_factory=list)  # x at 0, x at 100%, top, bottom (px)
    lines_box: tuple[int, int, int, int] = (0, 0, 0, 0)  # the accuracy panel (px): lines never leave it


def digest_png(rows: list[PersonWeek], title: str, locale: str = "en") -> bytes:
    """Render a digest chart (progress bars and accuracy by week) as PNG bytes, reusing a cached layout."""
    from core.charts import progress_chart

    people = _people(rows)
    weeks = sorted({r.week for r in rows})
    if not people or len(people) > MAX_ROWS:
        return progress_chart(rows, title, locale, dpi=DIGEST_DPI)
    coloured = len(people) <= len(PALETTE)
    # A week's digests share their title and weeks, so those go into the background too.
    key = (len(people), tuple(weeks), coloured, locale, title)
    cache: dict[tuple[Any, ...], _Layout] = _local.__dict__.setdefault("layouts", {})
    layout = cache.get(key)
    if layout is None:
        if len(cache) >= MAX_LAYOUTS:
            cache.clear()
        layout = cache[key] = _build(len(people), weeks, coloured, locale, title)
    return encode(_picture(layout, people, rows, weeks, coloured))


def _build(n: int, weeks: list[date], coloured: bool, locale: str, title: str) -> _Layout:
    layout, plain, blank = _draw(n, weeks, coloured, locale, title)
    layout.palette, layout.colours, layout.ink = _palette(coloured)
    layout.plain, layout.empty = to_palette(plain, layout.palette), to_palette(blank, layout.palette)
    _word_boxes(layout, coloured)
    return layout


def _palette(coloured: bool) -> tuple[Any, dict[str, int], list[int]]:
    """Return this thread's palette, flat colour indices and ink table for coloured (or team) layouts.

    Every layout uses the same colours, lines and fonts, so one palette, picked from a sample layout
    with every colour (picking costs more than drawing a layout), serves them all; being picked from
    the same sample every time, it keeps the same data giving the same bytes in any process.
    """
    palettes: dict[bool, tuple[Any, dict[str, int], list[int]]] = _local.__dict__.setdefault("palettes", {})
    if coloured not in palettes:
        n = len(PALETTE) if coloured else 10
        weeks = [SAMPLE_MONDAY + timedelta(weeks=w) for w in range(6)]
        sample, plain, blank = _draw(n, weeks, coloured, "en", "Sample")
        palette, colours = make_palette([blank, plain, *_samples(sample, n, weeks, coloured)],
                                        ["#FFFFFF", INK, TRACK_GREY, MUTED, *PALETTE])
        palettes[coloured] = palette, colours, ink_table(palette, INK, "#FFFFFF")
    return palettes[coloured]


def _draw(n: int, weeks: list[date], coloured: bool, locale: str, title: str) -> tuple[_Layout, Any, Any]:
    """Draw a layout's figure; return it with its background as RGB, without and with "No answers yet"."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    words = _labels(locale)
    height = max(BASE_HEIGHT_IN, 1.3 + ROW_IN * n)
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DIGEST_DPI, facecolor="white")
    layout = _Layout(FigureCanvasAgg(fig))
    left, right = (fig.add_axes(_frame(box, height)) for box in _panels(height))
    _progress_axes(left, n, words)
    _accuracy_axes(right, weeks, locale, words)
    fig.text(0.01, 1 - 0.1 / height, title, fontsize=13, fontweight="bold", color=INK, va="top")
    p = layout.parts
    p["size"] = 7 if n > 20 else 9
    ys = list(range(n))[::-1]
    # Names and counts are drawn by Pillow (see _picture): at the anchors measured here.
    p["names"] = [_pixel(fig, left.transData, -0.03, y) for y in ys]
    p["counts"] = [_pixel(fig, left.transData, 1.02, y) for y in ys]
    for y in ys:
        (x0, top), (x1, bottom) = (_pixel(fig, left.transData, x, y + dy) for x, dy in
                                   ((0.0, BAR_HEIGHT / 2), (1.0, -BAR_HEIGHT / 2)))
        layout.bars.append((round(x0), round(x1), round(top), round(bottom)))
    empty = right.text(0.5, 0.5, words["no_answers"], ha="center", va="center", transform=right.transAxes,
                       color=MUTED, animated=True)
    _accuracy_artists(layout, fig, right, n, coloured, words, height)
    x0, y0, x1, y1 = right.bbox.extents
    fh = fig.bbox.height
    layout.lines_box = (max(0, int(x0) - 2), max(0, int(fh - y1) - 2), int(x1) + 3, int(fh - y0) + 3)
    layout.canvas.draw()  # the animated artists are left out of the background
    layout.background = layout.canvas.copy_from_bbox(fig.bbox)
    plain = _tracks(layout, _snapshot(layout))
    fig.draw_artist(empty)
    return layout, plain, _tracks(layout, _snapshot(layout))


def _progress_axes(left: Any, n: int, words: dict[str, str]) -> None:
    left.set_xlim(0, 1.18)
    left.set_ylim(-0.6, n - 0.4)
    left.set_xticks([0, 0.5, 1], ["0%", "50%", "100%"], fontsize=8)
    left.set_yticks([])
    left.set_title(words["progress"], fontsize=10, loc="left", color=INK)
    for side in ("top", "right", "left"):
        left.spines[side].set_visible(False)


def _accuracy_axes(right: Any, weeks: list[date], locale: str, words: dict[str, str]) -> None:
    n_weeks = len(weeks)
    right.set_xlim(-0.3, max(n_weeks - 0.7, 0.3))
    right.set_ylim(-0.03, 1.05)
    right.set_yticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"], fontsize=8)
    step = max(1, n_weeks // 8)  # at most ~8 tick labels, so they never collide
    right.set_xticks(range(0, n_weeks, step), [week_label(w, locale) for w in weeks[::step]], fontsize=8)
    right.grid(axis="y", color=TRACK_GREY, lw=0.8)
    right.set_axisbelow(True)
    right.set_title(words["accuracy"], fontsize=10, loc="left", color=INK)
    for side in ("top", "right"):
        right.spines[side].set_visible(False)


def _accuracy_artists(layout: _Layout, fig: Any, right: Any, n: int, coloured: bool, words: dict[str, str],
                      height: float) -> None:
    """Add the accuracy panel's lines (one per person, or the team's with its band) and their legend."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon

    p = layout.parts
    if coloured:
        p["lines"] = [right.plot([], [], color=PALETTE[i], marker=MARKERS[i], markersize=5, lw=2, animated=True)[0]
                      for i in range(n)]
        layout.dynamic += p["lines"]
        # The legend: a fixed swatch per colour (background) beside each person's name (drawn per chart).
        top = right.get_position().y1
        p["legend"] = []
        for i in range(n):
            y = top - 0.035 * (i + 0.5) * BASE_HEIGHT_IN / height
            fig.add_artist(Line2D([0.825, 0.85], [y, y], color=PALETTE[i], marker=MARKERS[i], markersize=5, lw=2,
                                  transform=fig.transFigure))
            p["legend"].append(_pixel(fig, fig.transFigure, 0.86, y))
    else:
        # A plain polygon: the same shading as fill_between, at a fifth of its drawing cost.
        p["band"] = right.add_patch(Polygon([(0, 0), (0, 0), (0, 0)], color=PALETTE[4], alpha=0.3, lw=0,
                                            label=words["middle"], animated=True))
        p["team"] = right.plot([], [], color=PALETTE[0], marker="o", markersize=5, lw=2.5, label=words["team"],
                               animated=True)[0]
        layout.dynamic += [p["band"], p["team"]]
        legend = right.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        legend.set_animated(False)


def _snapshot(layout: _Layout) -> Any:
    from PIL import Image

    canvas = layout.canvas
    width, height = canvas.get_width_height()
    return Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")


def _tracks(layout: _Layout, image: Any) -> Any:
    """Draw the grey tracks the bars fill, on the pixel grid the bars use."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    for x0, x1, top, bottom in layout.bars:
        draw.rectangle((x0, top, x1 - 1, bottom - 1), fill=TRACK_GREY)
    return image


def _samples(layout: _Layout, n: int, weeks: list[date], coloured: bool) -> list[Any]:
    """Render made-up lines and words of this layout in every colour, to pick the palette from."""
    from PIL import Image, ImageDraw

    out = []
    for shift in (0, 2):
        rows = [PersonWeek(f"Sample {i}", wk, (i + shift) % 11, 10, 4, (i + w + shift) % 5, person_id=i)
                for i in range(n) for w, wk in enumerate(weeks)]
        out.append(_lines_rgb(layout, _people(rows), rows, weeks, coloured))
    words = Image.new("RGB", (400, 60), "white")
    draw = ImageDraw.Draw(words)
    for row, size in enumerate((7, 8, 9)):
        draw.text((4, 4 + 18 * row), "Sample Person Agjy 0123456789/…", fill=INK, font=_glyphs(size).font)
    return [*out, words]


def _word_boxes(layout: _Layout, coloured: bool) -> None:
    """Find the boxes (pixels) names, counts and legend entries go in; each is plain white, as stamp() assumes."""
    p = layout.parts
    rows = [y for _, y in p["names"]]
    top, bottom = int(min(rows)) - 8, int(max(rows)) + 9
    names_x, counts_x = int(p["names"][0][0]), int(p["counts"][0][0])
    # Counts get the white room up to the next panel's tick labels (about 40 px: "100/100" needs 45).
    right = counts_x
    while right < counts_x + 48 and _white(layout, (right, top, right + 1, bottom)):
        right += 1
    p["boxes"] = [(max(0, int(names_x - NAME_IN * DIGEST_DPI) - 2), top, names_x + 2, bottom),
                  (counts_x - 1, top, right, bottom)]
    if coloured:
        legend_x, legend = int(p["legend"][0][0]), [y for _, y in p["legend"]]
        p["boxes"].append((legend_x - 1, int(min(legend)) - 8,
                           min(int(legend_x + LEGEND_NAME_IN * DIGEST_DPI) + 2, layout.plain.width),
                           int(max(legend)) + 9))
    bars = (layout.bars[0][0], layout.bars[0][1])
    for box in p["boxes"]:
        assert box[2] <= bars[0] or box[0] >= bars[1], box  # words never share a box with the bars
        assert box[2] <= layout.lines_box[0] or box[0] >= layout.lines_box[2], box  # nor with the lines
        assert _white(layout, box), box


def _white(layout: _Layout, box: tuple[int, int, int, int]) -> bool:
    """Tell whether `box` is plain white in both backgrounds."""
    white = layout.colours["#FFFFFF"]
    for image in (layout.plain, layout.empty):
        part = image.crop(box)
        if part.getcolors(1) is None or part.getpixel((0, 0)) != white:
            return False
    return True


def _picture(layout: _Layout, people: list[_Person], rows: list[PersonWeek], weeks: list[date],
             coloured: bool) -> Any:
    """Return the chart as a palette image: the background, this team's lines, bars and words."""
    from PIL import Image

    answered = any(person.accuracy for person in people)
    image = (layout.plain if answered else layout.empty).copy()
    if answered:
        image.paste(to_palette(_lines_rgb(layout, people, rows, weeks, coloured), layout.palette),
                    layout.lines_box[:2])
    core = image.im  # bars are filled through the core image: a tenth of ImageDraw.rectangle's cost
    p = layout.parts
    # Words are drawn as coverage ("L") in their white boxes, then turned into palette colours at once.
    names, counts, *legend = (Image.new("L", (box[2] - box[0], box[3] - box[1]), 0) for box in p["boxes"])
    (nx, ny), (cx, cy) = p["boxes"][0][:2], p["boxes"][1][:2]
    size = p["size"]
    glyphs = _glyphs(size)
    for i, person in enumerate(people):
        x0, x1, top, bottom = layout.bars[i]
        share = person.done / person.total if person.total else 0.0
        end = round(x0 + share * (x1 - x0))
        if end > x0:
            colour = PALETTE[i % len(PALETTE)] if coloured else PALETTE[0]
            core.paste(layout.colours[colour], (x0, top, end, bottom))
        x, y = p["names"][i]
        glyphs.draw(names, (x - nx, y - ny), person.name, 255, "rm", limit=NAME_IN * DIGEST_DPI)
        x, y = p["counts"][i]
        glyphs.draw(counts, (x - cx, y - cy), f"{person.done}/{person.total}", 255, "lm")
    if legend:
        small, (lx, ly) = _glyphs(8), p["boxes"][2][:2]
        for i, person in enumerate(people):
            x, y = p["legend"][i]
            small.draw(legend[0], (x - lx, y - ly), person.name, 255, "lm", limit=LEGEND_NAME_IN * DIGEST_DPI)
    for words, box in zip([names, counts, *legend], p["boxes"], strict=True):
        stamp(image, words, layout.ink, box[:2])
    return image


def _lines_rgb(layout: _Layout, people: list[_Person], rows: list[PersonWeek], weeks: list[date],
               coloured: bool) -> Any:
    """Draw the accuracy lines with matplotlib over the panel's background; return the panel as RGB."""
    from PIL import Image

    p = layout.parts
    pos = {wk: i for i, wk in enumerate(weeks)}
    if coloured:
        for i, person in enumerate(people):
            p["lines"][i].set_data(*_segments(person.accuracy, pos))
    else:
        team: dict[date, list[int]] = {}
        for r in rows:
            c, n = team.setdefault(r.week, [0, 0])
            team[r.week] = [c + r.correct, n + r.answered]
        p["team"].set_data(*_segments({wk: c / n for wk, (c, n) in team.items() if n}, pos))
        band = _band(people, pos)
        p["band"].set_xy(band if len(band) >= 3 else [(0.0, 0.0)] * 3)
    canvas = layout.canvas
    canvas.restore_region(layout.background)
    for artist in layout.dynamic:
        canvas.figure.draw_artist(artist)
    width, height = canvas.get_width_height()
    drawn = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    return drawn.crop(layout.lines_box).convert("RGB")


def _segments(acc: dict[date, float], pos: dict[date, int]) -> tuple[list[float], list[float]]:
    """Return the line's points, broken (NaN) at weeks without answers."""
    xs: list[float] = []
    ys: list[float] = []
    for wk in sorted(acc, key=lambda w: pos[w]):
        x = pos[wk]
        if xs and x != xs[-1] + 1:
            xs.append(float("nan"))
            ys.append(float("nan"))
        xs.append(x)
        ys.append(acc[wk])
    return xs, ys


def _band(people: list[_Person], pos: dict[date, int]) -> list[tuple[float, float]]:
    """Return the polygon of the middle half of people's weekly accuracy (lower edge, then upper back)."""
    import statistics

    low, high = [], []
    for wk, x in sorted(pos.items(), key=lambda kv: kv[1]):
        values = sorted(p.accuracy[wk] for p in people if wk in p.accuracy)
        if values:
            q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
            low.append((float(x), q1))
            high.append((float(x), q3))
    return low + high[::-1]


def _pixel(fig: Any, transform: Any, x: float, y: float) -> tuple[float, float]:
    """Return where (x, y) in `transform`'s coordinates lands on the image (pixels from the top left)."""
    px, py = transform.transform((x, y))
    return float(px), float(fig.bbox.height - py)


def _glyphs(size: float) -> Glyphs:
    """Return this thread's glyph cache for matplotlib's default face at `size` points (at DIGEST_DPI)."""
    cache: dict[float, Glyphs] = _local.__dict__.setdefault("glyphs", {})
    glyphs = cache.get(size)
    if glyphs is None:
        from matplotlib.font_manager import FontProperties, findfont
        from PIL import ImageFont

        path, pixels = findfont(FontProperties()), size * DIGEST_DPI / 72
        glyphs = cache[size] = Glyphs(ImageFont.truetype(path, pixels, layout_engine=ImageFont.Layout.BASIC),
                                      ImageFont.truetype(path, pixels))
    return glyphs


def fit(text: str, size: float, inches: float) -> str:
    """Cut `text` with an ellipsis until it is at most `inches` wide at `size` points (measured, not counted)."""
    return _glyphs(size).fit(text, inches * DIGEST_DPI)
