"""The web app: health, metrics, the chat platforms' endpoints (added by each channel) and the dashboard."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
from collections.abc import AsyncIterator

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.bootstrap import Services
from bot.dashboard.routes import create_dashboard, mount_path
from bot.lifespan import running
from scheduler import metrics as scheduler_metrics

SWITCH_INTERVAL = 0.0005  # seconds a thread may hold the interpreter while another waits (default 0.005)
MAX_BODY = 1024 * 1024  # webhook bodies are small; anything bigger is refused before it is parsed


class BodyLimit:
    """Answer 413 to a request body over `limit` bytes (declared or streamed), before any endpoint reads it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer at most `limit` bytes of the body, then hand the request on with that body replayed."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await Response("bad Content-Length", status_code=400)(scope, receive, send)
                return
            if int(declared) > self.limit:
                await Response("request body too large", status_code=413)(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await Response("request body too large", status_code=413)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def create_app(services: Services, *, run_worker: bool = False) -> Starlette:
    """Return the ASGI app; with `run_worker` the periodic tick runs in the same process."""
    scheduler_metrics.expose()  # this process serves /metrics, so the scheduler's work in it is counted

    async def healthz(_request: Request) -> Response:
        """Answer 200 with JSON when the database answers, 503 otherwise."""
        try:
            ok = await asyncio.to_thread(services.db.ping)
        except Exception as exc:
            return JSONResponse({"status": "error", "database": str(exc).splitlines()[0]}, status_code=503)
        return JSONResponse({"status": "ok" if ok else "error", "database": "ok" if ok else "error",
                             "channels": sorted(services.channels)})

    async def metrics(_request: Request) -> Response:
        """Expose Prometheus metrics."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # Database work runs in threads; the event loop, which answers the platforms, must not wait the
        # interpreter's default 5 ms for its turn after every socket call while such a thread computes.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, SWITCH_INTERVAL))
        try:
            async with running(services, worker=run_worker):
                # What start-up built (modules, content, caches) lives as long as the process: frozen,
                # the collector stops walking it on every full pass, which would stall requests for
                # tens of milliseconds.
                frozen_before = gc.get_freeze_count()
                gc.collect()
                gc.freeze()
                try:
                    yield
                finally:
                    if not frozen_before:  # left frozen if the process froze its start-up itself
                        gc.unfreeze()
        finally:
            sys.setswitchinterval(switch)

    routes = [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics, methods=["GET"]),
              *(Route(path, endpoint, methods=methods) for path, endpoint, methods in services.routes),
              Mount(mount_path(services.settings), app=create_dashboard(services))]
    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(BodyLimit)])
