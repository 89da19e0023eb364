"""The web app: health, metrics, the chat platforms' endpoints (added by each channel) and the dashboard."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from bot.bootstrap import Services
from bot.dashboard.routes import create_dashboard, mount_path
from bot.lifespan import running


def create_app(services: Services, *, run_worker: bool = False) -> Starlette:
    """Return the ASGI app; with `run_worker` the periodic tick runs in the same process."""

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
        async with running(services, worker=run_worker):
            yield

    routes = [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics, methods=["GET"]),
              *(Route(path, endpoint, methods=methods) for path, endpoint, methods in services.routes),
              Mount(mount_path(services.settings), app=create_dashboard(services))]
    return Starlette(routes=routes, lifespan=lifespan)
