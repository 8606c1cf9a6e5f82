"""bot.core.identity and bot.core.verification: channel-bound ids, widget session tokens, verified phones."""

import time

import pytest

from bot.core import identity, verification
from bot.core.identity import (
    InvalidIdentity,
    client_metadata,
    issue_session,
    session_conversation,
    sign_identity,
    verified_phone,
)

KEY = "server-key"


def test_ids_carry_their_channel():
    assert identity.conversation_id("telegram", 42) == "tg-42" and identity.channel_of("tg-42") == "telegram"
    assert identity.conversation_id("wechat", "oAbc") == "wx-oAbc" and identity.channel_of("wx-oAbc") == "wechat"
    assert identity.platform_id("telegram", "tg-42") == "42"
    assert identity.channel_of(identity.new_widget_conversation()) == "socketio"


@pytest.mark.parametrize("sender", ["tg-12345", "wx-oAbc", "web-" + "a" * 32, "", "x" * 129, "a b", "中文", None, 5])
def test_rest_cannot_name_another_channels_conversation(sender):
    assert not identity.valid_rest_sender(sender)


@pytest.mark.parametrize("sender", ["demo", "crm-42", "user@example.com", "order:TP2026"])
def test_rest_names_its_own(sender):
    assert identity.valid_rest_sender(sender)


def test_a_session_token_names_its_conversation_until_it_expires():
    conversation, token = issue_session(KEY, now=1000)
    assert conversation.startswith("web-")
    assert session_conversation(token, KEY, max_age_seconds=600, now=1500) == conversation
    assert session_conversation(token, KEY, max_age_seconds=600, now=1700) is None  # expired
    assert session_conversation(token, "another-key", max_age_seconds=600, now=1500) is None  # other server
    renewed = issue_session(KEY, conversation, now=1600)[1]
    assert session_conversation(renewed, KEY, max_age_seconds=600, now=2100) == conversation


@pytest.mark.parametrize("forged", [
    None, 5, "", "web-0123", "s1.tg-42.1000.abc", "s1.web-zz.1000.abc", "s1.%s.1000" % ("a" * 32), "x" * 500,
])
def test_forged_session_tokens_name_nothing(forged):
    assert session_conversation(forged, KEY, max_age_seconds=10**9) is None


def test_a_token_cannot_be_moved_to_another_conversation():
    conversation, token = issue_session(KEY)
    other = identity.new_widget_conversation()
    version, _, issued, mac = token.split(".")
    assert session_conversation(".".join([version, other, issued, mac]), KEY, 10**6) is None
    assert session_conversation(".".join([version, "tg-42", issued, mac]), KEY, 10**6) is None


def test_a_signed_identity_bound_to_a_conversation_counts_only_there():
    token = sign_identity("13800138000", "secret", conversation="web-" + "1" * 32)
    assert verified_phone(token, "secret", conversation="web-" + "1" * 32) == "13800138000"
    with pytest.raises(InvalidIdentity, match="another conversation"):
        verified_phone(token, "secret", conversation="web-" + "2" * 32)


def test_clients_cannot_set_what_channels_vouch_for():
    assert client_metadata({"tp_verified_phone": "13800138000", "TP_X": 1, "page": "/"}) == {"TP_X": 1, "page": "/"}
    assert client_metadata("not an object") == {} and client_metadata(None) == {}


def test_a_verified_phone_belongs_to_its_conversation_and_expires(monkeypatch):
    monkeypatch.setenv("TP_VERIFIED_PHONE_HOURS", "1")
    now = time.time()
    value = verification.with_verified(None, "13800138000", "tg-1", now=now)
    assert verification.verified_phones(value, "tg-1", now=now) == ["13800138000"]
    assert verification.verified_phones(value, "web-x", now=now) == []  # carried into another id: nothing
    assert verification.verified_phones(value, "tg-1", now=now + 3601) == []  # expired
    assert verification.verified_phones(["13800138000"], "tg-1") == []  # the old format counts for nothing
    value = verification.with_verified(value, "13900139000", "tg-1", now=now + 10)
    assert verification.verified_phones(value, "tg-1", now=now + 20) == ["13800138000", "13900139000"]
