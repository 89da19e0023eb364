"""`nudgebot content import`: turn a GIFT, Aiken or CSV question bank into a draft track YAML file."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import CLIError, content_app, err, out
from content.importers import ImportFailed, import_file


class ImportFormat(StrEnum):
    """Question-bank formats `content import` reads."""

    gift = "gift"
    aiken = "aiken"
    csv = "csv"


@content_app.command("import")
def content_import(
    file: Annotated[Path, typer.Argument(help="The question bank (UTF-8).")],
    fmt: Annotated[ImportFormat, typer.Option("--format", help="gift, aiken or csv")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the YAML here, not to stdout.")] = None,
    track_id: Annotated[str | None, typer.Option("--id", help="Track id (default: from the file name).")] = None,
    title: Annotated[str | None, typer.Option(help="Track title (default: from the file name).")] = None,
    keep_going: Annotated[bool, typer.Option("--keep-going",
                                             help="Skip invalid questions (each named) instead of failing.")] = False,
) -> None:
    """Convert a question bank into a draft track; print what the author must still finish."""
    if output is not None and output.resolve() == file.resolve():
        raise CLIError(f"{output}: refusing to overwrite the question bank with its own import")
    try:
        result = import_file(file, fmt.value, track_id=track_id, title=title, stop_on_error=not keep_going)
    except ImportFailed as exc:
        for note in exc.notes:
            err.print(f"note: {note}", markup=False)
        for p in exc.problems:
            err.print(str(p), markup=False)
        raise typer.Exit(1) from None
    # With the YAML on stdout, everything else goes to stderr so the YAML can be piped.
    say = out if output is not None else err
    for p in result.errors:
        err.print(f"{p} (skipped)", markup=False)
    for note in result.notes:
        say.print(f"note: {note}", markup=False)
    if output is None:
        sys.stdout.write(result.yaml_text)
        sys.stdout.flush()
    else:
        try:
            output.write_text(result.yaml_text, encoding="utf-8")
        except OSError as exc:
            raise CLIError(f"{output}: cannot write: {exc.strerror or exc}") from None
    where = str(output) if output is not None else "stdout"
    say.print(f"{result.questions_written} of {result.questions_read} question(s) written to {where}"
              + (f", {len(result.errors)} invalid skipped" if result.errors else "")
              + "; next: nudgebot content check " + (str(output) if output is not None else "OUT.yaml"),
              markup=False)
