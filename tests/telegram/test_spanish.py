"""A learner whose Telegram language_code is es joins by invite and completes a unit in Spanish: the
welcome, the zone question, the lesson, both questions, their buttons and feedback, and the help."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.models import Answer
from tests.spanish import english_in, publish_spanish_phishing
from tests.telegram.conftest import App
from tests.telegram.emulator import Message
from tests.telegram.helpers import ADA, person

FIRST_NUDGE = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)  # 09:31 in Madrid on the first campaign day


def seen(m: Message) -> str:
    buttons = [b.get("text", "") for row in (m.reply_markup or {}).get("inline_keyboard", []) for b in row]
    buttons += [b.get("text", "") for row in (m.reply_markup or {}).get("keyboard", []) for b in row]
    return "\n".join([html.unescape(re.sub(r"<[^>]+>", "", t)) for t in [*m.history, m.text]] + buttons)


def test_a_spanish_learner_completes_a_unit_in_spanish_on_telegram(app: App) -> None:
    emu = app.emulator
    with app.services.db.session() as s:
        publish_spanish_phishing(s, app.clock.now())
    app.post(app.updates.text(ADA, f"/start {app.invite()}", language_code="es", first_name="Lucía"))
    app.settle()
    app.post(app.updates.location(ADA, 40.4168, -3.7038, language_code="es"))
    app.settle()
    welcome, ask, zone = emu.sent_to(ADA)
    assert "¡Te damos la bienvenida, Lucía!" in welcome.text
    assert "Objetivo: Reportar un correo sospechoso" in welcome.text
    assert "lun, mar, mié, jue, vie a las 09:30" in welcome.text
    assert "¿En qué zona horaria estás?" in ask.text
    assert "Zona horaria establecida: <b>Europe/Madrid</b>" in zone.text and "lun 4 ene a las 09:30" in zone.text
    assert person(app, ADA).locale == "es"

    app.tick(FIRST_NUDGE)
    lesson, question = emu.sent_to(ADA)[-2:]
    assert lesson.text.startswith("<b>Cómo detectar el phishing · 1/6: Qué es el phishing</b>")
    app.clock.advance(timedelta(minutes=2))
    right = question.reply_markup["inline_keyboard"][0][0]["callback_data"]
    app.post(app.updates.callback(ADA, question, right, language_code="es"))
    app.settle()
    follow = emu.sent_to(ADA)[-1]
    assert [row[0]["text"] for row in follow.reply_markup["inline_keyboard"]] == ["Verdadero", "Falso"]
    wrong = follow.reply_markup["inline_keyboard"][0][0]["callback_data"]
    app.post(app.updates.callback(ADA, follow, wrong, language_code="es"))
    app.post(app.updates.text(ADA, "/help", language_code="es"))
    app.settle()

    first, second = (m for m in emu.sent_to(ADA) if m.message_id in (question.message_id, follow.message_id))
    assert "✅ ¡Correcto!" in first.text and "Tu respuesta: Algo que ayude al atacante" in first.text
    assert "❌ Casi. La respuesta correcta es: Falso" in second.text and "Tu respuesta: Verdadero" in second.text
    assert "Esto es lo que entiendo" in emu.sent_to(ADA)[-1].text
    with app.services.db.session() as s:
        assert [(a.question_id, a.choice_text, a.correct) for a in s.scalars(select(Answer))] == [
            ("phishing-goal", "Take an action that helps the attacker, such as clicking, logging in or paying", True),
            ("phishing-only-email", "True", False)]
    corpus = "\n".join(seen(m) for m in emu.sent_to(ADA))
    assert english_in(corpus) == []
