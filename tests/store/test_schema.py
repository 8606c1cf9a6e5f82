from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.store import schema
from bot.store.db import get_engine
from bot.store.models import metadata


def test_migrations_build_exactly_the_models(database_url):
    engine = get_engine(database_url)
    schema.upgrade(engine)
    schema.upgrade(engine)  # idempotent
    assert schema.is_current(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
