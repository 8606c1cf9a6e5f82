"""The NLU fixtures (model storage, execution context, resource, the project's tokenizer) of tests/nlu/."""

from tests.nlu.conftest import execution_context, model_storage, resource, tokenizer  # noqa: F401
