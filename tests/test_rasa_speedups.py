"""bot.rasa_speedups: Rasa's server made cheaper per turn, with the same results and the same errors."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot import rasa_speedups


@pytest.fixture(autouse=True)
def applied():
    rasa_speedups.apply()
    rasa_speedups.apply()  # twice, as two tracker stores in one process would


def test_action_responses_are_still_validated():
    action = RemoteAction("action_check_order", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "order_id", "value": "1"}],
                                           "responses": [{"text": "您好"}]})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_every_event_class_resolves_as_rasa_resolves_it():
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is rasa_speedups._resolve_by_walk(cls.type_name)
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
