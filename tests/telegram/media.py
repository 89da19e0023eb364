"""The Telegram emulator's photos: sendPhoto with a multipart upload, an HTTP URL or a file_id, as the Bot API
documents it (caption 0-1024 characters after entity parsing; a photo at most 10 MB, width + height at most
10000, the ratio of the sides at most 20)."""

from __future__ import annotations

import email.parser
import email.policy
import io
import itertools
from collections.abc import Callable
from typing import Any

from PIL import Image, UnidentifiedImageError

MAX_CAPTION = 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def parse_multipart(body: bytes, content_type: str, json_fields: set[str]) -> dict[str, Any]:
    """Return a multipart/form-data body's fields (JSON fields decoded) and its files as bytes."""
    import json

    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    params: dict[str, Any] = {}
    for part in msg.iter_parts():
        name = str(part.get_param("name", header="content-disposition") or "")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            params[name] = data  # an uploaded file
        else:
            text = data.decode("utf-8")
            params[name] = json.loads(text) if name in json_fields else text
    return params


class Photos:
    """Mixed into TelegramEmulator: `photos` holds what each sendPhoto showed, by file_id."""

    photos: dict[str, dict[str, Any]]
    broken_urls: set[str]  # URLs Telegram cannot fetch (a dead link, a page instead of an image)
    _file_ids: itertools.count[int]

    _error: Callable[..., tuple[int, dict[str, Any]]]  # the emulator's own error reply (status, description)

    def _photo_of(self, p: dict[str, Any]) -> dict[str, Any] | tuple[int, dict[str, Any]]:
        """Return the photo a sendPhoto carries (uploaded, by URL or by file_id), or Telegram's refusal."""
        photo = p.get("photo")
        if isinstance(photo, str) and photo.startswith("attach://"):
            photo = p.get(photo.removeprefix("attach://"))
        if isinstance(photo, bytes):
            if len(photo) > MAX_PHOTO_BYTES:
                return self._error(400, "Bad Request: file is too big")
            try:
                with Image.open(io.BytesIO(photo)) as im:
                    width, height = im.size
            except (UnidentifiedImageError, OSError):
                return self._error(400, "Bad Request: IMAGE_PROCESS_FAILED")
            if width + height > 10_000 or max(width, height) > 20 * min(width, height):
                return self._error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
            file_id = f"AgACAgIAAxk{next(self._file_ids):06d}"
            shown = {"file_id": file_id, "data": photo, "url": "", "width": width, "height": height}
            self.photos[file_id] = shown
            return shown
        if isinstance(photo, str) and photo in self.broken_urls:
            return self._error(400, "Bad Request: wrong type of the web page content")
        if isinstance(photo, str) and photo.startswith(("https://", "http://")):
            # Telegram fetches the URL itself; the emulator, kept off the network, only records it.
            file_id = f"AgACAgIAAxk{next(self._file_ids):06d}"
            shown = {"file_id": file_id, "data": b"", "url": photo, "width": 800, "height": 600}
            self.photos[file_id] = shown
            return shown
        if isinstance(photo, str) and photo in self.photos:
            return self.photos[photo]
        return self._error(400, "Bad Request: wrong file identifier/HTTP URL specified")
