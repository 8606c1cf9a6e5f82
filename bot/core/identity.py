"""Who a conversation belongs to: channel-bound conversation ids, the widget's signed session tokens, and the
signed customer identity an embedding site may vouch for.

Conversation ids are minted by the server with their channel's prefix (`tg-<chat id>`, `wx-<openid>`,
`web-<random>`); no client can name another channel's id. The REST channel, for back ends holding its token,
names its own conversations but never with another channel's prefix.

Widget session token (the browser keeps it; forged, foreign or expired ones get a new conversation):

    "s1." + <conversation id> + "." + <issued, unix seconds> + "." + b64url(HMAC-SHA256(key, the part before))

Customer identity (an embedding site's back end signs it with WIDGET_IDENTITY_SECRET):

    token = "v1." + b64url(json {"phone": "13800138000", "exp": <unix time>, "sid": <optional conversation id>})
            + "." + b64url(HMAC-SHA256(secret, "v1." + that b64))

A valid identity puts the phone in the message's metadata under VERIFIED_PHONE, which only channels set (every
channel drops it from what clients send); with "sid" it is honoured only in that conversation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from typing import Dict, Optional, Tuple

from bot.identifiers import normalize_identifier

VERIFIED_PHONE = "tp_verified_phone"  # metadata key; never accepted from a client
RESERVED_METADATA_PREFIX = "tp_"  # every key a channel sets itself; dropped from what clients send
VERSION = "v1"
SESSION_VERSION = "s1"

# The prefix of each channel's conversation ids; REST ids are whatever else a back end names.
PREFIXES: Dict[str, str] = {"telegram": "tg-", "wechat": "wx-", "socketio": "web-"}
_REST_ID = re.compile(r"[A-Za-z0-9_.:@-]{1,128}")
_WIDGET_ID = re.compile(r"web-[0-9a-f]{32}")


class InvalidIdentity(ValueError):
    """The token is malformed, forged or expired."""


# --- conversation ids -----------------------------------------------------------------------------


def conversation_id(channel: str, platform_id: object) -> str:
    """The conversation id of a platform's user (Telegram chat id, WeChat openid)."""
    return f"{PREFIXES[channel]}{platform_id}"


def platform_id(channel: str, conversation: str) -> str:
    """Back from a conversation id to the platform's user id."""
    prefix = PREFIXES[channel]
    return conversation[len(prefix):] if conversation.startswith(prefix) else conversation


def channel_of(conversation: str) -> str:
    """The channel a conversation id belongs to."""
    for channel, prefix in PREFIXES.items():
        if conversation.startswith(prefix):
            return channel
    return "rest"


def valid_rest_sender(sender: object) -> bool:
    """A REST back end names its own conversations: letters, digits and `_.:@-`, never another channel's id."""
    return isinstance(sender, str) and bool(_REST_ID.fullmatch(sender)) and channel_of(sender) == "rest"


def new_widget_conversation() -> str:
    return f"{PREFIXES['socketio']}{secrets.token_hex(16)}"


# --- widget session tokens ------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, signed: str) -> str:
    return _b64(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())


def issue_session(key: str, conversation: Optional[str] = None, now: Optional[float] = None) -> Tuple[str, str]:
    """(conversation id, token) for a widget: a new conversation unless `conversation` is given (renewal)."""
    conversation = conversation or new_widget_conversation()
    signed = f"{SESSION_VERSION}.{conversation}.{int(now or time.time())}"
    return conversation, f"{signed}.{_mac(key, signed)}"


def session_conversation(token: object, key: str, max_age_seconds: float, now: Optional[float] = None
                         ) -> Optional[str]:
    """The widget conversation a token was issued for; None when it is malformed, forged or expired."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != SESSION_VERSION or not _WIDGET_ID.fullmatch(parts[1]):
        return None
    signed = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3].encode(), _mac(key, signed).encode()):
        return None
    try:
        issued = int(parts[2])
    except ValueError:
        return None
    age = (now or time.time()) - issued
    return parts[1] if -60 <= age <= max_age_seconds else None


# --- signed customer identity ---------------------------------------------------------------------


def sign_identity(phone: str, secret: str, ttl_seconds: int = 3600, now: Optional[float] = None,
                  conversation: Optional[str] = None) -> str:
    """What the embedding site's back end does (shown here for tests and as the reference implementation)."""
    claims = {"phone": phone, "exp": int((now or time.time()) + ttl_seconds)}
    if conversation:
        claims["sid"] = conversation
    payload = _b64(json.dumps(claims).encode())
    signed = f"{VERSION}.{payload}"
    return f"{signed}.{_mac(secret, signed)}"


def verified_phone(token: str, secret: str, now: Optional[float] = None, conversation: Optional[str] = None) -> str:
    """The phone a valid token vouches for; InvalidIdentity otherwise (also when it names another conversation)."""
    try:
        version, payload, mac = token.split(".")
    except (AttributeError, ValueError):
        raise InvalidIdentity("malformed token") from None
    if version != VERSION or not hmac.compare_digest(mac, _mac(secret, f"{version}.{payload}")):
        raise InvalidIdentity("bad signature")
    try:
        claims = json.loads(_unb64(payload))
        phone, expires = normalize_identifier("phone", str(claims["phone"])), float(claims["exp"])
        bound = claims.get("sid")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InvalidIdentity("malformed claims") from None
    if phone is None:
        raise InvalidIdentity("not a mobile number")
    if expires < (now or time.time()):
        raise InvalidIdentity("expired")
    if bound is not None and bound != conversation:
        raise InvalidIdentity("issued for another conversation")
    return phone


def client_metadata(metadata: object) -> Dict[str, object]:
    """What a client may say about its message: a JSON object without any key the channels set themselves."""
    if not isinstance(metadata, dict):
        return {}
    return {str(key): value for key, value in metadata.items()
            if not str(key).startswith(RESERVED_METADATA_PREFIX)}
