"""More Update shapes Telegram documents: group chats and messages without text (stickers, photos, voice)."""

from __future__ import annotations

import time
from typing import Any

from tests.telegram.emulator import BOT_ID, BOT_USERNAME, TelegramEmulator
from tests.telegram.updates import user_json

GROUP = -1001234567890


def _message(emulator: TelegramEmulator, user_id: int, chat: dict[str, Any], **content: Any) -> dict[str, Any]:
    return {"update_id": emulator.new_update_id(), "message": {
        "message_id": next(emulator._next_message_id), "date": int(time.time()), "chat": chat,
        "from": user_json(user_id), **content}}


def group_text(emulator: TelegramEmulator, user_id: int, text: str, group: int = GROUP) -> dict[str, Any]:
    """A message in a supergroup the bot is in (with privacy mode on, only commands reach it)."""
    extra: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return _message(emulator, user_id, {"id": group, "type": "supergroup", "title": "Team chat"}, **extra)


def added_to_group(emulator: TelegramEmulator, user_id: int, group: int = GROUP) -> dict[str, Any]:
    """Someone added the bot to a group."""
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Nudge", "username": BOT_USERNAME}
    return {"update_id": emulator.new_update_id(), "my_chat_member": {
        "chat": {"id": group, "type": "supergroup", "title": "Team chat"}, "from": user_json(user_id),
        "date": int(time.time()), "old_chat_member": {"user": bot, "status": "left"},
        "new_chat_member": {"user": bot, "status": "member"}}}


def private(user_id: int) -> dict[str, Any]:
    """The private chat with a user."""
    return {"id": user_id, "type": "private", "first_name": "Ada"}


def sticker(emulator: TelegramEmulator, user_id: int) -> dict[str, Any]:
    """A sticker sent in the private chat."""
    return _message(emulator, user_id, private(user_id), sticker={
        "file_id": "CAACAgIAAxkBAAEB", "file_unique_id": "AgADBAAD", "type": "regular", "width": 512,
        "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"})


def photo(emulator: TelegramEmulator, user_id: int, caption: str = "") -> dict[str, Any]:
    """A photo (in its sizes) sent in the private chat, optionally with a caption."""
    sizes = [{"file_id": f"AgACAgIAAxkBAAI{i}", "file_unique_id": f"AQAD{i}", "width": w, "height": w,
              "file_size": w * 40} for i, w in enumerate((90, 320, 800))]
    return _message(emulator, user_id, private(user_id), photo=sizes, **({"caption": caption} if caption else {}))


def voice(emulator: TelegramEmulator, user_id: int) -> dict[str, Any]:
    """A voice message sent in the private chat."""
    return _message(emulator, user_id, private(user_id), voice={
        "file_id": "AwACAgIAAxkBAAI", "file_unique_id": "AgADvoice", "duration": 3, "mime_type": "audio/ogg"})
