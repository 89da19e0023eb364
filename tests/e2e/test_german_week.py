"""A German learner's week on the console channel: every word the bot writes to her (and to her German
manager) is German, from the invite's welcome to the weekly digest, and so are its dates."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from babel.messages.pofile import read_po

from bot.channels.slack.render import render as slack_render
from bot.channels.telegram.render import plain as telegram_plain
from bot.channels.telegram.render import render as telegram_render
from bot.conversation import Reply
from content.schema import Track
from core.models import Person
from core.ports import AnswerChosen, CommandIssued, InboundEvent, Joined, OutboundMessage, Sender
from core.render import answer_action, digest_message, reminder_message
from core.services.invites import create_invite
from tests.helpers import World

MON = date(2027, 1, 4)
BERLIN = ZoneInfo("Europe/Berlin")
CATALOGS = Path(__file__).resolve().parents[2] / "core" / "locales"

GERMAN_TRACK = """
id: sicher
title: Sicher im Netz
objective: Phishing erkennen und richtig melden.
units:
""" + "".join(f"""
  - id: e{u}
    title: Einheit {u}
    lesson: |
      Lektion {u}: Prüfe immer den Absender, bevor du auf einen Link klickst.
    why: Ein falscher Klick kann teuer werden.
    questions:
      - id: e{u}-f1
        prompt: Was tust du mit einer verdächtigen Nachricht {u}?
        explanation: Melden schützt alle im Unternehmen.
        choices:
          - text: Melden
            correct: true
            feedback: Genau, so geht das.
          - text: Anklicken
            feedback: Lieber nicht, das ist das Risiko.
          - text: Ignorieren
""" for u in range(1, 9))

# Words of the bot's English that must never reach a German reader (content is German here).
ENGLISH_WORDS = ("the", "your", "you", "question", "answer", "lesson", "week", "reminder")
# Abbreviations only English uses (Jan, Feb, Apr, Jun, Jul, Aug, Sep and Nov are German too).
ENGLISH_DATES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mar", "May", "Oct", "Dec")
# Command names the German help keeps, because they are what one types.
COMMANDS = {"stats", "next", "pause", "resume", "timezone", "language", "help", "channel", "nudgebot", "history",
            "search"}


def utc(day: date, hh: int, mm: int) -> datetime:
    """The UTC instant of a Berlin wall time."""
    return datetime.combine(day, time(hh, mm), tzinfo=BERLIN).astimezone(UTC)


class Learner:
    """Drives one person's side of the conversation and keeps everything the bot wrote back."""

    def __init__(self, world: World, person_id: int) -> None:
        self.world = world
        self.sender = Sender("console", str(person_id), "Lena Lernwig", "de_DE")
        self.replies: list[Reply] = []

    def send(self, event: InboundEvent, at: datetime | None = None) -> Reply:
        if at is not None:
            self.world.clock.set(at)
        reply = asyncio.run(self.world.services.conversation.handle(event, wait=True))
        self.replies.append(reply)
        return reply

    def command(self, name: str, *args: str, at: datetime | None = None) -> Reply:
        return self.send(CommandIssued(self.sender, name, list(args)), at)

    def press(self, delivery_id: int, choice: int, at: datetime) -> Reply:
        return self.send(AnswerChosen(self.sender, answer_action(delivery_id, choice)), at)


def shown(message: OutboundMessage) -> list[str]:
    """Every string of a message a reader sees, including what each channel adds around it."""
    texts = [message.title, message.text, message.footer, *(b.label for b in message.buttons)]
    texts += [cell for row in message.table for cell in row]
    slack = slack_render(message)
    texts.append(slack["text"])
    texts += [json.dumps(b, ensure_ascii=False) for b in slack["blocks"]]  # JSON, as Slack receives it
    texts += [telegram_plain(part.text) for part in telegram_render(message)]
    return [t for t in texts if t]


def english_fragments() -> list[str]:
    """Pieces of the bot's English (msgids) that German output must not contain."""
    with (CATALOGS / "de" / "LC_MESSAGES" / "nudgebot.po").open("rb") as f:
        catalog = read_po(f)
    pieces: set[str] = set()
    for m in catalog:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not m.id or set(ids) == set(strings) or "EEE" in ids[0]:
            continue  # the header, words German shares (Status, nudgebot), and date patterns
        for msgid in ids:
            # Brackets split too: command syntax such as "pause [10d | …]" is typed alike in every language.
            for piece in re.split(r"\{[^}]*\}|[*_\n•`()\[\]]", msgid):
                piece = piece.strip(" .,:;!?-·")
                words = re.findall(r"[A-Za-z']+", piece)
                if len(words) >= 2 or (len(words) == 1 and len(words[0]) >= 4 and words[0] not in COMMANDS):
                    pieces.add(piece)
    return sorted(pieces)


