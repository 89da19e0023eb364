"""Digest charts: plain records in, PNG or SVG bytes out. Pure, no I/O, no global plotting state.

matplotlib is imported inside the functions so that importing core stays fast for the CLI and the
bot; figures are built with the object-oriented Figure API and an Agg canvas (never pyplot), which
keeps no global figure registry and is safe to call from worker threads.
"""

from __future__ import annotations

import io
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import RendererAgg

# Okabe & Ito's palette, readable with every common colour-vision deficiency (yellow left out: too pale
# on white). Lines also differ by marker, so colour is never the only cue.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
TRACK_GREY = "#E4E4E4"
MUTED = "#9A9A9A"
INK = "#222222"

WIDTH_IN, BASE_HEIGHT_IN, DPI = 9.0, 5.0, 100  # 900 x 500 px at chat size
ROW_IN, MAX_HEIGHT_IN = 0.24, 16.0
NAME_IN, LEGEND_NAME_IN = 1.33, 1.1  # room for a name left of the bars and in the legend

LABELS: dict[str, dict[str, str]] = {
    "en": {"progress": "Progress (units done)", "accuracy": "Accuracy by week", "team": "Team\n(all answers)",
           "middle": "Middle half\nof people", "empty": "No activity yet", "no_answers": "No answers yet"},
    "de": {"progress": "Fortschritt (erledigte Einheiten)", "accuracy": "Trefferquote pro Woche",
           "team": "Team\n(alle Antworten)", "middle": "Mittlere Hälfte\nder Personen",
           "empty": "Noch keine Aktivität", "no_answers": "Noch keine Antworten"},
}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class PersonWeek:
    """One learner's week: units done so far (cumulative) and that week's answers."""

    person: str  # display name
    week: date  # first day of the week
    units_done: int
    units_total: int
    answered: int
    correct: int
    person_id: int | None = None  # tells apart two people with the same display name


@dataclass(frozen=True)
class _Person:
    name: str
    done: int
    total: int
    accuracy: dict[date, float]  # weeks without answers are absent, so lines show a gap


def _labels(locale: str) -> dict[str, str]:
    return LABELS.get(locale.replace("-", "_").split("_")[0].lower(), LABELS["en"])


def week_label(week: date, locale: str = "en") -> str:
    """Return a short week label in the locale's date order ("Jun 2" or "2.6.")."""
    if _labels(locale) is LABELS["en"]:
        return f"{_MONTHS_EN[week.month - 1]} {week.day}"
    return f"{week.day}.{week.month}."


def _fit(renderer: RendererAgg, text: str, size: float, inches: float) -> str:
    """Cut `text` with an ellipsis until it is at most `inches` wide at `size` points (measured, not counted)."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(size=size)
    limit = inches * renderer.dpi

    def width(s: str) -> float:
        # matplotlib leaves this method unannotated.
        w = renderer.get_text_width_height_descent(s, prop, ismath=False)  # type: ignore[no-untyped-call]
        return float(w[0])

    if width(text) <= limit:
        return text
    while len(text) > 1 and width(text.rstrip() + "…") > limit:
        text = text[:-1]
    return text.rstrip() + "…"


def _people(rows: Sequence[PersonWeek]) -> list[_Person]:
    """Fold weekly rows into one entry per person, best progress first (ties by name)."""
    by_person: dict[int | str, list[PersonWeek]] = {}
    for r in rows:
        key = r.person if r.person_id is None else r.person_id
        found = by_person.get(key)
        if found is None:
            by_person[key] = [r]
        else:
            found.append(r)
    out = []
    for weeks in by_person.values():
        latest = weeks[0]
        answered: dict[date, tuple[int, int]] = {}
        for w in weeks:
            if w.week > latest.week:
                latest = w
            if w.answered:  # a digest asks for thousands of charts: skip the empty weeks cheaply
                c, n = answered.get(w.week, (0, 0))
                answered[w.week] = (c + w.correct, n + w.answered)
        acc = {wk: c / n for wk, (c, n) in answered.items() if n > 0}
        out.append(_Person(weeks[0].person, min(latest.units_done, latest.units_total), latest.units_total, acc))
    return sorted(out, key=lambda p: (-(p.done / p.total if p.total else 0.0), p.name))


def _progress_panel(ax: Axes, renderer: RendererAgg, people: list[_Person], coloured: bool,
                    words: dict[str, str]) -> None:
    ys = list(range(len(people)))[::-1]  # best at the top
    shares = [p.done / p.total if p.total else 0.0 for p in people]
    colours = [PALETTE[i % len(PALETTE)] if coloured else PALETTE[0] for i in range(len(people))]
    ax.barh(ys, [1.0] * len(people), color=TRACK_GREY, height=0.62)
    ax.barh(ys, shares, color=colours, height=0.62)
    small = len(people) > 20
    for y, p in zip(ys, people, strict=True):
        ax.text(1.02, y, f"{p.done}/{p.total}", va="center", fontsize=7 if small else 9, color=INK)
    size = 7 if small else 9
    ax.set_yticks(ys, [_fit(renderer, p.name, size, NAME_IN) for p in people], fontsize=size)
    ax.set_xlim(0, 1.18)
    ax.set_xticks([0, 0.5, 1], ["0%", "50%", "100%"], fontsize=8)
    ax.set_ylim(-0.6, len(people) - 0.4)
    ax.set_title(words["progress"], fontsize=10, loc="left", color=INK)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _accuracy_panel(ax: Axes, renderer: RendererAgg, people: list[_Person], rows: Sequence[PersonWeek],
                    coloured: bool, words: dict[str, str], locale: str) -> None:
    weeks = sorted({r.week for r in rows})
    pos = {wk: i for i, wk in enumerate(weeks)}
    if coloured:
        for i, p in enumerate(people):
            _line(ax, p.accuracy, pos, color=PALETTE[i % len(PALETTE)], marker=MARKERS[i % len(MARKERS)],
                  label=_fit(renderer, p.name, 8, LEGEND_NAME_IN), lw=2)
    else:
        _middle_band(ax, people, pos, words["middle"])
        team: dict[date, list[int]] = defaultdict(lambda: [0, 0])
        for r in rows:
            team[r.week][0] += r.correct
            team[r.week][1] += r.answered
        _line(ax, {wk: c / n for wk, (c, n) in team.items() if n}, pos, color=PALETTE[0], marker="o",
              label=words["team"], lw=2.5)
    if not any(p.accuracy for p in people):
        ax.text(0.5, 0.5, words["no_answers"], ha="center", va="center", transform=ax.transAxes, color=MUTED)
    step = max(1, len(weeks) // 8)  # at most ~8 tick labels, so they never collide
    ax.set_xticks(range(0, len(weeks), step), [week_label(w, locale) for w in weeks[::step]], fontsize=8)
    ax.set_xlim(-0.3, max(len(weeks) - 0.7, 0.3))
    ax.set_ylim(-0.03, 1.05)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"], fontsize=8)
    ax.grid(axis="y", color=TRACK_GREY, lw=0.8)
    ax.set_axisbelow(True)
    ax.set_title(words["accuracy"], fontsize=10, loc="left", color=INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _middle_band(ax: Axes, people: list[_Person], pos: dict[date, int], label: str) -> None:
    """Shade the interquartile range of people's weekly accuracy: the spread, without forty lines."""
    xs, lows, highs = [], [], []
    for wk, x in sorted(pos.items(), key=lambda kv: kv[1]):
        values = sorted(p.accuracy[wk] for p in people if wk in p.accuracy)
        if not values:
            continue
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
        xs.append(x)
        lows.append(q1)
        highs.append(q3)
    ax.fill_between(xs, lows, highs, color=PALETTE[4], alpha=0.3, lw=0, label=label)


