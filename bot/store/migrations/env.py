"""Alembic environment: migrates the database named by DATABASE_URL (see bot.store.schema)."""

from alembic import context

from bot.store.db import get_engine
from bot.store.models import metadata

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine(config.get_main_option("sqlalchemy.url")).connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `python -m bot.store upgrade`")
run_migrations_online()
