"""bot.core.settings: one object for every variable, validated with the variable named, documented in README."""

import subprocess
import sys

import pytest

from bot.core.settings import PROJECT_ROOT, Settings, SettingsError, load_settings, markdown_table


def test_defaults():
    values = load_settings({})
    assert values.tp_max_message_length == 2000 and values.tp_verified_phone_hours == 24
    assert values.action_server == "http://127.0.0.1:5055/webhook"
    assert values.records_url.endswith("var/tp.db") and values.widget_origins == ["*"]
    assert values.transfer_keywords == ["12315", "律师", "起诉", "媒体曝光", "消协"]


def test_derived_values():
    values = load_settings({"HANDOFF_SUPERVISORS": " ann, bob ,", "WIDGET_ALLOWED_ORIGINS": "https://a.cn/, https://b.cn",
                            "ACTION_PORT": "6000", "CONSOLE_COOKIE_SECURE": "1"})
    assert values.supervisors == {"ann", "bob"} and values.widget_origins == ["https://a.cn", "https://b.cn"]
    assert values.action_server == "http://127.0.0.1:6000/webhook" and values.console_cookie_secure is True


@pytest.mark.parametrize("name, value", [
    ("TP_VERIFICATION_ATTEMPTS", "three"), ("TP_VERIFICATION_ATTEMPTS", "0"), ("RASA_PORT", "70000"),
    ("HANDOFF_HOURS", "18:00-09:00"), ("HANDOFF_DAYS", "0-8"), ("WECHAT_REPLY_BUDGET", "6"),
    ("DATABASE_TIMEOUT_SECONDS", "-1"),
])
def test_a_bad_value_is_refused_naming_the_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


def test_the_server_refuses_to_start_with_a_bad_value():
    result = subprocess.run([sys.executable, "-m", "bot.server", "run"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "TP_MAX_MESSAGE_LENGTH": "lots"})
    assert result.returncode == 2 and "TP_MAX_MESSAGE_LENGTH" in result.stderr


def test_the_readme_documents_every_variable():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "README's configuration table: paste `python -m bot.core.settings`"


def test_shell_exports_cover_every_variable():
    result = subprocess.run([sys.executable, "-m", "bot.core.settings", "shell"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    exported = {line.split("=", 1)[0].removeprefix("export ") for line in result.stdout.splitlines()}
    assert exported == {name.upper() for name in Settings.__fields__}
