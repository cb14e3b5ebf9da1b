"""Our own website and app: the sanitized article with its photo gallery and video."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rongmei.distribution.formatters import Field
from rongmei.distribution.formatters._common import first_video, gallery
from rongmei.newsroom.services.stories import sanitize_body

FIELDS = [
    Field("headline", _("Headline"), max_len=80, required=True),
    Field("subtitle", _("Subtitle"), max_len=120),
    Field("intro", _("Lead paragraph"), widget="textarea", max_len=1000),
    Field("body_html", _("Body"), widget="html", max_len=200_000, required=True),
]


def generate(version, media, **_options) -> dict:
    video = first_video(media)
    return {
        "headline": version.headline,
        "subtitle": version.subtitle,
        "intro": version.intro,
        "body_html": sanitize_body(version.body or ""),
        "gallery": gallery(media),
        "video": {
            "asset": video.asset_id,
            "mp4": video.ref("mp4"),
            "hls": video.ref("hls_720") or video.ref("hls_360"),
            "poster": video.ref("poster"),
        }
        if video
        else None,
    }
