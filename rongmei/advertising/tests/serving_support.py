"""Shared pieces of the serving tests (imported by them; not a conftest, so the management tests
stay untouched): campaigns and creatives made directly with the ORM, pictures written to
MEDIA_ROOT as the media pipeline would, and fresh readership state for each test."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image

from rongmei.advertising.models import AdSlot, Campaign, Creative
from rongmei.analytics import buffer, lookups, services
from rongmei.media.models import Asset, Rendition

DEVICE = "reader-ad-000001"


@pytest.fixture
def fresh_readership(settings):
    """Empty buffers, no cached lookups or salts (use it in every test module of the serving side)."""
    settings.RONGMEI_READERSHIP = {"FLUSH_THREAD": False}

    def reset():
        buffer.memory_buffer().clear()
        lookups.clear()
        services._salts.clear()

    reset()
    yield
    reset()


def jpeg_bytes(size=(750, 200), color=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def picture(user, *, kinds=("web_1280_jpg",), title="夏南牛横幅") -> Asset:
    """An image asset with its web renditions done and their files under MEDIA_ROOT."""
    asset = Asset.objects.create(
        kind=Asset.Kind.IMAGE,
        original=f"assets/2026/01/{title}.jpg",
        original_name=f"{title}.jpg",
        sha256="0" * 64,
        size=1000,
        mime="image/jpeg",
        title=title,
        uploaded_by=user,
    )
    for kind in kinds:
        ext = "webp" if kind.endswith("webp") else "jpg"
        name = f"renditions/{asset.pk}/{kind}/{kind}.{ext}"
        path = Path(settings.MEDIA_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(jpeg_bytes() if ext == "jpg" else b"RIFF\x00\x00\x00\x00WEBPVP8 ")
        Rendition.objects.create(asset=asset, kind=kind, file=name, status=Rendition.Status.DONE, width=750, height=200)
    return asset


def campaign(
    client,
    user,
    slot: str = "banner",
    *,
    state: str = Campaign.State.APPROVED,
    starts: dt.timedelta = dt.timedelta(days=-1),
    ends: dt.timedelta = dt.timedelta(days=6),
    columns=(),
    cap: int = 3,
    name: str = "夏南牛节",
    creatives: int = 1,
    link: str = "https://www.example.com/xianan",
) -> Campaign:
    now = timezone.now()
    c = Campaign.objects.create(
        client=client,
        name=name,
        slot=AdSlot.objects.get(code=slot),
        starts_at=now + starts,
        ends_at=now + ends,
        frequency_cap=cap,
        state=state,
        created_by=user,
    )
    c.columns.set(columns)
    for i in range(creatives):
        Creative.objects.create(campaign=c, asset=picture(user, title=f"{name}{i}"), link=link, alt_text=f"{name}：夏南牛 {i + 1}")
    return c
