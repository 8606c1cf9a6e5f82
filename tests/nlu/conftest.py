from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from bot.knowledge import PROJECT_ROOT
from bot.nlu.tokenizer import DomainJiebaTokenizer


@pytest.fixture
def model_storage(tmp_path: Path) -> LocalModelStorage:
    (tmp_path / "model").mkdir()
    return LocalModelStorage(tmp_path / "model")


@pytest.fixture
def execution_context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test-model")


@pytest.fixture
def resource(request) -> Resource:
    return Resource(request.node.name[:40])


@pytest.fixture
def tokenizer(model_storage, resource, execution_context) -> DomainJiebaTokenizer:
    """The project's tokenizer with its domain dictionary."""
    config = {**DomainJiebaTokenizer.get_default_config(), "dictionary_path": str(PROJECT_ROOT / "bot/nlu/dictionary")}
    return DomainJiebaTokenizer.create(config, model_storage, resource, execution_context)
