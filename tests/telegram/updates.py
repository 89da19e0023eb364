"""Update JSON of the shapes Telegram documents, for tests to post to a webhook or serve by polling."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tests.telegram.emulator import BOT_ID, BOT_USERNAME

if TYPE_CHECKING:
    from tests.telegram.emulator import Message, TelegramEmulator


def user_json(user_id: int, first_name: str = "Ada", language_code: str = "en") -> dict[str, Any]:
    """Return a Telegram User object for a person."""
    return {"id": user_id, "is_bot": False, "first_name": first_name, "last_name": "Tester",
            "username": f"user{user_id}", "language_code": language_code}


class Updates:
    """Builds Update JSON of the shapes Telegram documents."""

    def __init__(self, emulator: TelegramEmulator) -> None:
        self.emulator = emulator

    def _base(self) -> dict[str, Any]:
        return {"update_id": self.emulator.new_update_id()}

    def text(self, user_id: int, text: str, *, language_code: str = "en", first_name: str = "Ada") -> dict[str, Any]:
        """A private message with text; a leading /command gets its bot_command entity."""
        msg: dict[str, Any] = {
            "message_id": next(self.emulator._next_message_id), "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": user_json(user_id, first_name, language_code), "text": text,
        }
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {**self._base(), "message": msg}

    def location(self, user_id: int, latitude: float, longitude: float, *, language_code: str = "en") -> dict[str, Any]:
        """A private message sharing a location."""
        return {**self._base(), "message": {
            "message_id": next(self.emulator._next_message_id), "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ada"},
            "from": user_json(user_id, "Ada", language_code),
            "location": {"latitude": latitude, "longitude": longitude},
        }}

    def callback(self, user_id: int, message: Message, data: str, *, language_code: str = "en") -> dict[str, Any]:
        """A press on an inline keyboard button of `message`."""
        return {**self._base(), "callback_query": {
            "id": str(next(self.emulator._next_update_id) * 7),
            "from": user_json(user_id, "Ada", language_code),
            "message": self.emulator._message_json(message),
            "chat_instance": f"-{user_id}77",
            "data": data,
        }}

    def my_chat_member(self, user_id: int, old: str, new: str) -> dict[str, Any]:
        """The bot's membership in a private chat changed (new="kicked": the user blocked the bot)."""
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Nudge", "username": BOT_USERNAME}

        def member(status: str) -> dict[str, Any]:
            return {"user": bot, "status": status, **({"until_date": 0} if status == "kicked" else {})}

        return {**self._base(), "my_chat_member": {
            "chat": {"id": user_id, "type": "private", "first_name": "Ada"},
            "from": user_json(user_id),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }}