def _line(ax: Axes, acc: dict[date, float], pos: dict[date, int], *, color: str, marker: str,
          label: str | None, lw: float, alpha: float = 1.0) -> None:
    xs = sorted(pos[wk] for wk in acc)
    by_x = {pos[wk]: v for wk, v in acc.items()}
    # Break the line at weeks without answers rather than bridging them.
    seg_x: list[float] = []
    seg_y: list[float] = []
    for x in xs:
        if seg_x and x != seg_x[-1] + 1:
            seg_x.append(float("nan"))
            seg_y.append(float("nan"))
        seg_x.append(x)
        seg_y.append(by_x[x])
    ax.plot(seg_x, seg_y, color=color, marker=marker, markersize=5, lw=lw, alpha=alpha, label=label)


def _panels(height: float) -> tuple[tuple[float, float, float, float], tuple[float, float, float, float]]:
    """Return the two panels as (left, bottom, right, top) in inches.

    Fixed margins instead of a layout engine: names are cut to a measured width, so the space they
    need is known, and skipping the layout pass makes each chart about a third faster. A long list of
    people stretches the bars, never the accuracy panel, which keeps chat size at the top.
    """
    top = height - 0.62
    return (1.45, 0.35, 3.85, top), (4.45, height - BASE_HEIGHT_IN + 0.35, 7.3, top)


def _frame(box: tuple[float, float, float, float], height: float) -> tuple[float, float, float, float]:
    left, bottom, right, top = box
    return left / WIDTH_IN, bottom / height, (right - left) / WIDTH_IN, (top - bottom) / height


def progress_chart(people: Sequence[PersonWeek], title: str, locale: str = "en",
                   fmt: Literal["png", "svg"] = "png", dpi: int = DPI) -> bytes:
    """Render per-person progress bars and weekly accuracy lines as PNG (chat) or SVG (web) bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    words = _labels(locale)
    folded = _people(people)
    height = min(MAX_HEIGHT_IN, max(BASE_HEIGHT_IN, 1.3 + ROW_IN * len(folded)))
    fig = Figure(figsize=(WIDTH_IN, height), dpi=dpi)
    renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
    fig.text(0.01, 1 - 0.1 / height, title, fontsize=13, fontweight="bold", color=INK, va="top")
    if not folded:
        fig.text(0.5, 0.5, words["empty"], ha="center", va="center", fontsize=14, color=MUTED)
    else:
        # One colour per person while colours stay tellable apart; beyond that a team line and a band.
        coloured = len(folded) <= len(PALETTE)
        left, right = (fig.add_axes(_frame(box, height)) for box in _panels(height))
        _progress_panel(left, renderer, folded, coloured, words)
        _accuracy_panel(right, renderer, folded, people, coloured, words, locale)
    buf = io.BytesIO()
    # No timestamps: the same data gives the same PNG bytes (SVG element ids stay random).
    metadata: dict[str, str | None] = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", metadata=metadata)
    return buf.getvalue()
