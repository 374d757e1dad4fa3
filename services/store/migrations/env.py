"""Alembic environment for the local SQLite database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from services.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        # render_as_batch lets ALTER TABLE work on SQLite in later migrations
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
