"""Readership adapters, one per platform that has an interface for its figures (base.py says
what one implements). Platforms without one are entered by hand or uploaded."""

from __future__ import annotations

from rongmei.partners.adapters.base import FetchedPost, FetchError, ReadershipAdapter
from rongmei.partners.adapters.wechat import WechatReadership

ADAPTERS: dict[str, type[ReadershipAdapter]] = {cls.platform: cls for cls in (WechatReadership,)}

__all__ = ["ADAPTERS", "FetchError", "FetchedPost", "ReadershipAdapter", "for_platform"]


def for_platform(platform: str) -> type[ReadershipAdapter] | None:
    """The adapter class for a Platform value, or None when the platform has no interface."""
    return ADAPTERS.get(str(platform))
