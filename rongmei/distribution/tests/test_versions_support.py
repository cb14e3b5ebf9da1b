"""A signed-off story with real seeded content and media rows, for the channel-version tests."""

from __future__ import annotations

import pytest

from rongmei.media.models import Asset, Rendition, StoryAsset
from rongmei.newsroom import services as newsroom

HEADLINE = "第十五届中国牛业发展大会在泌阳开幕 夏南牛产业链年产值突破120亿元"
INTRO = "11月26日，第十五届中国牛业发展大会在泌阳县开幕。来自全国28个省区的1200名代表参加会议。"
BODY = (
    "<p>大会为期3天，设置主论坛和8个分论坛。2026年，全县夏南牛存栏量达到35.5万头，同比增长15%。</p>"
    "<h2>产业链延伸</h2>"
    "<p>县畜牧局负责人介绍，全县已建成标准化养殖场126个，带动2万户群众增收。夏南牛肉制品销往全国。"
    "今年前三季度，屠宰加工企业实现产值38.6亿元。</p>"
    "<blockquote>“夏南牛是泌阳的金名片。”县委主要负责人说。</blockquote>"
    "<p>报名咨询电话0396-7921234，手机13812345678。会议期间8:30至17:00开放展区。</p>"
    '<p>据悉，下一届大会将于2027年举行。<script>alert(1)</script><iframe src="http://x"></iframe></p>'
)
KEYWORDS = ["泌阳", "夏南牛", "牛业大会"]


def make_story(reporter, team, reviewers, **overrides):
    fields = {"headline": HEADLINE, "subtitle": "县域特色产业迈向高质量发展", "intro": INTRO, "body": BODY, "keywords": KEYWORDS}
    fields.update(overrides)
    story = newsroom.create_story(actor=reporter, team=team, **fields)
    newsroom.submit_story(actor=reporter, story=story)
    for r in reviewers:
        newsroom.approve(actor=r, story=story)
    story.refresh_from_db()
    return story


def attach(story, user, kind, title, renditions, *, caption="", order=0):
    asset = Asset.objects.create(
        kind=kind,
        original=f"assets/2026/11/{title}.bin",
        original_name=f"{title}.bin",
        sha256="0" * 64,
        size=1000,
        mime={"image": "image/jpeg", "video": "video/mp4", "document": "application/pdf"}.get(kind, "audio/mpeg"),
        title=title,
        uploaded_by=user,
    )
    StoryAsset.objects.create(story=story, asset=asset, order=order, caption=caption, added_by=user)
    for rkind, name in renditions.items():
        Rendition.objects.create(
            asset=asset, kind=rkind, file=f"renditions/{asset.pk}/{name}", status=Rendition.Status.DONE, width=1280, height=720, size=10
        )
    Rendition.objects.create(asset=asset, kind="thumb_320", status=Rendition.Status.FAILED, error="x")
    return asset


@pytest.fixture
def rich_story(reporter, team, editor, column_lead, chief):
    return make_story(reporter, team, [editor, column_lead, chief])


@pytest.fixture
def rich_media(rich_story, photographer):
    photo = attach(
        rich_story,
        photographer,
        "image",
        "开幕式",
        {"web_1280_jpg": "web_1280.jpg", "web_1280_webp": "web_1280.webp", "wechat_cover_235": "cover_235.jpg"},
        caption="大会开幕式现场",
    )
    video = attach(
        rich_story,
        photographer,
        "video",
        "大会视频",
        {"mp4": "video.mp4", "vertical_916": "vertical.mp4", "poster": "poster.jpg"},
        order=1,
    )
    doc = attach(rich_story, photographer, "document", "大会议程", {}, order=2)
    return {"photo": photo, "video": video, "doc": doc}


# --- the API router, mounted for the tests until rongmei/api/urls.py registers it --------------

try:
    from django.urls import Resolver404, resolve

    resolve("/api/v1/stories/1/channel-versions")
    API_PREFIX = "/api/v1"
    urlpatterns: list = []
except Resolver404:
    from django.urls import include, path
    from ninja import NinjaAPI

    from rongmei.api import errors
    from rongmei.api.auth import api_auth
    from rongmei.api.endpoints import versions as versions_endpoints

    _api = NinjaAPI(urls_namespace="api_versions_test", auth=api_auth, docs_url=None, openapi_url=None)
    errors.install(_api)
    _api.add_router("", versions_endpoints.router)
    API_PREFIX = "/api/vtest"
    urlpatterns = [path("api/vtest/", _api.urls), path("", include("rongmei.urls"))]


@pytest.fixture
def api_call(settings):
    """api_call(person)(method, path, body) → response, with the channel-version routes mounted."""
    from rongmei.api.tests.conftest import Caller

    if API_PREFIX != "/api/v1":
        settings.ROOT_URLCONF = "rongmei.distribution.tests.test_versions_support"

    class VersionsCaller(Caller):
        def __call__(self, method, path, body=None, *, raw_body=None):
            import json

            data = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
            return self.client.generic(method, API_PREFIX + path, data=data, content_type="application/json", headers=self.headers)

    return VersionsCaller
