"""Pictures in lessons and questions: which files may be shipped beside a track, and checking them."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from content.problems import LineMap, Loc, Problem, render_loc

if TYPE_CHECKING:
    from content.schema import ImageRef, Track

__all__ = ["IMAGE_TYPES", "MAX_ALT_CHARS", "MAX_IMAGE_BYTES", "ImageFile", "check_pictures", "pictures_of",
           "stored_key"]

# What every platform shows inline (Slack image blocks and uploads, Telegram sendPhoto).
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}
_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024  # Telegram takes photos up to 10 MB; a lesson picture needs far less
MAX_SIDES = 10_000  # Telegram: width + height at most 10,000 pixels
MAX_RATIO = 20  # Telegram: the longer side at most 20 times the shorter
MAX_ALT_CHARS = 300  # alt text is read aloud and shown as a caption: a sentence or two


@dataclass(frozen=True)
class ImageFile:
    """A checked picture file, ready to store with the published track."""

    name: str
    media_type: str
    sha256: str
    data: bytes = field(repr=False)


def stored_key(sha256: str) -> str:
    """Return the key a picture file is stored under once published (its content hash)."""
    return f"picture:{sha256}"


def pictures_of(track: Track) -> Iterator[tuple[Loc, ImageRef]]:
    """Yield every picture in a track with its location (units[i].image, units[i].questions[j].image)."""
    for ui, unit in enumerate(track.units):
        if unit.image is not None:
            yield ("units", ui, "image"), unit.image
        for qi, q in enumerate(unit.questions):
            if q.image is not None:
                yield ("units", ui, "questions", qi, "image"), q.image


def _inspect(data: bytes) -> tuple[str, int, int] | str:
    """Return (media type, width, height) of an image, or why it is not one nudgebot can send."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt, (width, height) = im.format or "", im.size
            im.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"is not a readable image ({type(exc).__name__})"
    if fmt not in _FORMATS:
        return f"is a {fmt} image; use PNG, JPEG, GIF or WebP"
    return _FORMATS[fmt], width, height


def _check_file(ref: ImageRef, folder: Path) -> ImageFile | str:
    """Read and check one picture file; return it, or what is wrong with it."""
    path = folder / ref.src
    try:
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            return f"{ref.src} is {size / 1e6:.1f} MB; keep pictures under {MAX_IMAGE_BYTES // 2**20} MB"
        data = path.read_bytes()
    except FileNotFoundError:
        return f"{ref.src}: no such file beside the track"
    except OSError as exc:
        return f"{ref.src} cannot be read ({exc.strerror or type(exc).__name__})"
    found = _inspect(data)
    if isinstance(found, str):
        return f"{ref.src} {found}"
    media_type, width, height = found
    if media_type != ref.media_type:
        return f"{ref.src} is a {media_type} file but its name says {ref.media_type}"
    if width + height > MAX_SIDES or max(width, height) > MAX_RATIO * max(1, min(width, height)):
        return (f"{ref.src} is {width}x{height} pixels; width + height must be at most {MAX_SIDES} "
                f"and the longer side at most {MAX_RATIO} times the shorter")
    return ImageFile(ref.name, media_type, hashlib.sha256(data).hexdigest(), data)


def check_pictures(track: Track, path: Path, linemap: LineMap) -> tuple[list[Problem], dict[str, ImageFile]]:
    """Check the picture files of a valid track and fill in their sha256; return problems and files by hash."""
    problems: list[Problem] = []
    files: dict[str, ImageFile] = {}
    for loc, ref in pictures_of(track):
        if ref.is_url:
            continue
        found = _check_file(ref, path.parent)
        if isinstance(found, str):
            problems.append(Problem(str(path), linemap.line((*loc, "src")), f"{render_loc(loc)}.src: {found}"))
            continue
        ref.sha256 = found.sha256
        files[found.sha256] = found
    return problems, files
