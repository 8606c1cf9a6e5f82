"""Pictures as records: checked (bot.media.images), stored with a thumbnail (bot.media.storage), found again by
their random id. The bytes are written before the record, so a record never names a missing file."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.settings import settings
from bot.media import images
from bot.media.images import NotAPicture
from bot.media.storage import storage
from bot.store.models import MediaFile

__all__ = ["NOT_STORED", "SERVED_HEADERS", "NotAPicture", "customer_picture", "customer_voice", "save_picture", "save_voice", "picture_bytes", "reference", "widget_url", "console_url"]

TOO_MANY = "您发送的图片较多，请稍后再发，或用文字描述您的问题"
NOT_STORED = "图片暂时无法保存，请稍后再试，或用文字描述您的问题"  # a storage or database fault


def _now() -> datetime:
    return datetime.now(timezone.utc)


def save_picture(session: Session, data: bytes, conversation_id: str, channel: str, sender: str,
                 agent_id: Optional[int] = None) -> MediaFile:
    """Check, store and record one picture; NotAPicture (Chinese, for the sender) when it is refused."""
    config = settings()
    picture = images.inspect(data, config.media_max_bytes)
    if sender == "customer":
        sent = session.execute(select(func.count()).where(
            MediaFile.conversation_id == conversation_id, MediaFile.sender == "customer",
            MediaFile.created_at >= _now() - timedelta(hours=1))).scalar() or 0
        if sent >= config.media_per_hour:
            raise NotAPicture(TOO_MANY)
    media_id = secrets.token_urlsafe(18)  # 144 random bits
    month = _now().strftime("%Y/%m")
    key, thumbnail_key = f"{month}/{media_id}.{picture.extension}", f"{month}/{media_id}-thumb.jpg"
    target = storage()
    target.put(key, data, picture.content_type)
    target.put(thumbnail_key, images.thumbnail(data), "image/jpeg")
    record = MediaFile(id=media_id, conversation_id=conversation_id, channel=channel, sender=sender,
                       agent_id=agent_id, content_type=picture.content_type, size=len(data), width=picture.width,
                       height=picture.height, key=key, thumbnail_key=thumbnail_key, created_at=_now())
    session.add(record)
    session.flush()
    return record


VOICE_FORMATS = {"amr": ("audio/amr", b"#!AMR"), "speex": ("audio/speex", b"")}  # what WeChat records
MAX_VOICE_BYTES = 2_000_000  # WeChat's own limit for a voice message is 2 MB


def save_voice(session: Session, data: bytes, audio_format: str, conversation_id: str, channel: str) -> MediaFile:
    """A customer's voice message as WeChat recorded it (AMR or Speex), kept for the agent to listen to."""
    kind = VOICE_FORMATS.get((audio_format or "").lower())
    if kind is None or not data or len(data) > MAX_VOICE_BYTES or not data.startswith(kind[1]):
        raise NotAPicture("无法读取这条语音，请用文字描述您的问题")
    media_id = secrets.token_urlsafe(18)
    key = f"{_now():%Y/%m}/{media_id}.{audio_format.lower()}"
    storage().put(key, data, kind[0])
    record = MediaFile(id=media_id, conversation_id=conversation_id, channel=channel, sender="customer",
                       content_type=kind[0], size=len(data), width=0, height=0, key=key, thumbnail_key=key,
                       created_at=_now())
    session.add(record)
    session.flush()
    return record


def customer_picture(session: Session, data: bytes, conversation_id: str, channel: str) -> Dict[str, Any]:
    """A customer's picture stored; its reference for the message (what every channel needs)."""
    return reference(save_picture(session, data, conversation_id, channel, "customer"))


def customer_voice(session: Session, data: bytes, audio_format: str, conversation_id: str,
                   channel: str) -> Dict[str, Any]:
    return reference(save_voice(session, data, audio_format, conversation_id, channel))


# A picture is served as an image and nothing else: no page a browser could run, whatever the bytes hold.
SERVED_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox",
                  "Cache-Control": "private, max-age=86400"}


def picture_bytes(session: Session, media_id: str, thumbnail: bool = False) -> Tuple[bytes, str]:
    """(bytes, content type) of a picture or its thumbnail; LookupError when there is none."""
    record = session.get(MediaFile, media_id) if isinstance(media_id, str) and len(media_id) <= 32 else None
    if record is None:
        raise LookupError(media_id)
    if thumbnail:
        if record.content_type.startswith("audio/"):
            raise LookupError(media_id)  # a voice message has no thumbnail
        return storage().get(record.thumbnail_key), "image/jpeg"
    return storage().get(record.key), record.content_type


def reference(record: MediaFile) -> Dict[str, Any]:
    """What a message's metadata keeps of the picture (bot.core.pictures.MEDIA)."""
    if record.content_type.startswith("audio/"):
        return {"id": record.id, "type": "voice", "format": record.key.rsplit(".", 1)[-1]}
    return {"id": record.id, "type": "image", "width": record.width, "height": record.height}


def widget_url(media_id: str, thumbnail: bool = False) -> str:
    """Path of the picture for the customer's side (widget, REST clients): the random id is the capability."""
    return f"/widget/media/{media_id}" + ("/thumb" if thumbnail else "")


def console_url(media_id: str, thumbnail: bool = False) -> str:
    """Path of the picture in the console (an agent's session is needed)."""
    return f"/console/api/media/{media_id}" + ("/thumb" if thumbnail else "")
