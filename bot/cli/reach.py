"""Commands for reaching learners in their language: translation coverage (and, in chat, their history)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import CLIError, content_app, open_services, out, session_of
from content.loader import load_track_file, load_translation_file
from content.problems import ContentError
from content.schema import Track
from content.translation import Coverage, TrackTranslation, compare
from core.services.tracks import latest_version, track_of
from core.services.translations import translations_of


def _from_files(path: Path) -> tuple[Track, list[TrackTranslation]]:
    track, problems, _ = load_track_file(path)
    if track is None:
        raise ContentError(problems)
    found: list[TrackTranslation] = []
    for sibling in sorted(path.parent.glob(f"{path.stem}.*{path.suffix}")):
        tr, bad, _ = load_translation_file(sibling)
        if tr is None:
            raise ContentError(bad)
        found.append(tr)
    return track, found


def _from_database(track_id: str) -> tuple[Track, list[TrackTranslation]]:
    with session_of(open_services(platforms=False)) as s:
        v = latest_version(s, track_id)
        if v is None:
            raise CLIError(f"no published track {track_id!r} (publish it, or give the track's file)")
        return track_of(v), translations_of(s, track_id)


def _cell(pair: tuple[int, int]) -> str:
    return f"{pair[0]}/{pair[1]}"


@content_app.command("translations")
def content_translations(
    track: Annotated[str, typer.Argument(help="A published track id, or a track file (its siblings "
                                              "TRACK.<lang>.yaml are read).")],
) -> None:
    """Show how much of a track each translation covers, and whether it is stale."""
    path = Path(track)
    source, translations = _from_files(path) if path.suffix in (".yaml", ".yml") else _from_database(track)
    table = Table(title=f"{source.id} ({source.language}), source hash {source.content_hash()}")
    for col in ("language", "units", "questions", "choices", "status", "problems"):
        table.add_column(col)
    rows: list[Coverage] = [compare(source, tr) for tr in translations]
    for c in rows:
        bad = [f for f in c.findings if f.kind != "stale"]
        status = "stale" if c.stale else ("complete" if not bad else "partial")
        table.add_row(c.language, _cell(c.units), _cell(c.questions), _cell(c.choices), status,
                      "; ".join(f.message for f in bad[:3]) + (f" (+{len(bad) - 3} more)" if len(bad) > 3 else ""))
    if not rows:
        table.add_row("–", "", "", "", "no translations", "")
    out.print(table)
