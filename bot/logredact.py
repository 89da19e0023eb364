"""Keep secrets out of the logs at every level: a filter on the root handlers masks them in each record."""

from __future__ import annotations

import logging

from bot.settings import Settings

MASK = "[redacted]"
SECRET_FIELDS = ("slack_bot_token", "slack_signing_secret", "slack_app_token", "telegram_bot_token",
                 "telegram_webhook_secret")


class RedactSecrets(logging.Filter):
    """Replace every configured secret in a record's message (and its arguments) with a mask."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask secrets in the formatted message and any exception text; always keep the record."""
        if not self.secrets:
            return True
        message = record.getMessage()
        clean = self._mask(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._mask(record.exc_text)
        return True

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


def redact_secrets(settings: Settings) -> RedactSecrets:
    """Install the filter on every root handler (call after logging is configured); return it."""
    secrets = [str(getattr(settings, name) or "") for name in SECRET_FIELDS]
    # The Telegram token's secret half appears in URLs on its own, after the bot id and a colon.
    token = settings.telegram_bot_token or ""
    if ":" in token:
        secrets.append(token.split(":", 1)[1])
    flt = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(flt)
    return flt
