"""Fixtures of the unit tests: a migrated SQLite store with the demo site, centre and region, and
the same on SQLite and on PostgreSQL (any_store)."""

import pytest

from tests.unit.storekit import T0
from widget.routing import ALL_DAY
from widget.store import Store


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 't.db'}")
    store.migrate()
    store.directory.put_site(
        {
            "id": "demo",
            "name": "演示",
            "token_lifetime": 600,
            "created_at": T0,
            "allowed_origins": ["http://127.0.0.1:*"],
        },
        keys=[{"kid": "k1", "secret": "s" * 32, "active": True, "created_at": T0}],
    )
    store.directory.put_centre(
        {"id": "demo", "name": "演示中心", "schedule": ALL_DAY, "created_at": T0}
    )
    store.directory.put_region(
        {
            "code": "4401",
            "site_id": "demo",
            "name": "广州",
            "centre_id": "demo",
            "smart_service": True,
        }
    )
    yield store
    store.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request):
    """The store on SQLite, then on a throwaway PostgreSQL database, with the demo site and
    centre."""
    name = "store" if request.param == "sqlite" else "pg_store"
    return request.getfixturevalue(name)


@pytest.fixture
def pg_store(postgres):
    """A store on a throwaway PostgreSQL database, with the demo site and centre."""
    url = postgres.create_database()
    store = Store(url.replace("postgresql://", "postgresql+psycopg://", 1))
    store.migrate()
    store.directory.put_site(
        {"id": "demo", "name": "演示", "token_lifetime": 600, "created_at": T0}
    )
    store.directory.put_centre(
        {"id": "demo", "name": "演示中心", "schedule": ALL_DAY, "created_at": T0}
    )
    yield store
    store.dispose()
