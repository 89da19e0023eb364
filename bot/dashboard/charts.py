"""The campaign page's charts as SVG: accuracy by week and completion and accuracy by team.

Each chart has a table with the same figures beside it on the page (for screen readers and exact
numbers). Figures are built with matplotlib's object API on an Agg canvas (no pyplot state), and
cached: the same figures give the same chart.
"""

from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING

from core.charts import INK, PALETTE

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TEAMS_SHOWN = 12


def _svg(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


@functools.lru_cache(maxsize=64)
def weekly_svg(title: str, weeks: tuple[tuple[str, int, int], ...]) -> bytes:
    """Render answers (bars) and accuracy (line) per week; `weeks` holds (label, answered, correct)."""
    fig = _figure(6.4, 3.2)
    ax = fig.add_axes((0.09, 0.17, 0.82, 0.7))
    labels = [w[0] for w in weeks]
    ax.bar(labels, [w[1] for w in weeks], color="#DDDDDD")
    ax.set_ylabel("answers")
    right = ax.twinx()
    right.plot(labels, [100 * w[2] / w[1] if w[1] else 0.0 for w in weeks], color=PALETTE[0], marker="o")
    right.set_ylim(0, 100)
    right.set_ylabel("accuracy %", color=PALETTE[0])
    fig.suptitle(title, x=0.02, ha="left", fontsize=11, fontweight="bold", color=INK)
    if not weeks:
        ax.text(0.5, 0.5, "No answers yet", transform=ax.transAxes, ha="center", color="#666666")
    return _svg(fig)


@functools.lru_cache(maxsize=64)
def teams_svg(title: str, teams: tuple[tuple[str, float, float | None], ...]) -> bytes:
    """Render completion and accuracy per team as paired bars; `teams` holds (name, completion, accuracy)."""
    shown = teams[:TEAMS_SHOWN]
    fig = _figure(6.4, max(2.2, 0.9 + 0.42 * len(shown)))
    height = max(2.2, 0.9 + 0.42 * len(shown))
    ax = fig.add_axes((0.3, 0.5 / height, 0.66, 1 - 1.05 / height))
    ys = list(range(len(shown)))[::-1]
    ax.barh([y + 0.2 for y in ys], [100 * t[1] for t in shown], height=0.38, color=PALETTE[2], label="completion")
    ax.barh([y - 0.2 for y in ys], [100 * (t[2] or 0.0) for t in shown], height=0.38, color=PALETTE[0],
            hatch="//", edgecolor="white", label="accuracy")
    ax.set_yticks(ys, [t[0][:28] for t in shown])
    ax.set_xlim(0, 100)
    ax.set_xlabel("%")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8, frameon=False)
    fig.suptitle(title, x=0.02, ha="left", fontsize=11, fontweight="bold", color=INK)
    if not shown:
        ax.text(0.5, 0.5, "Nobody enrolled yet", transform=ax.transAxes, ha="center", color="#666666")
    return _svg(fig)
