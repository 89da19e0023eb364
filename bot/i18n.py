"""Key names for the conversation's messages; the words themselves live in core/locales (see core.i18n)."""

from __future__ import annotations

from typing import Any

from core.i18n import LANGUAGES, N_, format_date, format_datetime, format_time, format_weekdays, language_of, translate

# key -> English msgid; the German (and any future) text is in core/locales/<lang>/LC_MESSAGES/nudgebot.po
MESSAGES: dict[str, str] = {
    "help": N_(
        "Here is what I understand:\n• *stats*: your streak, accuracy and what comes next\n• *next*: one "
        "extra question now\n• *pause [10d | {until} 2027-02-01]*: take a break (all nudges)\n"
        "• *resume*: pick up again\n• *timezone [Area/City]*: show or change your time zone\n"
        "• *language [code]*: choose my language\n"
        "• *channel [name]*: choose where I nudge you\n• *help*: this list"
    ),
    "unknown_person": N_("I don't know you yet. Ask your learning admin for an invite link to join a campaign."),
    "welcome": N_(
        "Welcome, {name}! You have joined *{campaign}*.\n{objective}\nYou'll get one short lesson and "
        "question on {days} at {at}, your local time."
    ),
    "welcome_back": N_("Welcome back, {name}! You're already in *{campaign}*."),
    "linked": N_("Thanks, {name}: this chat is now linked to your nudgebot account."),
    "invite_unknown": N_("That invite link isn't valid. Ask your admin for a new one."),
    "invite_expired": N_("That invite link has expired. Ask your admin for a new one."),
    "invite_used_up": N_("That invite link has been used as often as allowed. Ask your admin for a new one."),
    "invite_taken": N_("That invite belongs to someone else's account."),
    "ask_timezone": N_(
        "Which time zone are you in? Share your location, type your city or an IANA name (e.g. "
        "Europe/Berlin), or pick one below. Nothing is scheduled until this is set."
    ),
    "tz_set": N_("Time zone set to *{zone}* (it is {local} there now).{next}"),
    "tz_next": N_(" Your next nudge: {when}."),
    "tz_show": N_("Your time zone is *{zone}* ({source}). To change it: timezone Area/City"),
    "tz_none": N_("You have no time zone yet, so nothing is scheduled. Send: timezone Area/City"),
    "tz_confirm": N_("Did you mean one of these time zones?"),
    "tz_unknown": N_(
        "I couldn't match {text!r} to a time zone. Try a big city near you or a name like Europe/Berlin."
    ),
    "paused": N_("Paused{until}. Send *resume* whenever you're ready."),
    "paused_until": N_(" until {date}"),
    "pause_how": N_("To pause, send *pause*, *pause 10d* (ten days) or *pause {until} {example}*."),
    "pause_bad_date": N_("I can't read “{text}” as a date. Write it like this: *pause {until} {example}*."),
    "pause_past": N_("{date} has already passed. Send a later date, like *pause {until} {example}*."),
    "resumed": N_("Welcome back! Nudges resume from your next scheduled time; you won't get a pile of missed ones."),
    "not_paused": N_("You're not paused."),
    "next_none": N_("You're all caught up: there is nothing more to send right now."),
    "stats_none": N_("You're not enrolled in any campaign yet."),
    "language_set": N_("I'll talk to you in English."),
    "language_list": N_("Languages I speak: {langs}. Send: language <code>"),
    "didnt_understand": N_("I didn't catch that. Send *help* to see what I can do."),
    "channel_set": N_("From now on I'll nudge you on {channel}."),
    "channel_list": N_("I nudge you on {current}. Your linked chats: {channels}. To switch: channel <name>"),
    "stats_title": N_("Your progress"),
    "stats_line": N_(
        "*{campaign}*: lesson {done}/{total}, answered {answered}/{sent}, accuracy {accuracy}, streak "
        "{streak}, next: {next}"
    ),
    "stats_finished": N_("finished 🎉"),
    "stats_completed": N_("completed on {date}, score {score} (pass mark {mark}) 🎉"),
    "stats_not_scheduled": N_("not scheduled"),
    "stats_paused": N_("paused"),
    "tz_source_roster": N_("from your organisation's roster"),
    "tz_source_slack": N_("from your Slack profile"),
    "tz_source_location": N_("from your shared location"),
    "tz_source_chat": N_("set by you in chat"),
    "tz_source_platform": N_("from your chat profile"),
    "goal": N_("Goal: {objective}"),
    "there": N_("there"),
    "dashboard_link": N_(
        "Your dashboard sign-in link (it works once, for 15 minutes; don't share it):\n{url}"
    ),
}


def t(locale: str | None, key: str, **kw: Any) -> str:
    """Return message `key` in the person's language, formatted with `kw`."""
    msgid = MESSAGES[key]
    return translate(locale, msgid, **kw) if msgid else ""


__all__ = ["LANGUAGES", "MESSAGES", "format_date", "format_datetime", "format_time", "format_weekdays", "language_of",
           "t", "translate"]
