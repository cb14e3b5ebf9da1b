"""Sharing an article: a QR-code poster image (for WeChat Moments and print) made with Pillow and
segno, in Debian's Noto CJK fonts, no outside service.

The poster is 750×1334 (a phone screen): the site's name on a band, the first photo if the
article has one, the headline wrapped to the width, the lead, and a QR code of the article's
address and a line asking to scan it.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 750, 1334
MARGIN = 48
BAND = (178, 34, 34)
INK = (34, 34, 34)
GREY = (110, 110, 110)
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")


@lru_cache(maxsize=8)
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc"
    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return ImageFont.truetype(str(path), size, index=2)  # index 2: Simplified Chinese (SC)
    return ImageFont.load_default(size)  # without fonts-noto-cjk Chinese would be boxes: make install adds it


def wrap(draw: ImageDraw.ImageDraw, text: str, face, width: int, max_lines: int) -> list[str]:
    """Lines of ``text`` that fit ``width``, character by character (Chinese has no spaces);
    the last line ends in … when the text is longer."""
    lines, line = [], ""
    for ch in text:
        if draw.textlength(line + ch, font=face) > width:
            lines.append(line)
            line = ch
            if len(lines) == max_lines:
                break
        else:
            line += ch
    else:
        if line:
            lines.append(line)
        return lines
    last = lines[-1]
    while last and draw.textlength(last + "…", font=face) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def poster(*, headline: str, intro: str, url: str, photo: Path | None = None) -> bytes:
    """The poster as PNG bytes."""
    import segno

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 120), fill=BAND)
    draw.text((MARGIN, 36), settings.RONGMEI["SITE_NAME"], font=font(44, bold=True), fill="white")
    y = 150
    if photo is not None and photo.is_file():
        with Image.open(photo) as im:
            im = im.convert("RGB")
            box_w, box_h = WIDTH - 2 * MARGIN, 380
            scale = max(box_w / im.width, box_h / im.height)
            im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))))
            left, top = (im.width - box_w) // 2, (im.height - box_h) // 2
            image.paste(im.crop((left, top, left + box_w, top + box_h)), (MARGIN, y))
        y += 380 + 36
    for line in wrap(draw, headline, font(46, bold=True), WIDTH - 2 * MARGIN, 3):
        draw.text((MARGIN, y), line, font=font(46, bold=True), fill=INK)
        y += 62
    y += 12
    for line in wrap(draw, intro, font(30), WIDTH - 2 * MARGIN, 4 if photo else 8):
        draw.text((MARGIN, y), line, font=font(30), fill=GREY)
        y += 44
    qr = segno.make(url, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=8, border=2)
    code = Image.open(io.BytesIO(buf.getvalue())).convert("RGB").resize((240, 240), Image.NEAREST)
    top = HEIGHT - 240 - MARGIN
    image.paste(code, (WIDTH - MARGIN - 240, top))
    draw.text((MARGIN, top + 80), _("Scan to read the whole story"), font=font(34, bold=True), fill=INK)
    draw.text((MARGIN, top + 134), settings.RONGMEI["CENTER_NAME"], font=font(26), fill=GREY)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
