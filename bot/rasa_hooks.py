"""Every change this project makes to Rasa 3.6's server, installed in one place at server start (`bot.server`)
and restorable (`uninstall`, for tests). Written for Rasa 3.6.21; another 3.6 release is warned about, another
minor version refused, since each hook replaces a function whose inside it knows.

Speed-ups that `make bench` found with py-spy (same results, same errors):
- Every answer of the action server is checked against Rasa's JSON schema with `jsonschema.validate`, which
  first validates the *schema itself* against the meta-schema, every time: 15 % of the Rasa process's CPU under
  load. The response is still validated, with validators built once, each event against the schema its name
  selects rather than all 23 (`_action_response_validators`, built when the server starts).
- Reading a conversation turns each stored event back into its class with `Event.resolve_by_type`, which walks
  every subclass of `Event` for every event: 4 % of the CPU. Classes are looked up by type name; a name not found
  (a class imported later) falls back to Rasa's walk.
- The prediction graph runs through `dask.get`, which rebuilds and orders a task graph on every call: a fifth of
  the time spent in the graph. `bot.graph_runner.SequentialGraphRunner` runs the same nodes in an order computed
  once per target set.
- Every call of the action server opened a new HTTP session and TCP connection; `bot.endpoint_sessions` keeps
  one session per loop alive (connections reused for 2 s, closed when the server stops), encoding with ujson.
- Every call of the action server carried the whole domain (every FAQ answer's text) and every past message's
  selected answer text: 90-115 KB of JSON per call. `bot.action_calls` sends the same request without them.
- Python's full garbage collection walks every object the process holds, and a loaded model is some 830,000 of
  them: every few hundred turns one turn waited 250-430 ms. Once the server has started, `freeze_loaded_objects`
  collects once and moves what is left out of the collector's sight (`gc.freeze`).

Reading a message in its conversation (`bot.reading`): a follow-up fragment or an unclear message is read again
with the previous customer message (`MessageProcessor.parse_message`); an FAQ question carrying the identifier of
its topic's task starts the task; an FAQ question between two entries asks which one; an upset message is marked
so that the task it starts opens with an apology; another brand's device is out of scope; a message with two
questions gets both answered, one part after the other (`MessageProcessor.handle_message`). None of this runs inside a form or during a hand-off.

Resilience:
- A circuit breaker around the action server (`RemoteAction.run`): when it cannot be reached, Rasa logs the error
  and the customer hears nothing (an empty reply). Now the customer gets `utter_service_unavailable` (an apology
  and the offer of a person) once per turn, and after BREAKER_FAILURES failures in a row the server is not called
  for BREAKER_OPEN_SECONDS (the apology comes at once). Answers that need no action (FAQ, chit-chat) keep working.
"""

from __future__ import annotations

import gc
import logging
import time
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Text, Tuple, Type

import rasa
import rasa.core.processor
import rasa.core.run
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.exceptions import RasaException
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot import action_calls, reading
from bot.endpoint_sessions import close_sessions, pooled_session
from bot.graph_runner import SequentialGraphRunner

logger = logging.getLogger(__name__)

WRITTEN_FOR = "3.6.21"
BREAKER_FAILURES = 3
BREAKER_OPEN_SECONDS = 30.0
UNAVAILABLE_RESPONSE = "utter_service_unavailable"
_MARK = "tp_action_server_unavailable"  # BotUttered metadata: the apology of this turn was given
_DOCS = "https://rasa.com/docs/rasa/custom-actions"

_originals: Dict[str, Any] = {}


class UnsupportedRasa(RuntimeError):
    """The installed Rasa is not the one these hooks were written for."""


def check_version(version: str = rasa.__version__) -> None:
    if version == WRITTEN_FOR:
        return
    if version.split(".")[:2] != WRITTEN_FOR.split(".")[:2]:
        raise UnsupportedRasa(f"bot.rasa_hooks was written for Rasa {WRITTEN_FOR}; Rasa {version} is installed")
    logger.warning("bot.rasa_hooks was written for Rasa %s; Rasa %s is installed", WRITTEN_FOR, version)


# --- speed-ups --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _action_response_validators() -> Tuple[Any, Any, Dict[Text, Any]]:
    """Validators built once: the whole response schema (Rasa's), its outer shape with each event checked only
    against the common event properties, and per event name the schema of the one `oneOf` branch that names it.

    Rasa's event schema is a `oneOf` of 23 branches told apart by `event`'s constant: checking every event against
    every branch was 1.3 ms of each action call. Checking the one branch its name selects accepts and refuses the
    same events (an unknown name, or a schema without such constants, goes to the whole schema)."""
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    event_schema = schema["properties"]["events"]["items"]
    common = {key: value for key, value in event_schema.items() if key != "oneOf"}
    names = [((branch.get("properties") or {}).get("event") or {}).get("const") for branch in event_schema["oneOf"]]
    by_name: Dict[Text, Any] = {}
    if all(isinstance(name, str) for name in names) and len(set(names)) == len(names):
        by_name = {name: validator_class({"allOf": [common, branch]})
                   for name, branch in zip(names, event_schema["oneOf"])}
    outer = {**schema, "properties": {**schema["properties"],
                                      "events": {**schema["properties"]["events"], "items": {}}}}
    return validator_class(schema), validator_class(outer), by_name


