"""Signed customer identity for the website widget.

A site where the customer is logged in can vouch for their phone number, so that the bot does not ask for the
last 4 digits again. The site's back end signs a token with the secret it shares with the bot
(WIDGET_IDENTITY_SECRET) and passes it to the widget (`data-identity`):

    token = "v1." + b64url(json {"phone": "13800138000", "exp": <unix time>}) + "." + b64url(HMAC-SHA256(secret, "v1." + that b64))

A valid token puts the phone in the message's metadata under VERIFIED_PHONE, which only channels set (the REST
channel drops it from what clients send); an invalid or expired token is rejected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Optional

from bot.identifiers import normalize_identifier

VERIFIED_PHONE = "tp_verified_phone"  # metadata key; never accepted from a client
VERSION = "v1"


class InvalidIdentity(ValueError):
    """The token is malformed, forged or expired."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, signed: str) -> str:
    return _b64(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())


def sign_identity(phone: str, secret: str, ttl_seconds: int = 3600, now: Optional[float] = None) -> str:
    """What the embedding site's back end does (shown here for tests and as the reference implementation)."""
    payload = _b64(json.dumps({"phone": phone, "exp": int((now or time.time()) + ttl_seconds)}).encode())
    signed = f"{VERSION}.{payload}"
    return f"{signed}.{_mac(secret, signed)}"


def verified_phone(token: str, secret: str, now: Optional[float] = None) -> str:
    """The phone a valid token vouches for; InvalidIdentity otherwise."""
    try:
        version, payload, mac = token.split(".")
    except (AttributeError, ValueError):
        raise InvalidIdentity("malformed token") from None
    if version != VERSION or not hmac.compare_digest(mac, _mac(secret, f"{version}.{payload}")):
        raise InvalidIdentity("bad signature")
    try:
        claims = json.loads(_unb64(payload))
        phone, expires = normalize_identifier("phone", str(claims["phone"])), float(claims["exp"])
    except (ValueError, KeyError, TypeError):
        raise InvalidIdentity("malformed claims") from None
    if phone is None:
        raise InvalidIdentity("not a mobile number")
    if expires < (now or time.time()):
        raise InvalidIdentity("expired")
    return phone
