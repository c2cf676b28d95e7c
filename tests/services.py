"""Throwaway PostgreSQL and Redis for the tests and benchmarks that need them.

Each is started on a free port of 127.0.0.1 in a temporary directory and removed when stopped, so
no test relies on a service the machine happened to start. PostgreSQL listens on TCP only (no unix
socket in a shared place); `initdb` refuses root, so as root it and the server run as `postgres`.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.support import free_port


class ServiceError(RuntimeError):
    """A throwaway service could not be started; the message says what to install or look at."""


def _postgres_bin() -> Path:
    """Return Debian's directory of PostgreSQL programs (the newest version installed)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise ServiceError("PostgreSQL is not installed: apt-get install -y postgresql")


class Postgres:
    """A PostgreSQL cluster of its own: initdb into a temporary directory, served on a free port."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="zhengna-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = free_port()
        self._user = None
        if os.geteuid() == 0:
            self._user = pwd.getpwnam("postgres")
            os.chown(self.dir, self._user.pw_uid, self._user.pw_gid)
        try:
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
            self.start()
        except BaseException:
            self.close()  # never leave a half-made cluster behind
            raise

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin / program), *args]
        if self._user:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise ServiceError(f"{program} failed: {done.stdout}{done.stderr}{self.read_log()}")

    def read_log(self) -> str:
        """Return what the server logged so far."""
        try:
            return self.log.read_text()
        except OSError:
            return ""

    @property
    def admin_dsn(self) -> str:
        """The DSN of the cluster's own `postgres` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server (again, on the same port) and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: fast (clients disconnected, clean), or immediate (like a crash)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "immediate") -> None:
        """Stop the server (by default the way a crash would) and start it again at once."""
        self.stop(mode)
        self.start()

    def create_database(self) -> str:
        """Create a fresh database and return its URL."""
        import psycopg

        name = f"zhengna_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        """Stop the server if it runs and remove its directory."""
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """A redis-server of its own on a free port: nothing saved, nothing appended."""

    def __init__(self) -> None:
        self.program = shutil.which("redis-server")
        if not self.program:
            raise ServiceError("Redis is not installed: apt-get install -y redis-server")
        self.dir = Path(tempfile.mkdtemp(prefix="zhengna-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        try:
            self.start()
        except BaseException:
            self.close()
            raise

    def start(self) -> None:
        """Start redis-server (again, on the same port) and wait until it answers PING."""
        import redis

        self.proc = subprocess.Popen(
            [
                self.program,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServiceError(f"redis-server exited: {self.read_log()}")
            try:
                if client.ping():
                    client.close()
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise ServiceError(f"redis-server did not answer: {self.read_log()}")

    def read_log(self) -> str:
        """Return what redis-server logged so far."""
        try:
            return (self.dir / "redis.log").read_text()
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop redis-server and wait for it."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self) -> None:
        """Kill redis-server (SIGKILL: everything it held is gone) and start it again at once."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.start()

    def close(self) -> None:
        """Stop redis-server and remove its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
