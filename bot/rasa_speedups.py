"""A cost of Rasa 3.6's server that `make bench` found with py-spy, removed without changing behaviour.

Every answer of the action server is checked against Rasa's JSON schema with `jsonschema.validate`, which
first validates the *schema itself* against the JSON-Schema meta-schema, every time: 15 % of the Rasa process's
CPU under load (two to three action calls per transactional turn). The response is still validated, with one
validator built once.

Applied in the Rasa server only, when it creates its tracker store (`bot.store.conversations`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from rasa.core.actions.action import RemoteAction

_DOCS = "https://rasa.com/docs/rasa/custom-actions"


@lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with the validator built once (same checks, same error)."""
    from jsonschema import ValidationError

    try:
        _action_response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (". Failed to validate Action server response from API, make sure your response from "
                          f"the Action endpoint is valid. For more information about the format visit {_DOCS}")
        raise error


def apply() -> None:
    if RemoteAction._validate_action_result is not _validate_action_result:
        RemoteAction._validate_action_result = _validate_action_result
