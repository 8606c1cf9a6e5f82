"""Running actions as the action server does: real trackers, the real domain, a real database."""

import asyncio
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple, Union

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import FormResult
from bot.core.verification import verified_phones, with_verified
from bot.knowledge import PROJECT_ROOT


@lru_cache(maxsize=1)
def domain() -> Dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker(
    slots: Optional[Dict[str, Any]] = None,
    new: Optional[Dict[str, Any]] = None,
    form: Optional[str] = None,
    requested: Optional[str] = None,
    text: str = "",
    sender: str = "customer-1",
    intent: str = "inform",
) -> Tracker:
    """A tracker whose last user message set the slots in `new` (the ones a form validation checks)."""
    values = {"verified_phones": None, "verification_failures": 0, "lookups_locked": False}
    values.update(slots or {})
    values.update(new or {})
    values["requested_slot"] = requested
    events: List[Dict[str, Any]] = []
    if form:
        events.append({"event": "active_loop", "name": form})
    events.append({"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": []}})
    events += [{"event": "slot", "name": name, "value": value} for name, value in (new or {}).items()]
    return Tracker.from_dict({
        "sender_id": sender, "slots": values, "events": events, "paused": False, "followup_action": None,
        "latest_message": {"text": text, "intent": {"name": intent}, "entities": []},
        "active_loop": {"name": form} if form else {}, "latest_action_name": "action_listen",
    })


def verified(*phones: str, sender: str = "customer-1") -> List[Dict[str, Any]]:
    """The `verified_phones` slot after `sender` verified these phones (bot.core.verification)."""
    value: List[Dict[str, Any]] = []
    for phone in phones:
        value = with_verified(value, phone, sender)
    return value


def phones(slots: Dict[str, Any], sender: str = "customer-1") -> List[str]:
    """The phones a `verified_phones` slot value counts as verified for `sender` now."""
    return verified_phones(slots["verified_phones"], sender)


def run_events(action: Union[Action, FormResult], current: Tracker
               ) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """The events the action (or a look-up's result) returned, and the messages it sent."""
    dispatcher = CollectingDispatcher()
    if isinstance(action, FormResult) and not isinstance(action, Action):
        events = action.finish(dispatcher, current)
    else:
        events = asyncio.run(action.run(dispatcher, current, domain()))
    return events, dispatcher.messages


def run(action: Union[Action, FormResult], current: Tracker) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """The slots the action set, and the messages it sent."""
    events, messages = run_events(action, current)
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, messages


def responses(messages: List[Dict[str, Any]]) -> List[str]:
    return [m.get("response") for m in messages]


def next_question(current: Tracker, slots: Dict[str, Any]) -> Optional[str]:
    """The slot Rasa asks for next: the validation's choice, else the first empty required slot."""
    if "requested_slot" in slots:
        return slots["requested_slot"]
    form = current.active_loop.get("name")
    merged = {**current.slots, **slots}
    return next((s for s in domain()["forms"][form]["required_slots"] if merged.get(s) is None), None)
