"""The Rasa project files: `rasa data validate` is clean, endpoints come from the environment."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from rasa.core.utils import read_endpoints_from_path

from bot.knowledge import PROJECT_ROOT

RASA = str(Path(sys.executable).with_name("rasa"))


def responses_sent_by_actions() -> set:
    """Responses that custom actions (and the console's hand-off notices, and the reply to a picture) send: Rasa's
    validator cannot see these used in stories or rules."""
    sources = [*(PROJECT_ROOT / "bot/actions").rglob("*.py"), *(PROJECT_ROOT / "bot/console").rglob("*.py"),
               PROJECT_ROOT / "bot/core/pictures.py"]
    return {name for path in sources for name in re.findall(r'"(utter_\w+)"', path.read_text())}


def questions_asked_by_forms() -> set:
    """utter_ask_<slot> for every slot a form requests: Rasa's forms send these, not stories."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {f"utter_ask_{slot}" for form in domain["forms"].values() for slot in form["required_slots"]}


def test_rasa_data_validate_is_clean():
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2",
               ACTION_SERVER_URL="http://127.0.0.1:5055/webhook", TRACKER_STORE_URL="sqlite:///var/tracker.db", REDIS_URL="")
    result = subprocess.run(
        [RASA, "data", "validate", "--config", "config.yml", "--domain", "domain.yml", "--data", "bot/data"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]

    warnings = re.findall(r"UserWarning: (.*)", output)
    used_outside_stories = responses_sent_by_actions() | questions_asked_by_forms()
    expected = {f"The utterance '{name}' is not used in any story or rule." for name in used_outside_stories}
    # Rasa's own importer declares the retrieval intent again when it merges the generated FAQ responses.
    expected.add("The following duplicated intents have been found across multiple domain files: faq")
    unexpected = [w.strip() for w in warnings if w.strip() not in expected]
    assert unexpected == [], "\n".join(unexpected)
    assert "No story structure conflicts found" in output


def test_endpoints_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5999/webhook")
    monkeypatch.setenv("TRACKER_STORE_URL", "postgresql://tp@db.internal/conversations")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    endpoints = read_endpoints_from_path(PROJECT_ROOT / "endpoints.yml")
    assert endpoints.action.url == "http://127.0.0.1:5999/webhook"
    assert endpoints.tracker_store.type == "bot.store.conversations.ConversationStore"
    assert endpoints.tracker_store.url == "postgresql://tp@db.internal/conversations"
    assert endpoints.lock_store.type == "bot.store.locks.ConversationLockStore"
    assert endpoints.lock_store.url == "redis://cache.internal:6379/0"


def test_the_action_server_registers_exactly_the_domain_actions():
    """Every custom action in the domain is served, and no base class is registered as an action."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("bot.actions")
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    custom = {name if isinstance(name, str) else next(iter(name)) for name in domain["actions"]}
    assert set(executor.actions) == custom


def test_the_domain_is_sent_only_to_the_actions_that_read_it():
    """Selective domain (endpoints.yml): form validators and the session start read it, the others do not."""
    from rasa.shared.core.domain import Domain

    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["enable_selective_domain"] is True
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    readers = {name for name in domain.user_actions if domain.does_custom_action_explicitly_need_domain(name)}
    assert readers == {name for name in domain.user_actions if name.startswith("validate_")} | {"action_session_start"}
    # the action server's code agrees: only those actions look at the domain they are given
    sources = {path.name: path.read_text(encoding="utf-8") for path in (PROJECT_ROOT / "bot/actions").glob("*.py")}
    assert [name for name, text in sources.items() if "domain.get(" in text or "domain[" in text] == ["session.py"]
