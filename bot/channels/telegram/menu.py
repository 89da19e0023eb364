"""The bot's profile in every shipped language: the command menu (setMyCommands) and the descriptions
people see before they start a chat (setMyDescription, setMyShortDescription), from the catalogs."""

from __future__ import annotations

from bot.channels.telegram.channel import TelegramChannel
from core.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, translate, typed_word

COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Start, or join with an invite")),
    ("help", N_("What I understand")),
    ("stats", N_("Your streak, accuracy and what comes next")),
    ("pause", N_("Take a break: /pause [10d | {until} 2027-02-01]")),
    ("resume", N_("Pick up again")),
    ("timezone", N_("Show or change your time zone")),
    ("next", N_("One extra question now")),
    ("language", N_("Choose my language")),
    ("history", N_("The lessons you received")),
    ("search", N_("Find a lesson again: /search words")),
]
# Translators: Telegram shows this (at most 512 characters) in an empty chat with the bot.
DESCRIPTION = N_("Two-minute lessons and quiz questions, in this chat, on your schedule. To join, open the "
                 "invite link your learning admin gave you.")
# Translators: Telegram shows this (at most 120 characters) on the bot's profile and in shared links.
SHORT_DESCRIPTION = N_("Two-minute lessons and quizzes in chat, on your schedule.")


def _code(language: str) -> str:
    # The source language is also the default for every language without its own menu.
    return "" if language == SOURCE_LANGUAGE else language


def command_menus() -> dict[str, list[tuple[str, str]]]:
    """Return the command menu per language_code ("" is the default for every other language)."""
    return {_code(lang): [(name, translate(lang, text, until=typed_word(lang, "until"))) for name, text in COMMANDS]
            for lang in LANGUAGES}


def descriptions() -> dict[str, tuple[str, str]]:
    """Return (description, short description) per language_code ("" is the default)."""
    return {_code(lang): (translate(lang, DESCRIPTION), translate(lang, SHORT_DESCRIPTION)) for lang in LANGUAGES}


async def publish_profile(channel: TelegramChannel) -> None:
    """Publish the command menu and both descriptions in every shipped language."""
    await channel.set_commands(command_menus())
    bot = await channel.bot()
    for code, (long, short) in descriptions().items():
        async with channel.limiter.slot(None):
            await bot.set_my_description(long, language_code=code or None)
        async with channel.limiter.slot(None):
            await bot.set_my_short_description(short, language_code=code or None)
