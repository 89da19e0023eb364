"""Sign-in link addresses, without the web stack, so the conversation and CLI can build them cheaply."""

from __future__ import annotations

from urllib.parse import urlencode


def sign_in_url(base_url: str, token: str) -> str:
    """Return the link that signs a person in with `token` (base_url is DASHBOARD_URL)."""
    return f"{base_url.rstrip('/')}/signin?{urlencode({'token': token})}"
