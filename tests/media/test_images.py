"""Only real pictures in the formats browsers show are accepted; thumbnails are small, upright and without EXIF."""

import io

import pytest
from PIL import Image

from bot.media.images import NotAPicture, inspect, thumbnail
from tests.media.pictures import HTML_AS_JPEG, SVG, picture


@pytest.mark.parametrize("kind, content_type", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("GIF", "image/gif"),
                                                ("WEBP", "image/webp")])
def test_the_formats_phones_and_browsers_use_are_accepted(kind, content_type):
    seen = inspect(picture(kind), 5_000_000)
    assert (seen.content_type, seen.width, seen.height) == (content_type, 800, 600)


@pytest.mark.parametrize("data, reason", [
    (b"", "图片是空的，请重新选择"),
    (SVG, "无法识别这张图片，请发送 JPG、PNG、GIF 或 WebP 格式的照片"),
    (HTML_AS_JPEG, "无法识别这张图片，请发送 JPG、PNG、GIF 或 WebP 格式的照片"),
    (picture("JPEG")[:200], "无法识别这张图片，请发送 JPG、PNG、GIF 或 WebP 格式的照片"),  # cut off
    (picture("BMP"), "暂不支持这种图片格式，请发送 JPG、PNG、GIF 或 WebP 格式的照片"),
    (picture("PNG", size=(8000, 6000)), "图片尺寸过大，请缩小后再发送"),  # 48 megapixels in a small file
])
def test_anything_else_is_refused_with_a_reason(data, reason):
    with pytest.raises(NotAPicture) as refused:
        inspect(data, 5_000_000)
    assert str(refused.value) == reason


def test_a_picture_over_the_limit_is_refused_with_both_sizes():
    with pytest.raises(NotAPicture, match=r"图片太大了（0\.\d MB），请发送不超过 0\.01 MB 的图片"):
        inspect(picture("PNG", size=(1200, 1200), color=None) + b"\0" * 20_000, 10_000)


def test_a_thumbnail_is_a_small_upright_jpeg_without_exif():
    small = Image.open(io.BytesIO(thumbnail(picture("JPEG", size=(1200, 800), orientation=6))))
    assert small.format == "JPEG" and small.size == (213, 320)  # turned upright: taller than wide
    assert not small.getexif()
