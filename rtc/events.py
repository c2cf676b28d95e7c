"""What the worker tells the web servers: peer state changes (fire and forget: a slow web server
never stalls media) and, for a standalone worker, a heartbeat that makes it available for new
calls."""

import asyncio
import logging

import aiohttp

log = logging.getLogger("rtc.events")

REPORTED = ("connected", "disconnected", "failed", "closed")
TIMEOUT = aiohttp.ClientTimeout(total=5)


class Events:
    """Send {"call_id", "role", "state"} to `url` with the shared secret; no-op without a url."""

    def __init__(self, url: str | None, secret: str) -> None:
        self._url = url
        self._headers = {"X-Zhengna-Secret": secret}
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task] = set()

    def peer_state(self, call_id: str, role: str, state: str) -> None:
        if not self._url or state not in REPORTED:
            return
        task = asyncio.ensure_future(self._post({"call_id": call_id, "role": role, "state": state}))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, body: dict) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self._session.post(self._url, json=body, headers=self._headers) as resp:
                if resp.status >= 400:
                    log.warning("events url answered %s for %s", resp.status, body)
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("could not post %s: %r", body, exc)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2)
        if self._session is not None:
            await self._session.close()


HEARTBEAT_EVERY = (
    5.0  # seconds; the servers forget a worker after RTC_WORKER_TTL (20 s) without one
)


async def heartbeat(servers: list[str], secret: str, body) -> None:
    """POST body() ({url, mode, calls}) to every server's /internal/rtc/workers every few seconds,
    forever."""
    headers = {"X-Zhengna-Secret": secret}
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        while True:
            for server in servers:
                try:
                    async with session.post(
                        f"{server}/internal/rtc/workers", json=body(), headers=headers
                    ) as resp:
                        if resp.status >= 400:
                            log.warning("%s refused the heartbeat: %s", server, resp.status)
                except (TimeoutError, aiohttp.ClientError) as exc:
                    log.warning("could not reach %s: %r", server, exc)
            await asyncio.sleep(HEARTBEAT_EVERY)
