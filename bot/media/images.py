"""A picture is accepted only if Pillow reads it as one of the formats browsers show (never SVG or HTML, which a
browser could run as a page); a thumbnail is made for the lists and the conversation view."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "GIF": ("image/gif", "gif"),
           "WEBP": ("image/webp", "webp")}
MAX_PIXELS = 40_000_000  # a small file that decodes to a huge bitmap (a "decompression bomb") is refused
THUMBNAIL_SIZE = (320, 320)


class NotAPicture(ValueError):
    """Why the bytes are refused, in Chinese for the customer or agent."""


@dataclass(frozen=True)
class Picture:
    content_type: str
    extension: str
    width: int
    height: int


def too_large(size: int, max_bytes: int) -> str:
    return f"图片太大了（{size / 1_000_000:.1f} MB），请发送不超过 {max_bytes / 1_000_000:g} MB 的图片"


def inspect(data: bytes, max_bytes: int) -> Picture:
    """What the bytes are, or NotAPicture with the reason."""
    if not data:
        raise NotAPicture("图片是空的，请重新选择")
    if len(data) > max_bytes:
        raise NotAPicture(too_large(len(data), max_bytes))
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            if width * height > MAX_PIXELS:
                raise NotAPicture("图片尺寸过大，请缩小后再发送")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise NotAPicture("无法识别这张图片，请发送 JPG、PNG、GIF 或 WebP 格式的照片") from None
    if kind not in FORMATS:
        raise NotAPicture("暂不支持这种图片格式，请发送 JPG、PNG、GIF 或 WebP 格式的照片")
    content_type, extension = FORMATS[kind]
    return Picture(content_type, extension, width, height)


def thumbnail(data: bytes) -> bytes:
    """A JPEG at most THUMBNAIL_SIZE, turned upright as the phone took it (EXIF orientation), without metadata."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)  # an animated GIF: its first frame
        small = ImageOps.exif_transpose(image).convert("RGB")
        small.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        small.save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue()
