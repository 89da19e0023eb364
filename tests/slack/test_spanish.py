"""A learner whose locale is es completes a unit in Spanish through the Slack emulator: every sentence
the bot writes (lesson, questions, buttons, feedback, help) is Spanish, and the answers keep the source ids."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from content.campaign import CampaignSpec
from core.models import Answer
from core.services import campaigns
from tests.spanish import english_in, publish_spanish_phishing


def strings(value: Any) -> list[str]:
    """Every "text" string inside Slack blocks (what a reader sees), recursively."""
    if isinstance(value, dict):
        own = [value["text"]] if isinstance(value.get("text"), str) else []
        return own + [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def shown(message: dict[str, Any]) -> str:
    return "\n".join([message["text"], *strings(message["blocks"])])


def test_a_spanish_learner_completes_a_unit_in_spanish_on_slack(slack_app: Any, h: Any) -> None:
    emu = slack_app.emu
    emu.add_user("U0001", email="lucia@example.com", tz="Europe/Madrid", locale="es-ES", name="Lucía Pérez")
    slack_app.roster(["lucia@example.com,Lucía Pérez,Europe/Madrid,es,,learner,U0001,"])
    spec = CampaignSpec.model_validate({
        "id": "phish", "title": "Phishing", "track": "phishing-basics", "audience": {"all": True},
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "at": "09:00",
                     "start": h.START.date().isoformat()}})
    with slack_app.services.db.session() as s:
        publish_spanish_phishing(s, slack_app.clock.now())
        campaigns.apply_campaign(s, spec, slack_app.clock.now())
    slack_app.tick()
    slack_app.tick(h.NINE)
    lesson, question = emu.posted("DU0001")
    assert lesson["blocks"][0]["text"]["text"].startswith("Cómo detectar el phishing · 1/6: Qué es el phishing")
    assert "Suele llegar por correo electrónico" in shown(lesson)
    assert "¿Qué suele intentar que hagas un mensaje de phishing?" in shown(question)

    slack_app.press("U0001", question, 0)
    h.wait_for(lambda: len(emu.posted("DU0001")) == 3 and emu.posted("DU0001")[1]["edits"] == 1, what="feedback")
    feedback, follow = emu.posted("DU0001")[1:]
    assert "✅" in shown(feedback) and "Así es. El mensaje en sí es inofensivo" in shown(feedback)
    assert "El phishing es una petición disfrazada" in shown(feedback)
    labels = [e["text"]["text"] for b in follow["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Verdadero", "Falso"]

    slack_app.press("U0001", follow, 0)  # wrong: phishing does not only arrive by email
    h.wait_for(lambda: emu.posted("DU0001")[2]["edits"] == 1, what="second feedback")
    second = emu.posted("DU0001")[2]
    assert "❌" in shown(second) and "La respuesta correcta es" in shown(second) and "No exactamente." in shown(second)

    slack_app.command("U0001", "help")
    reply = h.wait_for(lambda: emu.responses, what="the help reply")[0]

    with slack_app.session() as s:
        recorded = [(a.question_id, a.choice_index, a.choice_text, a.correct) for a in s.scalars(select(Answer))]
    # Answers stay tied to the source: its ids and its (English) choice texts, so reports aggregate.
    assert recorded == [
        ("phishing-goal", 0, "Take an action that helps the attacker, such as clicking, logging in or paying", True),
        ("phishing-only-email", 0, "True", False)]

    said = {"text": reply.get("text", ""), "blocks": reply.get("blocks") or []}
    corpus = "\n".join([*(shown(m) for m in emu.posted("DU0001")), shown(said)])
    assert "Esto es lo que entiendo" in corpus
    assert english_in(corpus) == []
    # The check has teeth: the same unit in English is caught.
    assert english_in("Your answer: True. What is a phishing message usually trying to get you to do?")
