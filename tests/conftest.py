"""Shared fixtures: a real server per module (and one per test that needs other settings)."""

import itertools

import pytest

from tests.services import Postgres, Redis
from tests.support import ServerProcess

_people = itertools.count(1)


# Every test talks from 127.0.0.1: per-address limits are lifted except where a test checks them.
LIMITS = {
    "ZHENGNA_LOGIN_RATE_LIMIT": "1000 per minute",
    "ZHENGNA_HTTP_RATE_LIMIT": "10000 per minute",
    "ZHENGNA_WS_HANDSHAKE_RATE_LIMIT": "10000 per minute",
    "ZHENGNA_WS_MAX_PER_ADDRESS": "100000",
    "ZHENGNA_LOGIN_FREE_FAILURES": "1000",
    "ZHENGNA_RTC": "off",
}  # the media tests start servers with the worker; the others need none


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running server.py with demo data, the other side (tests.support.seed_other_side) and
    default settings (per-address HTTP limits lifted)."""
    proc = ServerProcess(tmp_path_factory.mktemp("srv") / "data", env=LIMITS, other_side=True)
    yield proc
    proc.stop()


@pytest.fixture
def start_server(tmp_path):
    """Start a server with ZHENGNA_* overrides: start_server(QUEUE_TIMEOUT="1")."""
    started = []

    def start(**settings):
        env = {**LIMITS, **{f"ZHENGNA_{key}": str(value) for key, value in settings.items()}}
        proc = ServerProcess(tmp_path / f"data{len(started)}", env=env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def person():
    """Return a fresh valid taxpayer id for each use."""
    from tests.support import tin

    return lambda: tin(next(_people) + 1000 * (id(object()) % 997))


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for the whole run; each user calls create_database()."""
    service = Postgres()
    try:
        yield service
    finally:
        service.close()


@pytest.fixture(scope="session")
def redis_service():
    """A throwaway redis-server for the whole run (started on first use); its URL is .url."""
    service = Redis()
    try:
        yield service
    finally:
        service.close()
