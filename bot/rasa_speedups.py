"""Costs of Rasa 3.6's server that `make bench` found with py-spy, removed without changing behaviour.

- Every answer of the action server is checked against Rasa's JSON schema with `jsonschema.validate`, which
  first validates the *schema itself* against the JSON-Schema meta-schema, every time: 15 % of the Rasa process's
  CPU under load (two to three action calls per transactional turn). The response is still validated, with one
  validator built once.
- Reading a conversation from the tracker store turns each stored event back into its class with
  `Event.resolve_by_type`, which walks every subclass of `Event` for every event: 4 % of the CPU. The classes are
  now looked up by type name; a name not found (a class imported later) falls back to Rasa's walk.
- Python's full garbage collection walks every object the process holds, and a loaded model of this bot is some
  830,000 of them: every few hundred turns one turn waited 250-430 ms for it (the p99 of `make bench`). Once the model is
  loaded, `freeze_loaded_objects` collects once and moves what is left out of the collector's sight
  (`gc.freeze`); later collections walk only what conversations create. Frozen objects are still freed by
  reference counting; only reference cycles among them (an old model after `PUT /model`) stay in memory.

Applied in the Rasa server only: the first two when it creates its tracker store (`bot.store.conversations`), the
freeze when the REST channel (always configured) sees the server started.
"""

from __future__ import annotations

import gc
import logging
import time
from functools import lru_cache
from typing import Any, Dict, Optional, Text, Type

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_DOCS = "https://rasa.com/docs/rasa/custom-actions"
logger = logging.getLogger(__name__)


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


_resolve_by_walk = Event.resolve_by_type


@lru_cache(maxsize=1)
def _event_classes() -> Dict[Text, Type[Event]]:
    """Type name -> class, the first of Rasa's walk winning, as in `Event.resolve_by_type`."""
    classes: Dict[Text, Type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Event.resolve_by_type by dictionary look-up (same result, same errors)."""
    found = _event_classes().get(type_name)
    return found if found is not None else _resolve_by_walk(type_name, default)


def apply() -> None:
    if RemoteAction._validate_action_result is not _validate_action_result:
        RemoteAction._validate_action_result = _validate_action_result
    if Event.resolve_by_type is not _resolve_by_type:
        Event.resolve_by_type = staticmethod(_resolve_by_type)


def freeze_loaded_objects() -> None:
    """Called when the server has started (the model is loaded): see the module's docstring."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    logger.info("%d objects of the loaded model left out of garbage collection (%.0f ms)", gc.get_freeze_count(),
                1000 * (time.perf_counter() - started))
