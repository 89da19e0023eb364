"""`nudgebot demo`, `run`, `web` and `worker`: the long-running processes share one lifespan."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from bot.cli.common import (
    app,
    load_settings,
    open_services,
    out,
)

# ----------------------------------------------------------------------------- demo, run, web, worker


@app.command()
def demo(auto: Annotated[bool, typer.Option("--auto", help="Answer by itself and exit.")] = False,
         serve: Annotated[bool, typer.Option("--serve", help="Then serve the web dashboard on the demo's data.")]
         = False,
         port: Annotated[int, typer.Option(help="Dashboard port with --serve.")] = 8000) -> None:
    """Walk through a campaign on the console channel with a virtual clock (no account needed)."""
    from bot.demo import run_demo

    run_demo(auto=auto, console=out, serve=serve, port=port)


@app.command()
def run(telegram_polling: Annotated[bool, typer.Option("--telegram-polling",
                                                       help="Poll Telegram instead of a webhook.")] = False,
        port: Annotated[int | None, typer.Option(help="Port (default $PORT or 8000).")] = None) -> None:
    """Run the web app and the periodic worker in one process."""
    _serve(worker=True, telegram_polling=telegram_polling, port=port)


@app.command()
def web(port: Annotated[int | None, typer.Option(help="Port (default $PORT or 8000).")] = None) -> None:
    """Run the web app only (chat platform endpoints and /healthz)."""
    _serve(worker=False, telegram_polling=False, port=port)


@app.command()
def worker() -> None:
    """Run the periodic worker only."""
    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services = open_services(settings=settings)

    async def main() -> None:
        from bot.lifespan import running

        async with running(services, worker=True):
            await asyncio.Event().wait()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


def _serve(*, worker: bool, telegram_polling: bool, port: int | None) -> None:
    import uvicorn

    from bot.web import create_app

    settings = load_settings()
    if telegram_polling:
        settings.telegram_polling = True
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services = open_services(settings=settings)
    app_ = create_app(services, run_worker=worker)
    uvicorn.run(app_, host="0.0.0.0", port=port or settings.port, log_level=settings.log_level.lower())


