"""Partners for tests: organizations registered and given logins through the real services."""

from __future__ import annotations

import datetime as dt

from rongmei.partners import services
from rongmei.partners.models import Partner
from rongmei.testing.personas import PASSWORD

NAMES = ("泌阳微帮", "泌阳在线", "泌阳大小事", "花园街道发布", "铜山湖风光", "夏南牛之家", "泌阳乡土", "泌阳美食汇", "盘古山下", "泌水人家")


def make_partner(operator, name: str = NAMES[0], *, username: str | None = None, operator_name: str = "王运营者"):
    """A cooperating partner with one login (role self-media partner); returns (partner, login)."""
    # Joined long ago: tests score past quarters, which count only partners that had joined.
    partner = services.save_partner(
        actor=operator, name=name, operator_name=operator_name, contact_phone="13800000000", joined_on=dt.date(2020, 1, 1)
    )
    login = services.create_login(
        actor=operator, partner=partner, username=username or f"zmt{partner.pk}", name=f"{name}运营", password=PASSWORD
    )
    return partner, login


def make_partners(operator, n: int = 10) -> list[tuple[Partner, object]]:
    return [make_partner(operator, NAMES[i] if i < len(NAMES) else f"自媒体{i + 1}", username=f"zmt{i + 1}") for i in range(n)]


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    """A small real PNG picture (what the media library takes)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def previous_quarter():
    """The quarter before today's (it has ended, so it can be closed)."""
    from django.utils import timezone

    from rongmei.partners.models import Quarter

    today = timezone.localdate()
    index = today.year * 4 + (today.month - 1) // 3 - 1
    quarter, _created = Quarter.objects.get_or_create(year=index // 4, number=index % 4 + 1)
    return quarter


def open_task(operator, partners, *, title: str, kind: str = "repost", stories=(), hours_left: int = 48):
    """A task whose window opened an hour ago and closes in ``hours_left`` hours."""
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    return services.create_task(
        actor=operator,
        kind=kind,
        title=title,
        starts_at=now - dt.timedelta(hours=1),
        due_at=now + dt.timedelta(hours=hours_left),
        partners=list(partners),
        stories=list(stories),
    )
