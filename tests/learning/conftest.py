from tests.store.conftest import database, database_url  # noqa: F401  (fixtures)
