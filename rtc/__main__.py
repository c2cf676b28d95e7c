"""ZHENGNA_RTC_SECRET=S python -m rtc --listen 127.0.0.1:PORT --data-dir DIR [...]: run the media
worker (or --secret-file PATH, a 0600 file)."""

import asyncio
import logging
import signal
import sys

from aiohttp import web

from rtc import hooks, ice
from rtc.app import REGISTRY, create_app
from rtc.config import Settings, parse
from rtc.events import heartbeat


def choose_mode(settings: Settings) -> None:
    """Fall back to decode mode, loudly, when the aiortc internals forward mode hooks are
    missing."""
    if settings.mode != "forward":
        return
    missing = hooks.check_internals()
    if missing:
        print(
            "WARNING: rtc cannot forward encoded media with this aiortc (missing: "
            + ", ".join(missing)
            + "); falling back to decode mode (decode + re-encode per viewer)",
            file=sys.stderr,
            flush=True,
        )
        settings.mode = "decode"


async def serve(settings: Settings) -> None:
    app = create_app(settings)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    port = runner.addresses[0][1]
    print(f"rtc listening on {settings.host}:{port} mode={settings.mode}", flush=True)
    announcing = None
    if settings.register:
        url = settings.public_url or f"http://{settings.host}:{port}"
        registry = app[REGISTRY]
        announcing = asyncio.ensure_future(
            heartbeat(
                settings.register,
                settings.secret,
                lambda: {"url": url, "mode": settings.mode, "calls": len(registry.calls)},
            )
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if announcing is not None:
        announcing.cancel()
    await runner.cleanup()  # runs on_shutdown: every call closed, every recording finalised


def main(argv=None) -> None:
    settings = parse(argv)
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings.loopback_only:
        ice.use_loopback_only()
    choose_mode(settings)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
