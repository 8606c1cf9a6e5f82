"""bot.rasa_hooks: Rasa's server made cheaper per turn and resilient, installed explicitly and restorable."""

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot import rasa_hooks


@pytest.fixture(autouse=True)
def installed():
    rasa_hooks.install()
    rasa_hooks.install()  # idempotent
    yield
    rasa_hooks.uninstall()


def test_action_responses_are_still_validated():
    action = RemoteAction("action_check_order", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "order_id", "value": "1"}],
                                           "responses": [{"text": "您好"}]})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


RESPONSES = [
    {"events": [{"event": "slot", "name": "order_id", "value": "1"}, {"event": "bot", "text": "您好"},
                {"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"},
                {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 1.0}}}]},
    {"events": [], "responses": []},
    {},
    {"events": "not a list"},
    {"events": [{"event": "slot", "value": "1"}]},  # no name
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "x"}]},  # no event
    {"events": [{"event": 3}]},
    {"events": [{"event": ["slot"]}]},
    {"events": ["slot"]},
    {"events": [{"event": "slot", "name": "a", "value": 1, "timestamp": "yesterday"}]},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"entities": [{"entity": "x"}]}}]},  # no value
    {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": ["text"]},
    [],
]


@pytest.mark.parametrize("response", RESPONSES)
def test_action_responses_accepted_and_refused_as_rasa_does(response):
    action = RemoteAction("action_check_order", None)
    try:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
        refused_by_rasa = False
    except ValidationError:
        refused_by_rasa = True
    if refused_by_rasa:
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(response)
    else:
        assert action._validate_action_result(response)


def test_every_event_class_resolves_as_rasa_resolves_it():
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is rasa_hooks._resolve_by_walk(cls.type_name)
    assert Event.resolve_by_type("topic") is None  # Rasa's backwards compatibility
    assert Event.resolve_by_type("unknown", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("unknown")


def test_a_class_defined_later_is_still_found():
    class CustomerMood(Event):
        type_name = "tp_customer_mood"

        def __eq__(self, other):
            return isinstance(other, CustomerMood)

        def as_story_string(self):
            return None

    assert Event.resolve_by_type("tp_customer_mood") is CustomerMood


def test_models_are_loaded_with_the_sequential_runner():
    import rasa.core.processor
    from bot.graph_runner import SequentialGraphRunner

    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
    rasa_hooks.uninstall()
    assert rasa.core.processor.DaskGraphRunner is not SequentialGraphRunner


def test_uninstall_restores_rasas_functions():
    import rasa.core.run

    patched = RemoteAction.run, rasa.core.run.configure_app
    rasa_hooks.uninstall()
    assert not rasa_hooks.installed()
    assert RemoteAction.run is not patched[0] and rasa.core.run.configure_app is not patched[1]
    assert Event.resolve_by_type("slot").type_name == "slot"
    assert RemoteAction._validate_action_result is not rasa_hooks._validate_action_result


def test_only_the_rasa_it_was_written_for():
    rasa_hooks.check_version(rasa_hooks.WRITTEN_FOR)
    rasa_hooks.check_version("3.6.20")  # another patch release: a warning
    with pytest.raises(rasa_hooks.UnsupportedRasa, match="written for Rasa 3.6.21"):
        rasa_hooks.check_version("3.7.0")


def test_breaker_opens_after_failures_and_tries_again_later():
    now = [0.0]
    breaker = rasa_hooks.Breaker(failures=3, open_seconds=30, clock=lambda: now[0])
    for _ in range(2):
        breaker.failed()
    assert breaker.allows()
    breaker.failed()
    assert not breaker.allows()
    now[0] = 31.0
    assert breaker.allows()  # one call may try
    assert not breaker.allows()  # ... and only one until it succeeds
    breaker.succeeded()
    assert breaker.allows()


def test_the_action_checks_are_built_when_the_server_starts_not_on_the_first_call(rasa_server, server_dir):
    import time

    deadline = time.monotonic() + 30  # the listeners run just after the server answers its first request
    while "left out of garbage collection" not in (server_dir / "rasa.log").read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, "the server's start-up listeners did not run"
        time.sleep(0.2)
    log = (server_dir / "rasa.log").read_text(encoding="utf-8")
    assert "action-response checks built" in log
    assert log.index("action-response checks built") < log.index("left out of garbage collection")
