"""The digest chart, fast: one reused matplotlib Figure and Agg canvas per layout, redrawn by blitting.

core/charts.py draws a chart from scratch (about 200 ms of CPU). A weekly run draws a thousand charts
of the same shape, so here everything that does not change between managers (panel titles, axes,
ticks, grid, grey tracks, a fixed legend, the title and the weeks) is drawn once per layout into a
background; each chart restores it and draws only its own artists (bars, lines), then Pillow writes
its words (names and counts, about 20: a tenth of matplotlib's cost per string) at anchors measured
once per layout, in matplotlib's default face, and encodes the PNG. The picture says the same as
core.charts.progress_chart's, at a smaller resolution for chat. Caches (figures, fonts) are per
thread, and never pyplot.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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
_local = threading.local()
_Label = tuple[tuple[float, float], str, float, str]  # where (pixels), text, size (points), Pillow anchor


@dataclass
class _Layout:
    """A figure for one shape (people, weeks, words), its background and the artists each chart redraws."""

    canvas: Any  # a FigureCanvasAgg (matplotlib leaves its methods unannotated)
    background: Any
    dynamic: list[Any] = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)


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
    return _encode(layout, _fill(layout, people, rows, weeks, coloured))


def _build(n: int, weeks: list[date], coloured: bool, locale: str, title: str) -> _Layout:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    words = _labels(locale)
    n_weeks = len(weeks)
    height = max(BASE_HEIGHT_IN, 1.3 + ROW_IN * n)
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DIGEST_DPI, facecolor="white")
    canvas: Any = FigureCanvasAgg(fig)
    left, right = (fig.add_axes(_frame(box, height)) for box in _panels(height))
    ys = list(range(n))[::-1]
    small = n > 20
    left.barh(ys, [1.0] * n, color=TRACK_GREY, height=0.62)
    left.set_xlim(0, 1.18)
    left.set_ylim(-0.6, n - 0.4)
    left.set_xticks([0, 0.5, 1], ["0%", "50%", "100%"], fontsize=8)
    left.set_yticks([])
    left.set_title(words["progress"], fontsize=10, loc="left", color=INK)
    for side in ("top", "right", "left"):
        left.spines[side].set_visible(False)
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
    layout = _Layout(canvas, None)
    p = layout.parts
    size = 7 if small else 9

    def dyn(artist: Any) -> Any:
        artist.set_animated(True)
        layout.dynamic.append(artist)
        return artist

    fig.text(0.01, 1 - 0.1 / height, title, fontsize=13, fontweight="bold", color=INK, va="top")
    p["bars"] = [dyn(b) for b in left.barh(ys, [0.0] * n, color=PALETTE[0], height=0.62)]
    # Names and counts are drawn by Pillow after the blit (see _encode): at the anchors measured here.
    p["size"] = size
    p["names"] = [_pixel(fig, left.transData, -0.03, y) for y in ys]
    p["counts"] = [_pixel(fig, left.transData, 1.02, y) for y in ys]
    p["empty"] = dyn(right.text(0.5, 0.5, words["no_answers"], ha="center", va="center",
                                transform=right.transAxes, color=MUTED))
    _accuracy_artists(layout, fig, right, n, coloured, words, height, dyn)
    canvas.draw()  # the animated artists are left out of the background
    layout.background = canvas.copy_from_bbox(fig.bbox)
    return layout


def _accuracy_artists(layout: _Layout, fig: Any, right: Any, n: int, coloured: bool, words: dict[str, str],
                      height: float, dyn: Any) -> None:
    """Add the accuracy panel's lines (one per person, or the team's with its band) and their legend."""
    from matplotlib.lines import Line2D

    p = layout.parts
    if coloured:
        p["lines"] = [dyn(right.plot([], [], color=PALETTE[i], marker=MARKERS[i], markersize=5, lw=2)[0])
                      for i in range(n)]
        # The legend: a fixed swatch per colour (background) beside each person's name (redrawn).
        top = right.get_position().y1
        p["legend"] = []
        for i in range(n):
            y = top - 0.035 * (i + 0.5) * BASE_HEIGHT_IN / height
            fig.add_artist(Line2D([0.825, 0.85], [y, y], color=PALETTE[i], marker=MARKERS[i], markersize=5, lw=2,
                                  transform=fig.transFigure))
            p["legend"].append(_pixel(fig, fig.transFigure, 0.86, y))
    else:
        p["band"] = dyn(right.fill_between([0, 1], [0, 0], [0, 0], color=PALETTE[4], alpha=0.3, lw=0,
                                           label=words["middle"]))
        p["team"] = dyn(right.plot([], [], color=PALETTE[0], marker="o", markersize=5, lw=2.5,
                                   label=words["team"])[0])
        legend = right.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        legend.set_animated(False)


def _fill(layout: _Layout, people: list[_Person], rows: list[PersonWeek], weeks: list[date],
          coloured: bool) -> list[_Label]:
    """Set this chart's data on the layout's artists; return its words (names and counts) to draw."""
    p = layout.parts
    size = p["size"]
    labels: list[_Label] = []
    for i, person in enumerate(people):
        share = person.done / person.total if person.total else 0.0
        p["bars"][i].set_width(share)
        p["bars"][i].set_color(PALETTE[i % len(PALETTE)] if coloured else PALETTE[0])
        labels.append((p["names"][i], fit(person.name, size, NAME_IN), size, "rm"))
        labels.append((p["counts"][i], f"{person.done}/{person.total}", size, "lm"))
    pos = {wk: i for i, wk in enumerate(weeks)}
    p["empty"].set_visible(not any(person.accuracy for person in people))
    if coloured:
        for i, person in enumerate(people):
            p["lines"][i].set_data(*_segments(person.accuracy, pos))
            labels.append((p["legend"][i], fit(person.name, 8, LEGEND_NAME_IN), 8, "lm"))
    else:
        team: dict[date, list[int]] = {}
        for r in rows:
            c, n = team.setdefault(r.week, [0, 0])
            team[r.week] = [c + r.correct, n + r.answered]
        p["team"].set_data(*_segments({wk: c / n for wk, (c, n) in team.items() if n}, pos))
        p["band"].set_verts([_band(people, pos)])
    return labels


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
    return low + high[::-1] if low else [(0.0, 0.0)]


def _encode(layout: _Layout, labels: list[_Label]) -> bytes:
    """Draw the chart's own artists over the background, then its words, and return the PNG (same data, same bytes)."""
    from PIL import Image, ImageDraw

    canvas = layout.canvas
    canvas.restore_region(layout.background)
    for artist in layout.dynamic:
        if artist.get_visible():
            canvas.figure.draw_artist(artist)
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    draw = ImageDraw.Draw(image)
    for xy, text, size, anchor in labels:
        draw.text(xy, text, fill=INK, font=_font(size), anchor=anchor)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _pixel(fig: Any, transform: Any, x: float, y: float) -> tuple[float, float]:
    """Return where (x, y) in `transform`'s coordinates lands on the image (pixels from the top left)."""
    px, py = transform.transform((x, y))
    return float(px), float(fig.bbox.height - py)


def _font(size: float) -> Any:
    """Return this thread's Pillow font for matplotlib's default face at `size` points (at DIGEST_DPI)."""
    fonts: dict[float, Any] = _local.__dict__.setdefault("fonts", {})
    font = fonts.get(size)
    if font is None:
        from matplotlib.font_manager import FontProperties, findfont
        from PIL import ImageFont

        font = fonts[size] = ImageFont.truetype(findfont(FontProperties()), size * DIGEST_DPI / 72)
    return font


def fit(text: str, size: float, inches: float) -> str:
    """Cut `text` with an ellipsis until it is at most `inches` wide at `size` points (measured, not counted)."""
    font, limit = _font(size), inches * DIGEST_DPI
    if font.getlength(text) <= limit:
        return text
    while len(text) > 1 and font.getlength(text.rstrip() + "…") > limit:
        text = text[:-1]
    return text.rstrip() + "…"