def _check_action_result(result: Dict[Text, Any]) -> None:
    whole, outer, by_name = _action_response_validators()
    if not by_name:
        whole.validate(result)
        return
    outer.validate(result)
    for event in result.get("events") or []:
        name = event.get("event") if isinstance(event, dict) else None
        chosen = by_name.get(name) if isinstance(name, str) else None
        (chosen or whole).validate(result if chosen is None else event)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with validators built once (same checks, same error type)."""
    from jsonschema import ValidationError

    try:
        _check_action_result(result)
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


def build_action_checks(*_: Any) -> None:
    """A server listener (after start): build the action-response validators before the first customer's turn,
    which otherwise waited for Rasa's schema to be checked and compiled (30 ms on an idle 2-core machine, several
    times that under py-spy or load), with every other turn on the event loop queued behind it."""
    started = time.perf_counter()
    _action_response_validators()
    logger.info("action-response checks built (%.0f ms)", 1000 * (time.perf_counter() - started))


def freeze_loaded_objects(*_: Any) -> None:
    """A server listener (after start: the model is loaded): see the module's docstring."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    logger.info("%d objects of the loaded model left out of garbage collection (%.0f ms)", gc.get_freeze_count(),
                1000 * (time.perf_counter() - started))


# --- the action server's circuit breaker ----------------------------------------------------------------


