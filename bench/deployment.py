"""The server processes a benchmark runs against, and what they stand on.

One process on SQLite in a fresh data dir (the default), one process on a throwaway PostgreSQL, or
several processes on a throwaway PostgreSQL and Redis (docs/DEPLOY.md: one database, the bus and the
shared rate limits in Redis, the same SECRET_KEY and SITE_KEYS_KEY everywhere, one data dir). The
throwaway services come from tests/services.py; `close()` stops the servers and removes the
services and the data dir; a bench calls it in a `finally`, which runs on Ctrl-C and, after
`exit_on_sigterm()`, on SIGTERM as well.
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine  # noqa: E402
from tests.services import Postgres, Redis  # noqa: E402
from tests.support import ServerProcess  # noqa: E402

STORES = ("sqlite", "postgres")


class Deployment:
    """processes server.py processes on store ("sqlite" or "postgres"; several need postgres),
    each started with env (ZHENGNA_* settings) on top of what the store needs."""

    def __init__(self, store="sqlite", processes=1, env=None, sqlite_synchronous="FULL"):
        if store not in STORES:
            raise ValueError(f"store must be one of {STORES}, not {store!r}")
        if processes < 1 or (processes > 1 and store != "postgres"):
            raise ValueError("several server processes share PostgreSQL: use --store postgres")
        self.store, self.processes = store, processes
        self.base = Path(tempfile.mkdtemp(prefix="zhengna-bench-"))
        self.data = self.base / "data"
        self.services, self.servers = [], []
        self.env = dict(env or {})
        try:
            self.machine = machine.measure(self.base)  # before any server runs
            if store == "sqlite":
                self.env["ZHENGNA_SQLITE_SYNCHRONOUS"] = sqlite_synchronous
            else:
                postgres = Postgres()
                self.services.append(postgres)
                self.env["ZHENGNA_DATABASE_URL"] = postgres.create_database()
                self.env["ZHENGNA_SITE_KEYS_KEY"] = Fernet.generate_key().decode()
                self.env["ZHENGNA_SECRET_KEY"] = secrets.token_hex(32)
            if processes > 1:
                redis = Redis()
                self.services.append(redis)
                self.env["ZHENGNA_REDIS_URL"] = redis.url
            for _ in range(processes):  # one after the other: the first runs the migrations
                self.servers.append(ServerProcess(self.data, env=self.env))
        except BaseException:
            self.close()
            raise

    @property
    def urls(self):
        """The servers' base URLs, in start order."""
        return [server.url for server in self.servers]

    def describe(self):
        """Return the store, the process count and the machine's figures as the figures name
        them."""
        bus = "redis" if self.processes > 1 else "memory"
        return {"store": self.store, "processes": self.processes, "bus": bus, **self.machine}

    def create_agents(self, usernames, password, max_concurrent):
        """Create console accounts in the demo centre with `server.py create-agent`."""
        for username in usernames:
            subprocess.run(
                [sys.executable, str(ROOT / "server.py"), "create-agent"]
                + ["--data-dir", str(self.data), "--username", username, "--password", password]
                + ["--centre", "demo", "--max-concurrent", str(max_concurrent)],
                check=True,
                capture_output=True,
                env={**os.environ, **self.env},
            )

    def site_key(self, site="demo"):
        """Return (the site's active signing key {kid, secret}, its token lifetime)."""
        store = self.servers[0].store()
        try:
            key = next(dict(k) for k in store.directory.site_keys(site) if k["active"])
            return {"kid": key["kid"], "secret": key["secret"]}, store.directory.get_site(site)[
                "token_lifetime"
            ]
        finally:
            store.dispose()

    def usage(self):
        """Return (RSS bytes, CPU seconds) summed over the server processes; the CPU with their
        children's (SQLite's transcript indexing process), the RSS without (a fixed cost, not a
        connection's)."""
        rss = cpu = 0
        for server in self.servers:
            proc = psutil.Process(server.proc.pid)
            rss += proc.memory_info().rss
            for each in [proc, *proc.children(recursive=True)]:
                try:
                    times = each.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                cpu += times.user + times.system
        return rss, cpu

    def close(self):
        """Stop the servers, then the services; remove everything the run made."""
        for server in self.servers:
            try:
                server.stop()
            except Exception as exc:  # go on: the services must go as well
                print(f"stopping a server: {exc}", file=sys.stderr)
        self.servers = []
        for service in reversed(self.services):
            try:
                service.close()
            except Exception as exc:
                print(f"stopping {type(service).__name__}: {exc}", file=sys.stderr)
        self.services = []
        shutil.rmtree(self.base, ignore_errors=True)


def exit_on_sigterm():
    """Turn SIGTERM into SystemExit and SIGINT into KeyboardInterrupt (even where the shell started
    the bench with SIGINT ignored, as it does for background jobs), so the finally blocks that close
    a Deployment run on either."""

    def terminated(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)
    signal.signal(signal.SIGINT, signal.default_int_handler)
