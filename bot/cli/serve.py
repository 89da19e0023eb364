"""`nudgebot demo`, `run`, `web` and `worker`: the long-running processes share one lifespan."""

from __future__ import annotations

import logging
from types import FrameType
from typing import Annotated

import typer

from bot.cli.common import (
    CLIError,
    app,
    load_settings,
    open_services,
    out,
)
from bot.cli.plain import Signals, configure_logging, run_worker

log = logging.getLogger("nudgebot")

# ----------------------------------------------------------------------------- demo, run, web, worker


@app.command()
def demo(auto: Annotated[bool, typer.Option("--auto", help="Answer by itself and exit.")] = False,
         serve: Annotated[bool, typer.Option("--serve", help="Then serve the web dashboard on the demo's data.")]
         = False,
         port: Annotated[int, typer.Option(help="Dashboard port with --serve.")] = 8000,
         track: Annotated[str, typer.Option(help="The library track to learn, e.g. password-habits (every "
                                                 "question kind).")] = "phishing-basics") -> None:
    """Walk through a campaign on the console channel with a virtual clock (no account needed)."""
    from bot.demo import run_demo
    from content.loader import LIBRARY_DIR

    if not (LIBRARY_DIR / f"{track}.yaml").is_file():
        known = ", ".join(sorted(p.stem for p in LIBRARY_DIR.glob("*.yaml") if p.stem.count(".") == 0))
        raise CLIError(f"--track: no library track {track!r} (choose from {known})")
    run_demo(auto=auto, console=out, serve=serve, port=port, track=track)


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
    run_worker()


def _serve(*, worker: bool, telegram_polling: bool, port: int | None) -> None:
    import uvicorn

    from bot.web import create_app

    settings = load_settings()
    if telegram_polling:
        settings.telegram_polling = True
    configure_logging(settings)
    services = open_services(settings=settings)
    app_ = create_app(services, run_worker=worker)
    config = uvicorn.Config(app_, host="0.0.0.0", port=port or settings.port, log_level=settings.log_level.lower(),
                            timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_seconds)))

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            # Unlike uvicorn, do not re-raise the signal after a clean shutdown: that would turn exit 0
            # into "killed by SIGTERM".
            signals.handle(sig, frame)

    server = Server(config)

    def first() -> None:
        services.dispatcher.stop()
        server.should_exit = True

    signals = Signals(on_first=first)
    server.run()
    if not server.started:
        raise SystemExit(1)
