from tests.console.conftest import new_agent  # noqa: F401  (fixture)
