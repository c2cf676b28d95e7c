"""Bring a database to the newest schema with Alembic."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection):
    """Return an Alembic config that works on connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine):
    """Apply every migration not yet applied; safe to call on each start."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several servers may start at once: one migrates, the others wait for it.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7242046)")
        command.upgrade(alembic_config(connection), "head")
