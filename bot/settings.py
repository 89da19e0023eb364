"""Configuration from the environment and an optional .env file."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything nudgebot reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite:///nudgebot.db"
    port: int = 8000
    log_level: str = "INFO"
    tick_seconds: float = 30.0
    send_concurrency: int = 200
    outbox_batch: int = 100  # deliveries claimed at a time: at most these are in flight if a worker dies
    outbox_lease_seconds: float = 60.0  # a claim lasts this long (renewed while sending)
    shutdown_grace_seconds: float = 10.0  # on SIGTERM, in-flight sends get this long to finish

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_workspace_rate: float = 20.0  # messages per second across the workspace
    slack_channel_interval: float = 1.0  # seconds between two posts in one conversation

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_bot_username: str | None = None
    telegram_global_rate: float = 30.0  # messages per second across every chat
    telegram_chat_interval: float = 1.0  # seconds between two messages to one chat
    # Seconds a webhook request waits for its update's work before answering Telegram anyway (the work goes on).
    telegram_webhook_wait: float = 0.025
    telegram_polling: bool = False

    # xAPI: statements go to this Learning Record Store (docs/xapi.md); unset = xAPI off.
    lrs_url: str | None = None
    lrs_username: str | None = None
    lrs_password: str | None = None
    xapi_activity_base: str = "https://nudgebot.example/xapi/activities"
    xapi_home_page: str = "https://nudgebot.example"
    xapi_namespace: str | None = None  # a UUID per installation; never change it once statements were sent
    xapi_identify_by: str = "account"  # or "mbox" to identify learners by email
    # The dashboard's public address as people's browsers see it (behind the organisation's HTTPS reverse
    # proxy, e.g. https://learn.example.org/dashboard). Sign-in links are built from it; the session cookie
    # is marked Secure when it starts with https.
    dashboard_url: str = "http://localhost:8000/dashboard"
    # Signs the session cookie. When unset, one is generated once and kept in the database.
    dashboard_secret: str | None = None
    # Managers also see their reports' reports.
    dashboard_skip_level: bool = False
