"""Signed identities from the embedding site (HMAC-SHA256 with a shared secret)."""

import time

import pytest

from bot.core.identity import InvalidIdentity, sign_identity, verified_phone

SECRET = "shared-secret"


def test_a_signed_phone_is_vouched_for():
    assert verified_phone(sign_identity("138 0013 8000", SECRET), SECRET) == "13800138000"


@pytest.mark.parametrize(
    "token, reason",
    [
        (sign_identity("13800138000", "another-secret"), "bad signature"),
        (sign_identity("13800138000", SECRET, ttl_seconds=-1), "expired"),
        (sign_identity("12345", SECRET), "not a mobile number"),
        ("v1.e30", "malformed token"),
        ("v2." + sign_identity("13800138000", SECRET)[3:], "bad signature"),
        (None, "malformed token"),
    ],
)
def test_bad_tokens_are_rejected(token, reason):
    with pytest.raises(InvalidIdentity, match=reason):
        verified_phone(token, SECRET)


def test_a_tampered_payload_is_rejected():
    version, payload, mac = sign_identity("13800138000", SECRET).split(".")
    forged = sign_identity("13900139000", "whatever").split(".")[1]
    with pytest.raises(InvalidIdentity, match="bad signature"):
        verified_phone(f"{version}.{forged}.{mac}", SECRET)
    assert verified_phone(f"{version}.{payload}.{mac}", SECRET, now=time.time()) == "13800138000"
