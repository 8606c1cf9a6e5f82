"""What Rasa sends the action server with each call, without what no action reads.

Rasa 3.6 posts the whole domain and the whole conversation with every call of a custom action. Measured on the
benchmark's conversations (`make bench`), a call carried 90-115 KB of JSON, and a look-up turn makes two calls:
- the domain's `responses` (every FAQ answer, 18 KB of Chinese, 60 KB once JSON-escaped) go with every call,
  though actions only name a response (`dispatcher.utter_message(response=...)`) and Rasa renders it;
- each customer message of the conversation carries its parse data, whose FAQ selection repeats the whole text
  of the selected answer (about 600 bytes of a message's 900).

`action_call` builds the same request without those two: the domain as a dictionary once per loaded model, and
the past messages' FAQ selection without the answer texts (the selected entry, its confidence and the ranking
stay). The latest message is sent whole (`latest_message`): actions that rank knowledge answers read it.
"""

from __future__ import annotations

from typing import Any, Dict, Text

import rasa
from rasa.shared.core.trackers import EventVerbosity

_DOMAIN_CACHE = "_tp_action_call_domain"  # attribute of a loaded Domain: its dictionary for the action server
_DROPPED_DOMAIN_KEYS = ("responses",)
_ANSWER_TEXT_KEYS = ("responses", "response_templates")


def action_domain(domain: Any) -> Dict[Text, Any]:
    """`domain.as_dict()` without the responses, computed once per Domain (a loaded model's domain never
    changes; a new model brings a new Domain)."""
    cached = domain.__dict__.get(_DOMAIN_CACHE)
    if cached is None:
        cached = {key: value for key, value in domain.as_dict().items() if key not in _DROPPED_DOMAIN_KEYS}
        domain.__dict__[_DOMAIN_CACHE] = cached
    return cached


def without_answer_texts(parse_data: Dict[Text, Any]) -> Dict[Text, Any]:
    """A copy of a message's parse data whose FAQ selection names its entry but not the answer's text."""
    selector = parse_data.get("response_selector")
    if not isinstance(selector, dict):
        return parse_data
    slim = {}
    for key, selection in selector.items():
        response = selection.get("response") if isinstance(selection, dict) else None
        if isinstance(response, dict):
            selection = {**selection, "response": {name: value for name, value in response.items()
                                                   if name not in _ANSWER_TEXT_KEYS}}
        slim[key] = selection
    return {**parse_data, "response_selector": slim}


def slim_events(events: Any) -> Any:
    """The conversation's events, each customer message's parse data without answer texts (new dictionaries:
    Rasa's events share theirs with the tracker)."""
    return [{**event, "parse_data": without_answer_texts(event["parse_data"])}
            if event.get("event") == "user" and isinstance(event.get("parse_data"), dict) else event
            for event in events]


def action_call(action: Any, tracker: Any, domain: Any) -> Dict[Text, Any]:
    """RemoteAction._action_call_format with the slimmer domain and events; selective domain as Rasa's."""
    state = tracker.current_state(EventVerbosity.ALL)
    state["events"] = slim_events(state.get("events") or [])
    call = {"next_action": action.name(), "sender_id": tracker.sender_id, "tracker": state,
            "version": rasa.__version__}
    if not action._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(action.name()):
        call["domain"] = action_domain(domain)
    return call