def test_a_german_learner_reads_only_german_all_week(world: World) -> None:
    world.publish(Track.model_validate(yaml.safe_load(GERMAN_TRACK)))
    boss = world.person("max@example.org", "Europe/Berlin", name="Max Meier", roles="manager")
    lena = world.person("lena@example.org", None, name="Lena Lernwig", manager=boss)

    def german(s: object) -> None:
        for pid in (boss, lena):
            p = s.get(Person, pid)  # type: ignore[attr-defined]
            p.locale = "de_DE" if pid == lena else "de"

    world.do(german)
    world.person("ida@example.org", "Europe/Berlin", name="Ida")  # campaigns start from a known audience
    world.campaign(["ida@example.org"], cid="sicher-k", track="sicher", remind_after=2, manager_after=3,
                   learning={"spacing": "drip"})  # each question once: this week is about the language
    code = world.do(lambda s: create_invite(s, "sicher-k", now=world.clock.now()).code)
    me = Learner(world, lena)

    # Sunday: the invite welcomes her, asks for her zone, and she picks Berlin.
    welcome = me.send(Joined(me.sender, code))
    assert "Willkommen, Lena! Du bist jetzt bei *sicher-k* dabei." in welcome.messages[0].text
    assert "Ziel: Phishing erkennen und richtig melden." in welcome.messages[0].text
    assert "Mo., Di., Mi., Do., Fr. um 09:30 Uhr" in welcome.messages[0].text
    zone = me.send(AnswerChosen(me.sender, "tz:Europe/Berlin"))
    assert "Dein nächster Impuls: Mo., 4. Jan. um 09:30 Uhr." in zone.messages[0].text
    assert me.command("help").messages[0].text.startswith("Das verstehe ich:")

    # Monday right, Tuesday wrong: feedback headers in German.
    world.tick(utc(MON, 9, 30))
    me.press(world.open_question(lena).id, 0, utc(MON, 10, 0))
    world.tick(utc(MON + timedelta(days=1), 9, 30))
    tuesday = world.open_question(lena)
    me.press(tuesday.id, 1, utc(MON + timedelta(days=1), 10, 0))
    assert me.press(tuesday.id, 0, utc(MON + timedelta(days=1), 10, 5)).notice.startswith("Das hast du schon")
    feedback = [m for _, m in world.inbox(lena, "feedback")]
    assert "✅ Richtig!" in feedback[0].text and "Erklärung: Melden schützt" in feedback[0].text
    assert "❌ Nicht ganz. Richtig ist: Melden" in feedback[1].text and "Deine Antwort: Anklicken" in feedback[1].text

    # Then silence: a reminder on Friday, her manager hears on Monday, along with the weekly digest.
    for n in (2, 3, 4, 7):
        world.tick(utc(MON + timedelta(days=n), 9, 30))
    [(_, reminder)] = world.inbox(lena, "reminder")
    assert reminder.title == "Freundliche Erinnerung" and "deine letzten 2 Fragen" in reminder.text
    [(_, escalation)] = world.inbox(boss, "escalation")
    assert "Lena Lernwig (sicher-k): 3 Fragen unbeantwortet, still seit Mi., 6. Jan." in escalation.text
    assert escalation.title == "Hinweis für Führungskräfte: Lernende sind still geworden"
    assert [b.label for b in escalation.buttons] == ["Lena jetzt anstoßen", "Lena eine Woche schlummern"]
    [(_, digest)] = world.inbox(boss, "digest")
    assert digest.title == "Wochenbericht für dein Team · Mo., 4. Jan. – Mo., 11. Jan. 2027"
    assert digest.table[0] == ("Lernende", "Fortschritt", "Beantwortet", "Trefferquote", "Serie", "Zuletzt aktiv")
    assert digest.table[1][5] == "Di., 5. Jan." and "Braucht einen Anstoß: Lena Lernwig." in digest.text

    # Her stats, a look at her zone, a move to Vienna, a short pause and back.
    at = utc(MON + timedelta(days=7), 12, 0)
    stats = me.command("stats", at=at).messages[0]
    assert stats.title == "Dein Fortschritt" and "Lektion 6/8, beantwortet 2/6" in stats.text
    assert "als Nächstes: Di., 12. Jan., 09:30" in stats.text
    assert "von dir im Chat gesetzt" in me.command("timezone", at=at).messages[0].text
    moved = me.command("timezone", "Europe/Vienna", at=at).messages[0].text
    assert "Zeitzone auf *Europe/Vienna* gesetzt (dort ist es jetzt 12:00)." in moved
    assert "Dein nächster Impuls: Di., 12. Jan. um 09:30 Uhr." in moved
    assert me.command("pause", "2", at=at).messages[0].text.startswith("Pausiert bis")
    assert me.command("resume", at=at).messages[0].text.startswith("Willkommen zurück!")
    assert me.command("bitte", at=at).messages[0].text.startswith("Das habe ich nicht verstanden.")

    written: list[str] = [r.notice for r in me.replies if r.notice]
    for r in me.replies:
        for m in r.messages:
            written += shown(m)
    for pid in (lena, boss):
        for _, m in world.inbox(pid):
            written += shown(m)
    corpus = "\n".join(written)
    assert "Lektion 1: Prüfe immer den Absender" in corpus and "Hinweis für Führungskräfte" in corpus

    assert english_in(corpus) == []
    # The same messages in English are caught, so the check has teeth.
    english = reminder_message("Lena Lernwig", 2, "sicher-k")
    assert english_in("\n".join(shown(english) + [digest_message("Max", "week to Mon 11 Jan 2027", []).title]))


def english_in(corpus: str) -> list[str]:
    """Return the English catalog pieces, English-only date words and English function words in `corpus`."""
    leaked = [p for p in english_fragments()
              if (re.search(rf"(?<![\w']){re.escape(p)}(?![\w'])", corpus) if " " not in p else p in corpus)]
    leaked += re.findall(rf"\b({'|'.join(ENGLISH_DATES)})\b", corpus)
    return leaked + re.findall(rf"(?i)\b({'|'.join(ENGLISH_WORDS)})\b", corpus)
