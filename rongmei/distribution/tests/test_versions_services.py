# ruff: noqa: F811, S314  (fixtures imported from test_versions_support; XML we made ourselves)
import pytest
from django.test import Client

from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.distribution import versions
from rongmei.distribution.models import Channel, ChannelVersion, Publication
from rongmei.distribution.tests.test_versions_support import make_story, rich_media, rich_story  # noqa: F401
from rongmei.testing import factories

CV = ChannelVersion.State


def ch(code):
    return Channel.objects.get(code=code)


def test_generating_makes_one_version_per_channel_and_is_idempotent(rich_story, editor):
    chans = list(Channel.objects.all())
    first = versions.generate(actor=editor, version=rich_story.current_version, channels=chans)
    again = versions.generate(actor=editor, version=rich_story.current_version, channels=chans)
    assert len(first) == 11 and {c.pk for c in first} == {c.pk for c in again}
    assert ChannelVersion.objects.count() == 11
    assert audit.history(*first).filter(action="channel_version.generated").count() == 11  # no line for "nothing new"


def test_an_edited_version_is_kept_when_generating_again_unless_forced(rich_story, editor):
    version = rich_story.current_version
    (cv,) = versions.generate(actor=editor, version=version, channels=[ch("radio")])
    versions.edit(actor=editor, channel_version=cv, content={"text": "改过的口播稿。"})
    (kept,) = versions.generate(actor=editor, version=version, channels=[ch("radio")])
    assert kept.state == CV.EDITED and kept.content["text"] == "改过的口播稿。"
    (fresh,) = versions.generate(actor=editor, version=version, channels=[ch("radio")], force=True)
    assert fresh.state == CV.GENERATED and fresh.content["text"] != "改过的口播稿。" and fresh.edited_by is None


def test_editing_checks_the_channel_limits_and_keeps_the_rest(rich_story, editor):
    (cv,) = versions.generate(actor=editor, version=rich_story.current_version, channels=[ch("wechat_oa")])
    with pytest.raises(DomainError) as e:
        versions.edit(actor=editor, channel_version=cv, content={"digest": "摘" * 121})
    assert e.value.field == "digest" and "120" in e.value.message
    with pytest.raises(DomainError) as e:
        versions.edit(actor=editor, channel_version=cv, content={"title": "标" * 33})
    assert e.value.field == "title"
    with pytest.raises(DomainError):
        versions.edit(actor=editor, channel_version=cv, content={"nonsense": 1})
    with pytest.raises(DomainError):
        versions.edit(actor=editor, channel_version=cv, content="not an object")
    cv = versions.edit(
        actor=editor,
        channel_version=cv,
        content={"digest": "新的摘要。", "content_html": '<p class="x" onclick="y()">正文</p><script>z()</script><iframe></iframe>'},
    )
    assert cv.state == CV.EDITED and cv.edited_by == editor and cv.content["digest"] == "新的摘要。"
    assert cv.content["content_html"].startswith('<p style="') and "script" not in cv.content["content_html"]
    assert "class" not in cv.content["content_html"] and "onclick" not in cv.content["content_html"]
    assert cv.content["cover"] is None and cv.content["title"]  # not sent: kept
    assert audit.history(cv).filter(action="channel_version.edited").exists()


@pytest.mark.parametrize(
    "code,content,field",
    [
        ("radio", {"text": "   "}, "text"),
        ("tv", {"rundown": "画面 | "}, "rundown"),
        ("newspaper", {"target_chars": "abc"}, "target_chars"),
        ("newspaper", {"target_chars": 5}, "target_chars"),
        ("gov_site", {"date": "2026-13-45"}, "date"),
        ("douyin", {"title": "标" * 31}, "title"),
        ("douyin", {"hashtags": ["一", "二", "三", "四", "五", "六"]}, "hashtags"),
        ("weibo", {"text": "字" * 2001}, "text"),
        ("weibo", {"link": "javascript:alert(1)"}, "link"),
        ("website", {"headline": ""}, "headline"),
    ],
)
def test_edit_validation_names_the_field(rich_story, editor, code, content, field):
    (cv,) = versions.generate(actor=editor, version=rich_story.current_version, channels=[ch(code)])
    with pytest.raises(DomainError) as e:
        versions.edit(actor=editor, channel_version=cv, content=content)
    assert e.value.field == field


