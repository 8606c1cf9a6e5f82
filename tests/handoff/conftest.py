"""The hand-off tests run on SQLite and on PostgreSQL, like the store tests."""

from tests.store.conftest import database, database_url  # noqa: F401  (fixtures)
