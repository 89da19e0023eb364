"""Platform habits in the conversation's words: help that names each platform's own way of typing a
command, and the words a learner may type bare ("help", "stats", "resume") instead of a command."""

from __future__ import annotations

from bot.i18n import t
from core.i18n import translate, typed_word

# Words understood when typed on their own (or with a leading slash) in any chat.
TYPED_COMMANDS = frozenset({"help", "stats", "pause", "resume", "timezone", "tz", "next", "channel", "language",
                            "history", "search"})


def help_text(locale: str | None, platform: str) -> str:
    """Return the help list in the reader's language, naming commands the way their platform types them."""
    return f"{_help_text(locale, platform)}\n{_recall_help(locale, platform)}"


def _recall_help(locale: str | None, platform: str) -> str:
    if platform == "slack":
        return translate(locale, "• `/nudge history`: the lessons you received\n"
                                 "• `/nudge search [words]`: find a lesson again")
    if platform == "telegram":
        return translate(locale, "• /history: the lessons you received\n• /search [words]: find a lesson again")
    return translate(locale, "• *history*: the lessons you received\n• *search [words]*: find a lesson again")


def _help_text(locale: str | None, platform: str) -> str:
    until = typed_word(locale, "until")  # the word before a date in `pause until …`, in the reader's language
    if platform == "slack":
        return translate(
            locale,
            "Here is what I understand (type it in this chat, or use `/nudge` anywhere in Slack):\n"
            "• `/nudge stats`: your streak, accuracy and what comes next\n"
            "• `/nudge next`: one extra question now\n"
            "• `/nudge pause [10d | {until} 2027-02-01]`: take a break (all nudges)\n"
            "• `/nudge resume`: pick up again\n"
            "• `/nudge timezone [Area/City]`: show or change your time zone\n"
            "• `/nudge language [code]`: choose my language\n"
            "• `/nudge channel [name]`: choose where I nudge you\n"
            "• `/nudge help`: this list\n"
            "To answer a question, press a button or type the number of your choice.", until=until)
    if platform == "telegram":
        return translate(
            locale,
            "Here is what I understand (the words work without the slash too):\n"
            "• /stats: your streak, accuracy and what comes next\n"
            "• /next: one extra question now\n"
            "• /pause [10d | {until} 2027-02-01]: take a break (all nudges)\n"
            "• /resume: pick up again\n"
            "• /timezone [Area/City]: show or change your time zone\n"
            "• /language [code]: choose my language\n"
            "• /channel [name]: choose where I nudge you\n"
            "• /help: this list", until=until)
    return t(locale, "help", until=until)


def didnt_understand(locale: str | None, platform: str) -> str:
    """Return "I didn't catch that", pointing at help the way the reader's platform asks for it."""
    if platform == "slack":
        return translate(locale, "I didn't catch that. Send `/nudge help` to see what I can do.")
    if platform == "telegram":
        return translate(locale, "I didn't catch that. Send /help to see what I can do.")
    return t(locale, "didnt_understand")
