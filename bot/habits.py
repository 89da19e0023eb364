"""Platform habits the conversation keeps: a polite word in group chats, a friendly reply to input the
bot cannot read, and suggestion buttons taken away once one has been used."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.i18n import translate
from core.models import Person
from core.ports import GroupChat, OutboundMessage, Reply, UnsupportedSent
from core.render import info_message
from core.services import inbound, outbox


def group_reply(s: Session, event: GroupChat, person: Person | None, now: datetime) -> Reply:
    """Say once per group that the bot works in private chats; stay quiet there afterwards."""
    if not inbound.first_time(s, f"group:{event.sender.channel}:{event.chat_id}", now):
        return Reply()
    loc = (person.locale if person is not None else None) or event.sender.language or None
    return Reply(messages=[info_message(translate(
        loc, "Hello! I work in private chats only, so I won't answer here. Open a direct chat with me to "
             "get your lessons."), locale=loc or "en")])


def unsupported_reply(s: Session, event: UnsupportedSent, person: Person, now: datetime) -> Reply:
    """Answer a sticker, photo, voice message or file kindly, at most once per local day per person."""
    day = now.astimezone(ZoneInfo(person.timezone or "UTC")).date().isoformat()
    if not inbound.first_time(s, f"unsupported:{person.id}:{day}", now):
        return Reply()
    loc = person.locale
    return Reply(messages=[info_message(translate(
        loc, "Thanks! I can only read typed words and button presses, not stickers, photos, voice messages "
             "or files. Type help to see what I understand."), locale=loc)])


def without_buttons(s: Session, person: Person, channel: str, ref: str,
                    chosen: str) -> tuple[str, OutboundMessage] | None:
    """Return (address, the sent message `ref` without its buttons, noting `chosen`), or None if unknown."""
    if not ref:
        return None
    d = outbox.sent_with_ref(s, person.id, channel, ref)
    if d is None or not d.payload.get("buttons"):
        return None
    shown = OutboundMessage.from_dict({k: v for k, v in d.payload.items() if k != "edit_ref"})
    chosen = chosen.replace("_", " ")
    return d.address, OutboundMessage(kind=shown.kind, text=shown.text, title=shown.title,
                                      footer=f"✓ {chosen}", locale=shown.locale)
