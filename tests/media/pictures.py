"""Pictures for tests, made with Pillow: a phone photo's formats, and things that only pretend to be pictures."""

import io

from PIL import Image


def picture(kind: str = "JPEG", size=(800, 600), color=(200, 40, 40), orientation: int = 0) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation  # EXIF Orientation: 6 = the phone was turned 90°
        image.save(out, kind, exif=exif)
    else:
        image.save(out, kind)
    return out.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
HTML_AS_JPEG = b"\xff\xd8\xff\xe0<html><script>alert(document.cookie)</script></html>"
