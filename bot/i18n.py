"""The bot's own words, in the languages it has translations for (content is translated by its authors)."""

from __future__ import annotations

from typing import Any

LANGUAGES = {"en": "English", "de": "Deutsch"}

MESSAGES: dict[str, dict[str, str]] = {
    "help": {
        "en": "Here is what I understand:\n• *stats*: your streak, accuracy and what comes next\n"
              "• *next*: one extra question now\n• *pause [days]*: take a break (all nudges)\n"
              "• *resume*: pick up again\n• *timezone [Area/City]*: show or change your time zone\n"
              "• *language [code]*: choose my language\n• *help*: this list",
        "de": "Das verstehe ich:\n• *stats*: deine Serie, Trefferquote und was als Nächstes kommt\n"
              "• *next*: jetzt eine zusätzliche Frage\n• *pause [Tage]*: eine Pause einlegen\n"
              "• *resume*: weitermachen\n• *timezone [Gebiet/Stadt]*: Zeitzone zeigen oder ändern\n"
              "• *language [Code]*: meine Sprache wählen\n• *help*: diese Liste",
    },
    "unknown_person": {
        "en": "I don't know you yet. Ask your learning admin for an invite link to join a campaign.",
        "de": "Ich kenne dich noch nicht. Bitte deine Lern-Admin um einen Einladungslink.",
    },
    "welcome": {
        "en": "Welcome, {name}! You have joined *{campaign}*.\n{objective}\n"
              "You'll get one short lesson and question on {days} at {at}, your local time.",
        "de": "Willkommen, {name}! Du bist jetzt bei *{campaign}* dabei.\n{objective}\n"
              "Du bekommst {days} um {at} Uhr (deine Ortszeit) eine kurze Lektion mit Frage.",
    },
    "welcome_back": {
        "en": "Welcome back, {name}! You're already in *{campaign}*.",
        "de": "Willkommen zurück, {name}! Du bist schon bei *{campaign}* dabei.",
    },
    "linked": {
        "en": "Thanks, {name}: this chat is now linked to your nudgebot account.",
        "de": "Danke, {name}: dieser Chat ist jetzt mit deinem nudgebot-Konto verbunden.",
    },
    "invite_unknown": {
        "en": "That invite link isn't valid. Ask your admin for a new one.",
        "de": "Dieser Einladungslink ist ungültig. Bitte um einen neuen.",
    },
    "invite_expired": {
        "en": "That invite link has expired. Ask your admin for a new one.",
        "de": "Dieser Einladungslink ist abgelaufen. Bitte um einen neuen.",
    },
    "invite_used_up": {
        "en": "That invite link has been used as often as allowed. Ask your admin for a new one.",
        "de": "Dieser Einladungslink wurde schon so oft wie erlaubt benutzt. Bitte um einen neuen.",
    },
    "invite_taken": {
        "en": "That invite belongs to someone else's account.",
        "de": "Diese Einladung gehört zu einem anderen Konto.",
    },
    "ask_timezone": {
        "en": "Which time zone are you in? Share your location, type your city or an IANA name "
              "(e.g. Europe/Berlin), or pick one below. Nothing is scheduled until this is set.",
        "de": "In welcher Zeitzone bist du? Teile deinen Standort, tippe deine Stadt oder einen IANA-Namen "
              "(z. B. Europe/Berlin) oder wähle unten. Bis dahin plane ich nichts.",
    },
    "tz_set": {
        "en": "Time zone set to *{zone}* (it is {local} there now).{next}",
        "de": "Zeitzone auf *{zone}* gesetzt (dort ist es jetzt {local}).{next}",
    },
    "tz_next": {
        "en": " Your next nudge: {when}.",
        "de": " Dein nächster Impuls: {when}.",
    },
    "tz_show": {
        "en": "Your time zone is *{zone}* ({source}). To change it: timezone Area/City",
        "de": "Deine Zeitzone ist *{zone}* ({source}). Ändern mit: timezone Gebiet/Stadt",
    },
    "tz_none": {
        "en": "You have no time zone yet, so nothing is scheduled. Send: timezone Area/City",
        "de": "Du hast noch keine Zeitzone, daher ist nichts geplant. Sende: timezone Gebiet/Stadt",
    },
    "tz_confirm": {
        "en": "Did you mean one of these time zones?",
        "de": "Meintest du eine dieser Zeitzonen?",
    },
    "tz_unknown": {
        "en": "I couldn't match {text!r} to a time zone. Try a big city near you or a name like Europe/Berlin.",
        "de": "Ich konnte {text!r} keiner Zeitzone zuordnen. Versuche eine große Stadt in deiner Nähe.",
    },
    "paused": {
        "en": "Paused{until}. Send *resume* whenever you're ready.",
        "de": "Pausiert{until}. Sende *resume*, wenn du bereit bist.",
    },
    "paused_until": {"en": " until {date}", "de": " bis {date}"},
    "resumed": {
        "en": "Welcome back! Nudges resume from your next scheduled time; you won't get a pile of missed ones.",
        "de": "Willkommen zurück! Es geht mit dem nächsten geplanten Termin weiter, ohne Nachholflut.",
    },
    "not_paused": {"en": "You're not paused.", "de": "Du bist nicht pausiert."},
    "next_none": {
        "en": "You're all caught up: there is nothing more to send right now.",
        "de": "Du bist auf dem neuesten Stand: gerade gibt es nichts mehr.",
    },
    "stats_none": {
        "en": "You're not enrolled in any campaign yet.",
        "de": "Du bist noch in keiner Kampagne.",
    },
    "language_set": {"en": "I'll talk to you in English.", "de": "Ich spreche ab jetzt Deutsch mit dir."},
    "language_list": {
        "en": "Languages I speak: {langs}. Send: language <code>",
        "de": "Meine Sprachen: {langs}. Sende: language <Code>",
    },
    "didnt_understand": {
        "en": "I didn't catch that. Send *help* to see what I can do.",
        "de": "Das habe ich nicht verstanden. Sende *help* für eine Übersicht.",
    },
    "blocked_notice": {"en": "", "de": ""},
    "channel_set": {
        "en": "From now on I'll nudge you on {channel}.",
        "de": "Ab jetzt erinnere ich dich über {channel}.",
    },
    "channel_list": {
        "en": "I nudge you on {current}. Your linked chats: {channels}. To switch: channel <name>",
        "de": "Ich erinnere dich über {current}. Deine verbundenen Chats: {channels}. Wechseln mit: channel <Name>",
    },
}


def language_of(locale: str | None) -> str:
    """Return the bot language for a locale such as 'de_DE' or 'en-GB' (English when untranslated)."""
    code = (locale or "en").replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else "en"


def t(locale: str | None, key: str, **kw: Any) -> str:
    """Return message `key` in the person's language, formatted with `kw`."""
    texts = MESSAGES[key]
    return texts.get(language_of(locale), texts["en"]).format(**kw)
