"""The store tests run on SQLite and on a real PostgreSQL server."""

from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import use_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tp.db'}"
    return request.getfixturevalue("postgres").create_database()


@pytest.fixture
def database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield from use_database(database_url, monkeypatch)