class Breaker:
    """Open after `failures` failures in a row; half-open (one call let through) after `open_seconds`."""

    def __init__(self, failures: int = BREAKER_FAILURES, open_seconds: float = BREAKER_OPEN_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failures, self.open_seconds, self.clock = failures, open_seconds, clock
        self._count, self._opened_at = 0, None  # type: int, Optional[float]

    def allows(self) -> bool:
        if self._opened_at is None:
            return True
        if self.clock() - self._opened_at >= self.open_seconds:
            self._opened_at = self.clock()  # let one call try; the next failure keeps it open
            return True
        return False

    def succeeded(self) -> None:
        if self._opened_at is not None:
            logger.info("action server reachable again: circuit closed")
        self._count, self._opened_at = 0, None

    def failed(self) -> None:
        self._count += 1
        if self._count >= self.failures and self._opened_at is None:
            logger.error("action server failed %d times in a row: circuit open for %.0f s", self._count,
                         self.open_seconds)
            self._opened_at = self.clock()


breaker = Breaker()


def _apologised_this_turn(tracker: Any) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get(_MARK):
            return True
    return False


async def _unavailable(action: RemoteAction, nlg: Any, tracker: Any, output_channel: Any, domain: Any
                       ) -> List[Event]:
    """The apology (once per turn); a new session still starts (Rasa's own session start), so that answers that
    need no action (FAQ, chit-chat) keep working."""
    if action.name() == "action_session_start":
        from rasa.core.actions.action import ActionSessionStart

        return await ActionSessionStart().run(output_channel, nlg, tracker, domain)
    if _apologised_this_turn(tracker):
        return []
    generated = await nlg.generate(UNAVAILABLE_RESPONSE, tracker, output_channel.name()) or {}
    data = {key: value for key, value in generated.items() if key not in ("text", "metadata")}
    return [BotUttered(generated.get("text"), data, {_MARK: action.name()})]


async def _run_remote_action(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any,
                             domain: Any) -> List[Event]:
    """RemoteAction.run behind the breaker; a server fault becomes the apology instead of silence."""
    if not breaker.allows():
        logger.warning("conversation %s: action %s not called, the action server's circuit is open",
                       tracker.sender_id, self.name())
        return await _unavailable(self, nlg, tracker, output_channel, domain)
    try:
        events = await _originals["RemoteAction.run"](self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        breaker.succeeded()  # the server answered: a form's validation rejected the input
        raise
    except RasaException as error:
        breaker.failed()
        logger.error("conversation %s: action %s failed: %s", tracker.sender_id, self.name(), error)
        return await _unavailable(self, nlg, tracker, output_channel, domain)
    breaker.succeeded()
    return events


# --- reading a message in its conversation ----------------------------------------------------------------


def _earlier_user_turns(tracker: Any, turns: int = 3) -> List[UserUttered]:
    """The customer's previous messages in this session, newest first (the tracker does not hold the new one yet)."""
    found: List[UserUttered] = []
    for event in reversed(tracker.events):
        if getattr(event, "action_name", None) == "action_session_start" or len(found) == turns:
            break
        if isinstance(event, UserUttered):
            found.append(event)
    return found


def _in_task_or_handoff(tracker: Any) -> bool:
    return bool(tracker.active_loop_name) or tracker.is_paused()


async def _parse_message(self: MessageProcessor, message: UserMessage, tracker: Any = None,
                         only_output_properties: bool = True) -> Dict[Text, Any]:
    """MessageProcessor.parse_message, then the message read in its conversation (`bot.reading`)."""
    parse = _originals["MessageProcessor.parse_message"]
    parsed = reading.mark_upset(await parse(self, message, tracker, only_output_properties))
    if tracker is None:
        return parsed
    turns = _earlier_user_turns(tracker)
    earlier_parses = [turn.parse_data or {} for turn in turns]
    if _in_task_or_handoff(tracker):
        return reading.with_product_topic(parsed, earlier_parses)
    parsed = reading.task_when_readings_agree(reading.task_from_identifier(parsed))
    parsed = reading.lookup_of_last_record(parsed, earlier_parses)
    previous = turns[0] if turns else None
    if previous is not None and reading.needs_previous(message.text or "", parsed):
        previous_text = reading.previous_reading(previous.text, previous.parse_data)
        if previous_text:
            text = reading.together(previous_text, message.text or "")
            combined = await parse(self, UserMessage(text, sender_id=message.sender_id), None, only_output_properties)
            if reading.better_with_previous(parsed, combined):
                logger.debug("conversation %s: %r read with the previous message", message.sender_id, message.text)
                parsed = reading.adopt_reading(parsed, combined, text)
    parsed = reading.ask_when_close(reading.read_other_brand(reading.task_from_identifier(parsed)))
    return reading.with_product_topic(parsed, earlier_parses)


async def _handle_message(self: MessageProcessor, message: UserMessage) -> Optional[List[Dict[Text, Any]]]:
    """MessageProcessor.handle_message; a message with two questions is handled as its parts, in answer order."""
    handle = _originals["MessageProcessor.handle_message"]
    parts = reading.compound_parts(message.text or "")
    if len(parts) < 2:
        return await handle(self, message)
    tracker = await self.get_tracker(message.sender_id)
    if _in_task_or_handoff(tracker):
        return await handle(self, message)
    parses = [await self.parse_message(UserMessage(part, sender_id=message.sender_id), tracker) for part in parts]
    order = reading.answer_order(parses)
    if order is None:
        return await handle(self, message)
    logger.debug("conversation %s: %d questions in one message", message.sender_id, len(order))
    for number, index in enumerate(order):
        part_id = f"{message.message_id}-{number}" if message.message_id else None
        await handle(self, UserMessage(parts[index], message.output_channel, message.sender_id,
                                       input_channel=message.input_channel, message_id=part_id,
                                       metadata=message.metadata))
    if isinstance(message.output_channel, CollectingOutputChannel):
        return message.output_channel.messages
    return None


# --- installing ----------------------------------------------------------------------------------------


def _configure_app_with_listeners(*args: Any, **kwargs: Any) -> Any:
    app = _originals["configure_app"](*args, **kwargs)
    app.register_listener(build_action_checks, "after_server_start")
    app.register_listener(freeze_loaded_objects, "after_server_start")
    app.register_listener(close_sessions, "after_server_stop")
    return app


def install() -> None:
    """Apply every hook (idempotent)."""
    check_version()
    if _originals:
        return
    _originals.update({
        "RemoteAction._validate_action_result": RemoteAction._validate_action_result,
        "RemoteAction.run": RemoteAction.run,
        "RemoteAction._action_call_format": RemoteAction._action_call_format,
        "Event.resolve_by_type": Event.__dict__["resolve_by_type"],
        "configure_app": rasa.core.run.configure_app,
        "DaskGraphRunner": rasa.core.processor.DaskGraphRunner,
        "EndpointConfig.session": EndpointConfig.session,
        "MessageProcessor.parse_message": MessageProcessor.parse_message,
        "MessageProcessor.handle_message": MessageProcessor.handle_message,
    })
    MessageProcessor.parse_message = _parse_message
    MessageProcessor.handle_message = _handle_message
    EndpointConfig.session = pooled_session
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # the runner MessageProcessor loads a model with
    RemoteAction._validate_action_result = _validate_action_result
    RemoteAction.run = _run_remote_action
    RemoteAction._action_call_format = action_calls.action_call
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    rasa.core.run.configure_app = _configure_app_with_listeners
    logger.info("Rasa %s: the assistant's hooks are installed (bot.rasa_hooks)", rasa.__version__)


def uninstall() -> None:
    """Restore Rasa's originals."""
    if not _originals:
        return
    RemoteAction._validate_action_result = _originals.pop("RemoteAction._validate_action_result")
    RemoteAction.run = _originals.pop("RemoteAction.run")
    RemoteAction._action_call_format = _originals.pop("RemoteAction._action_call_format")
    Event.resolve_by_type = _originals.pop("Event.resolve_by_type")
    rasa.core.run.configure_app = _originals.pop("configure_app")
    rasa.core.processor.DaskGraphRunner = _originals.pop("DaskGraphRunner")
    EndpointConfig.session = _originals.pop("EndpointConfig.session")
    MessageProcessor.parse_message = _originals.pop("MessageProcessor.parse_message")
    MessageProcessor.handle_message = _originals.pop("MessageProcessor.handle_message")


def installed() -> bool:
    return bool(_originals)
