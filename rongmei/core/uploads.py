"""The one check of an uploaded picture, whoever takes it (community posts and covers, practice
photos and cases, 问政 attachments, deputies' photos): the type is read from the content, never
from the name or the browser's claim; the pixel count is capped before anything is decoded (a
small file can unpack to gigabytes: a decompression bomb); the whole picture is decoded once, so
a damaged or cut-off file is refused here rather than failing later on a reader's screen.
Each caller words the refusal for its own form. docs/security.md "Uploads" lists every entry point.
"""

from __future__ import annotations

import io

# Pillow's names of the formats we take, with their file extension and content type.
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "GIF": ("gif", "image/gif"), "WEBP": ("webp", "image/webp")}
# 40 megapixels: more than any phone camera; decoded, about 160 MB.
MAX_PIXELS = 40_000_000


class BadImage(Exception):
    """``kind`` is "not_an_image" (not one of FORMATS, or not a picture at all), "too_many_pixels"
    or "damaged" (recognised, but cannot be decoded to the end)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def inspect_image(data: bytes, *, max_pixels: int = MAX_PIXELS) -> tuple[str, int, int]:
    """(Pillow's format name, width, height) of a picture in ``data``; BadImage otherwise."""
    from PIL import Image, UnidentifiedImageError

    from rongmei.media.probe import strict_decoding

    if not data:
        raise BadImage("not_an_image")
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            fmt = probe.format
            width, height = probe.size
        if fmt not in FORMATS:
            raise BadImage("not_an_image")
        if width * height > max_pixels:
            raise BadImage("too_many_pixels")
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with strict_decoding(), Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() does not decode: a cut-off JPEG only fails here
    except Image.DecompressionBombError:
        raise BadImage("too_many_pixels") from None
    except UnidentifiedImageError:
        raise BadImage("not_an_image") from None
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombWarning):
        raise BadImage("damaged") from None
    return fmt, width, height
