"""The Telegram ChatChannel: send and edit through python-telegram-bot, within the flood limits."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import warnings
import weakref
from datetime import timedelta
from typing import Any

import httpx
from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.limiter import TelegramLimiter
from bot.channels.telegram.render import TelegramMessage, photo_parts, plain, render
from core.ports import Image, OutboundMessage, RecipientGone, RetryLater, TransientError

log = logging.getLogger("nudgebot.telegram")

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# RetryAfter warns on creation that retry_after will become a timedelta; retry_seconds takes either.
warnings.filterwarnings("ignore", message=r".*`retry_after` will be of type", category=PTBDeprecationWarning)


def retry_seconds(exc: RetryAfter) -> float:
    """Return RetryAfter's wait in seconds, whichever type this PTB version reports it as."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB warns that the attribute will become a timedelta
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


IN_FLIGHT = 8  # Bot API requests at once per event loop, each on a connection of its own kept open


class CappedRequest(HTTPXRequest):
    """PTB's httpx transport with at most `limit` requests in flight, each on a kept-open connection.

    httpx's pool looks over every queued request whenever a connection frees up, so with hundreds of
    sends waiting in it (the dispatcher's concurrency) each request costs more, and they wait out its
    pool timeout. Waiting here, in a plain semaphore, costs nothing.
    """

    def __init__(self, limit: int = IN_FLIGHT) -> None:
        super().__init__(connection_pool_size=limit, httpx_kwargs={
            "limits": httpx.Limits(max_connections=limit, max_keepalive_connections=limit)})
        self._slots = asyncio.Semaphore(limit)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Make one request once one of the `limit` slots is free."""
        async with self._slots:
            return await super().do_request(*args, **kwargs)


def parse_ref(ref: str) -> tuple[str, int]:
    """Split a message ref "<chat_id>:<message_id>" into its parts."""
    chat, _, message_id = ref.rpartition(":")
    return chat, int(message_id)


class TelegramChannel:
    """Sends nudges as HTML messages with inline keyboards; refs are "<chat_id>:<message_id>"."""

    name = "telegram"

    def __init__(self, token: str, base_url: str, *, limiter: TelegramLimiter,
                 username: str | None = None) -> None:
        self.token = token
        self.base_url = base_url
        self.limiter = limiter
        self.username = username
        # httpx clients belong to one event loop; the web app and a worker may each have their own.
        self._bots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Bot] = weakref.WeakKeyDictionary()
        self._ready: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, bool] = weakref.WeakKeyDictionary()
        self._init_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary())

    def make_bot(self) -> Bot:
        """Return a new, uninitialised PTB Bot aimed at the configured API URL."""
        return Bot(self.token, base_url=self.base_url, request=CappedRequest())

    async def bot(self) -> Bot:
        """Return this event loop's initialised Bot."""
        loop = asyncio.get_running_loop()
        bot = self._bots.get(loop)
        if bot is None:
            bot = self.make_bot()
            self._bots[loop] = bot
        if not self._ready.get(loop):
            lock = self._init_locks.setdefault(loop, asyncio.Lock())
            async with lock:  # a burst of first sends needs one getMe, not one each
                if not self._ready.get(loop):
                    try:
                        await bot.initialize()
                    except TelegramError as exc:
                        raise await self._mapped(exc) from exc
                    self._ready[loop] = True
                    self.username = self.username or bot.username
        return bot

    async def aclose(self) -> None:
        """Close this event loop's HTTP client."""
        loop = asyncio.get_running_loop()
        bot = self._bots.pop(loop, None)
        if bot is not None and self._ready.pop(loop, False):
            await bot.shutdown()

    async def send(self, address: str, message: OutboundMessage) -> str:
        """Send `message` to chat `address`, split if too long; return the last part's ref.

        A picture goes first, as a photo (uploaded, or by URL) whose caption is the message when it fits
        and has no buttons, else the picture's alt text with the message following.
        """
        if is_long(message):
            await self._typing(address)
        image = message.image
        if image is not None and (image.data or image.url):
            photo, rest = photo_parts(message)
            try:
                ref = await self._send_photo(address, image, photo)
            except BadRequest as exc:
                # A picture Telegram cannot take (a URL it cannot fetch) must not hold the message back.
                log.warning("Telegram refused the picture %s (%s); sending the message without it",
                            image.url or image.name, exc.message)
                return await self.send(address, dataclasses.replace(message, image=None))
            for part in rest:
                ref = await self._send_rest(address, part)
            return ref
        ref = ""
        for i, part in enumerate(render(message)):
            ref = await (self._send_part(address, part) if i == 0 else self._send_rest(address, part))
        return ref

    async def _send_rest(self, address: str, part: TelegramMessage, attempts: int = 5) -> str:
        # Once the first part is out, a retry of the whole message would repeat it: wait here instead.
        for attempt in range(attempts):
            try:
                return await self._send_part(address, part)
            except RetryLater:
                if attempt == attempts - 1:
                    raise
                # The 429 paused the limiter: the next slot comes after its retry_after.
            except TransientError:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    async def _send_part(self, address: str, part: TelegramMessage) -> str:
        bot = await self.bot()
        markup = _markup(part.reply_markup, bot)
        try:
            try:
                async with self.limiter.slot(address):
                    sent = await bot.send_message(chat_id=address, text=part.text, parse_mode="HTML",
                                                  reply_markup=markup, link_preview_options=_NO_PREVIEW)
            except BadRequest as exc:
                if "parse" not in exc.message.lower():
                    raise
                # Our HTML should always be valid; if the server disagrees, plain text still informs.
                log.warning("Telegram refused HTML (%s); sending plain text", exc.message)
                async with self.limiter.slot(address):
                    sent = await bot.send_message(chat_id=address, text=plain(part.text), reply_markup=markup)
        except TelegramError as exc:
            raise await self._mapped(exc) from exc
        return f"{sent.chat_id}:{sent.message_id}"

    async def _send_photo(self, address: str, image: Image, part: TelegramMessage) -> str:
        bot = await self.bot()
        photo: InputFile | str = InputFile(image.data, filename=image.name) if image.data else image.url
        try:
            async with self.limiter.slot(address):
                sent = await bot.send_photo(chat_id=address, photo=photo, caption=part.text or None,
                                            parse_mode="HTML", reply_markup=_markup(part.reply_markup, bot))
        except TelegramError as exc:
            raise await self._mapped(exc) from exc
        return f"{sent.chat_id}:{sent.message_id}"

    async def edit(self, address: str, ref: str, message: OutboundMessage) -> None:
        """Replace the text and keyboard of the message `ref`; overflow goes out as new messages."""
        chat, message_id = parse_ref(ref)
        first, *rest = render(message)
        bot = await self.bot()
        # Without reply_markup Telegram drops the old keyboard, which is what an answered question needs.
        inline = first.reply_markup if first.reply_markup and "inline_keyboard" in first.reply_markup else None
        markup = InlineKeyboardMarkup.de_json(inline, bot) if inline else None
        try:
            async with self.limiter.slot(chat, edit=True):
                await bot.edit_message_text(chat_id=chat, message_id=message_id, text=first.text,
                                            parse_mode="HTML", reply_markup=markup,
                                            link_preview_options=_NO_PREVIEW)
        except BadRequest as exc:
            text = exc.message.lower()
            if "not modified" in text:
                return  # the message already shows this; editing twice is harmless
            if "not found" in text or "can't be edited" in text:
                # Too old or deleted: say it in a new message rather than not at all.
                rest = [first, *rest]
            else:
                raise await self._mapped(exc) from exc
        except TelegramError as exc:
            raise await self._mapped(exc) from exc
        for part in rest:
            await self._send_part(address, part)

    async def _mapped(self, exc: TelegramError) -> Exception:
        """Translate a PTB error; a 429 first pauses every send of this bot, in every process."""
        mapped = _port_error(exc)
        if isinstance(mapped, RetryLater):
            await self.limiter.pause(mapped.retry_after)
        return mapped

    async def _typing(self, address: str) -> None:
        # Best effort: a lesson that takes a moment to read arrives after "typing…", like a person's would.
        try:
            bot = await self.bot()
            async with self.limiter.slot(None):
                await bot.send_chat_action(chat_id=address, action="typing")
        except TelegramError as exc:
            log.info("sendChatAction to %s failed: %s", address, exc)

    async def set_commands(self, commands: dict[str, list[tuple[str, str]]]) -> None:
        """Publish the command menu: {language_code or "": [(command, description), ...]}."""
        bot = await self.bot()
        for lang, items in commands.items():
            async with self.limiter.slot(None):
                await bot.set_my_commands(items, language_code=lang or None)


