"""Shared fixtures: a real server per module (and one per test that needs other settings)."""

import itertools

import pytest

from tests.services import Postgres, Redis
from tests.support import ServerProcess, serving, settings_env

_people = itertools.count(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running server.py with demo data, the other side (tests.support.seed_other_side) and
    default settings (per-address limits lifted: tests.support.LIMITS)."""
    yield from serving(tmp_path_factory, other_side=True)


@pytest.fixture
def start_server(tmp_path):
    """Start a server with ZHENGNA_* overrides: start_server(QUEUE_TIMEOUT="1")."""
    started = []

    def start(**settings):
        proc = ServerProcess(tmp_path / f"data{len(started)}", env=settings_env(**settings))
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
