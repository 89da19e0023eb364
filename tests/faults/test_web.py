"""The web app under hostile requests: oversized, malformed, wrongly typed, forged and replayed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.bootstrap import bootstrap
from bot.settings import Settings
from bot.web import MAX_BODY, create_app
from core.models import Answer, Delivery, Enrollment, Person
from tests.faults.harness import slack_emulator_module
from tests.telegram.emulator import TOKEN as TELEGRAM_TOKEN
from tests.telegram.emulator import TelegramEmulator

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TELEGRAM_SECRET = "s3cret-token_for-tests"
PATHS = ["/slack/events", "/telegram/webhook", "/healthz", "/metrics", "/nope", "/slack/events/x"]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    from bot.dbsetup import upgrade

    tmp = tmp_path_factory.mktemp("web")
    slack = slack_emulator_module().SlackEmulator().start()
    telegram = TelegramEmulator().start()
    url = f"sqlite:///{tmp}/web.db"
    upgrade(url)
    config = Settings(database_url=url, slack_bot_token=slack_emulator_module().TOKEN,
                      slack_signing_secret=SLACK_SECRET,
                      slack_api_url=slack.api_url, slack_app_token=None, telegram_bot_token=TELEGRAM_TOKEN,
                      telegram_api_url=telegram.api_url, telegram_webhook_secret=TELEGRAM_SECRET,
                      _env_file=None)
    services = bootstrap(config)
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        yield client, services
    services.db.dispose()
    slack.stop()
    telegram.stop()


def signed(body: bytes, stamp: int | None = None, secret: str = SLACK_SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if stamp is None else stamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def snapshot(services: Any) -> tuple[int, ...]:
    with services.db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0 for m in (Person, Delivery, Answer, Enrollment))


@pytest.mark.parametrize("path,headers", [
    ("/slack/events", {}),
    ("/telegram/webhook", {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}),
])
def test_bodies_over_one_megabyte_get_413_before_parsing(web: tuple[TestClient, Any], path: str,
                                                          headers: dict[str, str]) -> None:
    client, _ = web
    big = b"{" + b" " * MAX_BODY + b"}"
    assert client.post(path, content=big, headers={**headers, **signed(big)}).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts what streams in
        for _ in range(20):
            yield b"x" * (MAX_BODY // 10)

    assert client.post(path, content=chunks(), headers=headers).status_code == 413
    ok = json.dumps({"type": "url_verification", "challenge": "c"}).encode()
    assert client.post("/slack/events", content=ok, headers={"Content-Type": "application/json", **signed(ok)}
                       ).status_code == 200


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                         max_size=4), max_leaves=12)
shapes = st.fixed_dictionaries({"type": st.sampled_from(["event_callback", "block_actions", "url_verification", 3]),
                                "event": json_values, "actions": json_values, "user": json_values,
                                "update_id": st.integers() | st.text(max_size=5), "callback_query": json_values,
                                "message": json_values})
bodies = st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode()),
                   shapes.map(lambda v: json.dumps(v).encode()),
                   shapes.map(lambda v: ("payload=" + json.dumps(v)).encode()),
                   st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), method=st.sampled_from(["POST", "GET", "PUT", "DELETE"]), body=bodies,
       content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain", "",
                                     "multipart/form-data; boundary=x"]),
       auth=st.sampled_from(["none", "signed", "stale", "wrong", "telegram", "garbage"]),
       replay=st.booleans())
def test_fuzzed_requests_never_get_5xx_and_change_nothing(web: tuple[TestClient, Any], path: str, method: str,
                                                         body: bytes, content_type: str, auth: str,
                                                         replay: bool) -> None:
    client, services = web
    before = snapshot(services)
    headers = {"Content-Type": content_type} if content_type else {}
    if auth == "signed":
        headers.update(signed(body))
    elif auth == "stale":
        headers.update(signed(body, stamp=int(time.time()) - 3600))
    elif auth == "wrong":
        headers.update(signed(body, secret="not-the-secret-at-all"))
    elif auth == "telegram":
        headers["X-Telegram-Bot-Api-Secret-Token"] = TELEGRAM_SECRET
    elif auth == "garbage":
        headers.update({"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v1=zz",
                        "X-Telegram-Bot-Api-Secret-Token": "%%\x7f", "Content-Length": "12abc"})
    for _ in range(2 if replay else 1):
        resp = client.request(method, path, content=body, headers=headers)
        assert resp.status_code < 500, (resp.status_code, resp.text[:200])
    assert snapshot(services) == before


@pytest.mark.parametrize("body", [b'{"event": null}', b'{"event": []}', b'{"type": "event_callback", "event": 3}',
                                  b'{"authorizations": [1]}', b'{"event": {"type": 7}}', b'{"type": 1}'])
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_signed_bodies_of_the_wrong_shape_get_400_not_500(web: tuple[TestClient, Any], body: bytes,
                                                          content_type: str) -> None:
    """Found by the fuzz test: a signed JSON object whose fields Bolt reads have other types crashed it (Bolt reads
    a body starting with { as JSON whatever its content type says)."""
    client, _services = web
    resp = client.post("/slack/events", content=body, headers={"Content-Type": content_type, **signed(body)})
    assert resp.status_code == 400


def test_the_start_up_heap_is_kept_out_of_the_collectors_passes(web: tuple[TestClient, Any]) -> None:
    import gc

    client, _ = web
    # Frozen after start-up: a full collection would otherwise walk all of it during some request.
    assert gc.get_freeze_count() > 10_000
    assert client.get("/healthz").status_code == 200