LONG_LESSON = 400  # characters (about 20 seconds of reading): show typing first, as a person would


def is_long(message: OutboundMessage) -> bool:
    """Return True for a lesson long enough to show "typing…" before it."""
    return message.kind == "lesson" and (message.hint == "long" or len(message.text) >= LONG_LESSON)


def _markup(data: dict[str, Any] | None, bot: Bot) -> Any:
    """Build PTB's markup object for a rendered reply_markup (inline, reply keyboard or removal)."""
    if not data:
        return None
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, bot)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove()
    return InlineKeyboardMarkup.de_json(data, bot)


def _port_error(exc: TelegramError) -> Exception:
    """Translate a PTB error into the port's delivery errors."""
    if isinstance(exc, RetryAfter):
        return RetryLater(retry_seconds(exc), "Telegram flood control")
    if isinstance(exc, Forbidden):
        text = exc.message.lower()
        status = "deactivated" if "deactivated" in text else "blocked"
        return RecipientGone(status=status, detail=f"Telegram: {exc.message}")
    if isinstance(exc, BadRequest) and "chat not found" in exc.message.lower():
        return RecipientGone(status="blocked", detail=f"Telegram: {exc.message}")
    if isinstance(exc, TimedOut | NetworkError) and not isinstance(exc, BadRequest):
        return TransientError(f"Telegram: {exc.message}")
    return exc