def test_edits_recompute_derived_values(rich_story, editor):
    made = versions.generate(actor=editor, version=rich_story.current_version, channels=[ch("radio"), ch("tv"), ch("douyin")])
    radio, tv, douyin = sorted(made, key=lambda c: ["radio", "tv", "douyin"].index(c.channel.code))
    radio = versions.edit(actor=editor, channel_version=radio, content={"text": "一" * 40})
    assert radio.content["reading_seconds"] == 10 and radio.content["characters"] == 40
    tv = versions.edit(actor=editor, channel_version=tv, content={"rundown": "航拍县城 | 泌阳县城全景。\n只有解说"})
    assert tv.content["rows"] == [
        {"picture": "航拍县城", "narration": "泌阳县城全景。"},
        {"picture": "[待补画面]", "narration": "只有解说"},
    ]
    douyin = versions.edit(actor=editor, channel_version=douyin, content={"hashtags": "#泌阳, 夏南牛"})
    assert douyin.content["hashtags"] == ["泌阳", "夏南牛"] and douyin.content["text"].endswith("#泌阳 #夏南牛")


@pytest.mark.parametrize(
    "who,allowed",
    [("chief", True), ("column_lead", True), ("editor", True), ("reporter", False), ("other_lead", False), ("operator", False)],
)
def test_who_may_generate_and_edit(people, rich_story, who, allowed):
    version = rich_story.current_version
    if allowed:
        (cv,) = versions.generate(actor=people[who], version=version, channels=[ch("radio")])
        assert versions.edit(actor=people[who], channel_version=cv, content={"text": "好。"}).state == CV.EDITED
    else:
        with pytest.raises(NotAllowed):
            versions.generate(actor=people[who], version=version, channels=[ch("radio")])
        (cv,) = versions.generate(actor=None, version=version, channels=[ch("radio")])
        with pytest.raises(NotAllowed):
            versions.edit(actor=people[who], channel_version=cv, content={"text": "好。"})


def test_only_a_signed_off_version_gets_channel_versions(reporter, team, chief):
    draft = factories.story_in_review(reporter, team)
    with pytest.raises(StateConflict):
        versions.generate(actor=chief, version=draft.current_version, channels=[ch("radio")])


def test_a_channel_needing_review_is_ready_only_after_approval_by_a_non_author(rich_story, editor, chief, reporter, people):
    wechat = versions.set_needs_review(actor=chief, channel=ch("wechat_oa"), needs_review=True)
    version = rich_story.current_version
    assert not versions.ready_for(version, wechat)
    assert versions.ready_for(version, ch("website"))  # no review of its own
    with pytest.raises(StateConflict) as e:
        versions.require_ready(version, [wechat, ch("website")])
    assert "微信公众号" in e.value.message and "网站" not in e.value.message
    (cv,) = versions.generate(actor=editor, version=version, channels=[wechat])
    with pytest.raises(NotAllowed):
        versions.approve(actor=reporter, channel_version=cv)  # not allowed to publish at all
    rich_story.authors.add(editor)
    with pytest.raises(NotAllowed):
        versions.approve(actor=editor, channel_version=cv)  # an author
    cv = versions.approve(actor=chief, channel_version=cv)
    assert cv.state == CV.APPROVED and cv.approved_by == chief
    assert versions.ready_for(version, wechat)
    pub = Publication(story=rich_story, version=version, channel=wechat)
    assert versions.ready_for(pub, wechat)
    assert versions.approve(actor=chief, channel_version=cv).approved_at == cv.approved_at  # idempotent
    # An edit after approval sends it back for review.
    cv = versions.edit(actor=chief, channel_version=cv, content={"digest": "新摘要。"})
    assert cv.state == CV.EDITED and cv.approved_by is None and not versions.ready_for(version, wechat)


def test_a_channel_without_its_own_review_cannot_be_approved(rich_story, chief):
    (cv,) = versions.generate(actor=chief, version=rich_story.current_version, channels=[ch("radio")])
    with pytest.raises(StateConflict):
        versions.approve(actor=chief, channel_version=cv)


def test_only_those_who_configure_channels_switch_the_review_on(editor, operator):
    with pytest.raises(NotAllowed):
        versions.set_needs_review(actor=editor, channel=ch("tv"), needs_review=True)
    assert versions.set_needs_review(actor=operator, channel=ch("tv"), needs_review=True).needs_review


