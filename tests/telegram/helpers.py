"""Small helpers shared by the Telegram end-to-end tests."""

from __future__ import annotations

from sqlalchemy import func, select

from core.models import Answer, Person
from core.services import people
from tests.telegram.conftest import App
from tests.telegram.emulator import Message

ADA = 424242


def person(app: App, user_id: int) -> Person | None:
    """Return the person with this Telegram id, detached from its session."""
    with app.services.db.session() as s:
        p = people.person_by_chat(s, "telegram", str(user_id))
        if p is not None:
            p.accounts  # noqa: B018 - loaded before the session closes
            s.expunge(p)
        return p


def answers(app: App) -> int:
    """Return how many answers are recorded."""
    with app.services.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Answer)) or 0)


def join_berlin(app: App, user_id: int = ADA, language_code: str = "en") -> list[Message]:
    """Open an invite and share a location in Berlin; return the chat so far."""
    code = app.invite()
    assert app.post(app.updates.text(user_id, f"/start {code}", language_code=language_code)).status_code == 200
    app.settle()
    assert app.post(app.updates.location(user_id, 52.52, 13.405, language_code=language_code)).status_code == 200
    app.settle()
    return app.emulator.sent_to(user_id)
