"""The Slack emulator's file uploads (files upload v2): files.getUploadURLExternal, the upload URL and
files.completeUploadExternal, as Slack documents them.

1. files.getUploadURLExternal(filename, length[, alt_txt]) answers an `upload_url` and a `file_id`;
2. the client POSTs the bytes (raw, or a multipart form) to the upload URL, which answers 200 "OK - <length>";
3. files.completeUploadExternal(files=[{"id", "title"}][, channel_id, initial_comment, thread_ts]) finishes the
   upload; with a channel_id the file is shared there in a message whose text is the initial comment.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
from typing import Any

MAX_ALT_TXT = 1000


def upload_body(raw: bytes, content_type: str) -> bytes:
    """Return the file's bytes from an upload URL POST: the raw body, or the file part of a multipart form."""
    if not content_type.startswith("multipart/form-data"):
        return raw
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    for part in msg.iter_parts():
        if part.get_filename() is not None or part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    return b""


class FileUploads:
    """Mixed into SlackEmulator: `uploads` holds every file by id, with its bytes and where it was shared."""

    uploads: dict[str, dict[str, Any]]
    messages: dict[tuple[str, str], dict[str, Any]]
    dms: dict[str, str]
    port: int
    _ts: itertools.count[int]
    _file_ids: itertools.count[int]

    def shared_files(self, channel: str) -> list[dict[str, Any]]:
        """Return the completed uploads shared in `channel`, oldest first."""
        return [f for f in self.uploads.values() if channel in f["channels"]]

    def m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(args.get("filename") or "")
        try:
            length = int(str(args.get("length") or ""))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not filename or length <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        alt = str(args.get("alt_txt") or "")
        if len(alt) > MAX_ALT_TXT:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._file_ids):08d}"
        url = f"http://127.0.0.1:{self.port}/upload/v1/{file_id}"
        self.uploads[file_id] = {"id": file_id, "filename": filename, "length": length, "alt_txt": alt,
                                 "upload_url": url, "data": None, "complete": False, "channels": [],
                                 "title": "", "initial_comment": ""}
        return {"ok": True, "upload_url": url, "file_id": file_id}

    def receive_upload(self, file_id: str, raw: bytes, content_type: str) -> tuple[int, str]:
        """Take the POST to an upload URL; Slack answers 200 with the number of bytes it got."""
        f = self.uploads.get(file_id)
        if f is None or f["complete"]:
            return 404, "not found"
        data = upload_body(raw, content_type)
        f["data"] = data
        return 200, f"OK - {len(data)}"

    def m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        raw = args.get("files")
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) and i.get("id") for i in items):
            return {"ok": False, "error": "invalid_arguments"}
        channel = str(args.get("channel_id") or "")
        if channel and channel not in self.dms.values():
            return {"ok": False, "error": "channel_not_found"}
        found = []
        for item in items:
            f = self.uploads.get(str(item["id"]))
            if f is None or f["complete"]:
                return {"ok": False, "error": "file_not_found"}
            if f["data"] is None or len(f["data"]) != f["length"]:
                return {"ok": False, "error": "file_upload_size_mismatch"}
            found.append((f, str(item.get("title") or f["filename"])))
        comment = str(args.get("initial_comment") or "")
        for f, title in found:
            f.update(complete=True, title=title, initial_comment=comment)
            if channel:
                f["channels"].append(channel)
        if channel:
            ts = f"{1712345000 + next(self._ts)}.000100"
            self.messages[(channel, ts)] = {"channel": channel, "ts": ts, "text": comment, "blocks": [], "edits": 0,
                                            "metadata": None, "files": [f["id"] for f, _ in found]}
        return {"ok": True, "files": [{"id": f["id"], "title": title} for f, title in found]}