# --- screens -------------------------------------------------------------------------------


def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_the_story_page_links_to_the_channel_versions_and_they_generate(rich_story, rich_media, editor):
    c = login(editor)
    page = c.get(f"/newsroom/publish/stories/{rich_story.pk}/")
    assert f"/newsroom/publish/stories/{rich_story.pk}/versions/" in page.content.decode()
    assert c.get(f"/newsroom/publish/stories/{rich_story.pk}/versions/").status_code == 200
    r = c.post(f"/newsroom/publish/stories/{rich_story.pk}/versions/")
    assert r.status_code == 302 and ChannelVersion.objects.count() == 11
    for code in ("website", "wechat_oa", "newspaper", "radio", "tv", "douyin", "gov_site", "weibo"):
        page = c.get(f"/newsroom/publish/stories/{rich_story.pk}/versions/{code}/")
        assert page.status_code == 200, code
    tv = c.get(f"/newsroom/publish/stories/{rich_story.pk}/versions/tv/").content.decode()
    assert "画面" in tv and "解说" in tv and "[待补画面]" in tv
    pdf = c.get(f"/newsroom/publish/stories/{rich_story.pk}/versions/newspaper/proof.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] in ("application/pdf", "text/html; charset=utf-8")
    xml = c.get(f"/newsroom/publish/stories/{rich_story.pk}/versions/gov_site/gov.xml")
    assert xml.status_code == 200 and "索引号" in xml.content.decode()
    assert c.get(f"/newsroom/publish/stories/{rich_story.pk}/versions/radio/nonsense").status_code == 404
    assert c.get(f"/newsroom/publish/stories/{rich_story.pk}/versions/nochannel/").status_code == 404


def test_the_edit_form_shows_the_limit_and_keeps_what_was_typed(rich_story, editor):
    versions.generate(actor=editor, version=rich_story.current_version, channels=[ch("wechat_oa")])
    c = login(editor)
    url = f"/newsroom/publish/stories/{rich_story.pk}/versions/wechat_oa/"
    typed = "摘" * 130
    r = c.post(url, {"title": "标题", "digest": typed, "content_html": "<p>正文</p>", "author": "王小记"})
    assert r.status_code == 400 and typed in r.content.decode() and "120" in r.content.decode()
    r = c.post(url, {"title": "标题", "digest": "好摘要。", "content_html": "<p>正文</p>", "author": "王小记"})
    assert r.status_code == 302
    assert ChannelVersion.objects.get(channel__code="wechat_oa").content["digest"] == "好摘要。"


def test_a_reporter_sees_the_versions_without_a_form(rich_story, editor, reporter):
    versions.generate(actor=editor, version=rich_story.current_version, channels=[ch("radio")])
    c = login(reporter)
    page = c.get(f"/newsroom/publish/stories/{rich_story.pk}/versions/radio/")
    assert page.status_code == 200 and 'name="text"' not in page.content.decode()
    r = c.post(f"/newsroom/publish/stories/{rich_story.pk}/versions/radio/", {"title": "x", "text": "y"})
    assert r.status_code == 403


def test_approving_on_the_screen(rich_story, editor, chief, column_lead):
    versions.set_needs_review(actor=chief, channel=ch("radio"), needs_review=True)
    versions.generate(actor=editor, version=rich_story.current_version, channels=[ch("radio")])
    c = login(column_lead)  # the chief editor would first be sent to set up 2FA
    r = c.post(f"/newsroom/publish/stories/{rich_story.pk}/versions/radio/", {"action": "approve"})
    assert r.status_code == 302 and ChannelVersion.objects.get().state == CV.APPROVED


def test_a_story_without_a_signed_off_version_shows_a_message_not_an_error(reporter, team, editor):
    draft = factories.draft_story(reporter, team)
    c = login(editor)
    r = c.post(f"/newsroom/publish/stories/{draft.pk}/versions/", follow=True)
    assert r.status_code == 200 and ChannelVersion.objects.count() == 0
    assert c.get(f"/newsroom/publish/stories/{draft.pk}/versions/radio/").status_code == 200
    assert c.post(f"/newsroom/publish/stories/{draft.pk}/versions/radio/", {"text": "x"}).status_code == 200
    assert c.get(f"/newsroom/publish/stories/{draft.pk}/versions/gov_site/gov.xml").status_code == 404
