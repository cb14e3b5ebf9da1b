import pytest

from rongmei.newsroom import services
from rongmei.newsroom.models import Story
from rongmei.testing import factories

BODY_V2 = "<p>改版后的正文：盘古山景区新开了三条登山步道，泌阳花菇也进了景区商店。</p>"


@pytest.fixture
def signed_off(reporter, team, reviewers):
    """Signed off and published on the website (the portal shows what is published there)."""
    return factories.published_story(reporter, team, reviewers, headline="铜山湖夏南牛节开幕")


def test_a_signed_off_story_not_yet_published_on_the_site_is_not_public(client, reporter, team, reviewers):
    story = factories.signed_off_story(reporter, team, reviewers, headline="终审通过尚未发布")
    assert client.get(f"/news/{story.pk}/").status_code == 404
    assert "终审通过尚未发布" not in client.get("/").content.decode()


def test_index_lists_signed_off_stories_with_team_and_date(client, signed_off):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "铜山湖夏南牛节开幕" in html
    assert "新闻组" in html
    assert f"/news/{signed_off.pk}/" in html


def test_index_has_no_newsroom_links(client, signed_off):
    html = client.get("/").content.decode()
    assert "/newsroom/" not in html


def test_story_page_shows_the_signed_off_version(client, signed_off, reporter):
    response = client.get(f"/news/{signed_off.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "铜山湖夏南牛节开幕" in html
    assert factories.BODY in html  # sanitized markup, rendered as HTML, not escaped
    assert reporter.display_name in html
    assert str(signed_off.current_version.word_count) in html
    assert "/newsroom/" not in html


def test_draft_and_in_review_stories_are_not_public(client, reporter, team):
    draft = factories.draft_story(reporter, team, headline="盘古山草稿一篇")
    in_review = factories.story_in_review(reporter, team, headline="泌阳花菇送审一篇")
    assert client.get(f"/news/{draft.pk}/").status_code == 404
    assert client.get(f"/news/{in_review.pk}/").status_code == 404
    html = client.get("/").content.decode()
    assert "盘古山草稿一篇" not in html and "泌阳花菇送审一篇" not in html


def test_a_story_approved_at_two_of_three_levels_is_not_public(client, reporter, team, editor, column_lead):
    story = factories.signed_off_story(reporter, team, [editor, column_lead], headline="两审通过未终审")
    assert story.state == Story.State.IN_REVIEW
    assert client.get(f"/news/{story.pk}/").status_code == 404


def test_unknown_story_is_404(client, db):
    assert client.get("/news/999999/").status_code == 404


def test_unsaved_edits_after_sign_off_never_reach_the_public(client, signed_off, reporter):
    services.autosave(actor=reporter, story=signed_off, headline="未经审核的新标题", body="<p>未经审核的内容</p>")
    html = client.get(f"/news/{signed_off.pk}/").content.decode()
    assert "未经审核" not in html
    assert "铜山湖夏南牛节开幕" in html
    assert "未经审核" not in client.get("/").content.decode()


def test_a_correction_stays_out_until_signed_off_and_published_then_replaces_the_old_version(client, signed_off, reporter, reviewers):
    from rongmei.core.exceptions import DomainError
    from rongmei.distribution import services as distribution
    from rongmei.distribution.models import Channel

    with pytest.raises(DomainError) as e:
        services.save_version(actor=reporter, story=signed_off, body=BODY_V2)
    assert e.value.field == "note"  # a correction says what it corrects
    services.save_version(actor=reporter, story=signed_off, body=BODY_V2, note="补充盘古山内容")
    signed_off.refresh_from_db()
    # The correction goes through review; the published version stays public meanwhile.
    assert signed_off.state == Story.State.IN_REVIEW and signed_off.current_version.number == 2
    html = client.get(f"/news/{signed_off.pk}/").content.decode()
    assert "接待游客同比增长两成" in html and "盘古山景区新开了三条登山步道" not in html

    services.release_lock(actor=reporter, story=signed_off)
    for reviewer in reviewers:
        services.approve(actor=reviewer, story=signed_off)
    # Signed off is not published: still version 1 on the site.
    assert "盘古山景区新开了三条登山步道" not in client.get(f"/news/{signed_off.pk}/").content.decode()
    signed_off.refresh_from_db()
    (pub,) = distribution.publish(actor=reviewers[-1], story=signed_off, channels=[Channel.objects.get(code="website")])
    distribution.send(pub)
    pub.refresh_from_db()
    assert pub.payload["correction"]["replaces"]["version"] == 1 and pub.payload["correction"]["note"] == "补充盘古山内容"
    html = client.get(f"/news/{signed_off.pk}/").content.decode()
    assert "盘古山景区新开了三条登山步道" in html and "接待游客同比增长两成" not in html
    assert "补充盘古山内容" in html  # the correction says so on the page
    signed_off.refresh_from_db()
    assert signed_off.state == Story.State.PUBLISHED
    (entry,) = [e for e in audit_entries(signed_off) if e.action == "story.correction"]
    assert entry.data["fields"] == ["body"] and entry.data["replaces"] == 1


def audit_entries(story):
    from rongmei.core.audit import history

    return list(history(story))


def test_index_query_count_does_not_grow_with_stories(client, reporter, team, reviewers, django_assert_num_queries):
    for n in range(5):
        factories.published_story(reporter, team, reviewers, headline=f"泌阳新闻第{n}条稿件")
    # One COUNT for the paginator, one SELECT of stories with their team, one of their live
    # site publications with the versions, one of the columns for the navigation, one of the
    # home page's features (none here: no more).
    with django_assert_num_queries(5):
        response = client.get("/")
    assert response.content.decode().count('class="story-item"') == 5


def test_story_page_query_count_is_fixed(client, reporter, reporter2, team, reviewers, django_assert_num_queries):
    for n in range(3):  # candidates for related reading must not cost a query each
        factories.published_story(reporter, team, reviewers, headline=f"铜山湖畔夏南牛养殖户第{n}篇")
    story = factories.published_story(reporter, team, reviewers)
    story.authors.add(reporter2)  # a second author must not cost another query
    # The story with its team, its live site publications with versions, its authors, the
    # columns, the column its ad targets, its audio, the related stories with their live
    # publications; the first time also the candidates for related reading with theirs (then the
    # choice is cached).
    with django_assert_num_queries(10):
        response = client.get(f"/news/{story.pk}/")
    with django_assert_num_queries(8):
        response = client.get(f"/news/{story.pk}/")
    assert response.status_code == 200
    assert "陈二记" in response.content.decode()


def test_index_pages_through_many_stories(client, reporter, team, reviewers, monkeypatch):
    from rongmei.portal import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    for n in range(3):
        factories.published_story(reporter, team, reviewers, headline=f"泌阳新闻第{n}条稿件")
    first = client.get("/").content.decode()
    assert first.count('class="story-item"') == 2
    assert "?page=2" in first
    second = client.get("/?page=2").content.decode()
    assert second.count('class="story-item"') == 1


def _story_with_photo(settings, tmp_path, reporter, team, reviewers, *, publish: bool):
    from rongmei.distribution.tests.test_versions_support import attach

    settings.MEDIA_ROOT = str(tmp_path)
    story = factories.signed_off_story(reporter, team, reviewers, headline="盘古山红叶节开幕")
    asset = attach(story, reporter, "image", "红叶", {"web_1280_jpg": "web_1280_jpg/leaves.jpg"}, caption="盘古山红叶")
    path = tmp_path / "renditions" / str(asset.pk) / "web_1280_jpg" / "leaves.jpg"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xd8\xff\xe0 fake jpeg bytes")
    (tmp_path / "renditions" / "secret.txt").write_text("not public")
    if publish:
        from rongmei.distribution import services as distribution
        from rongmei.distribution.models import Channel

        (pub,) = distribution.publish(actor=reviewers[-1], story=story, channels=[Channel.objects.get(code="website")])
        distribution.send(pub)
    return story, asset


def test_the_published_page_shows_its_photos_from_public_urls_and_a_retraction_takes_them_away(
    client, settings, tmp_path, reporter, team, reviewers
):
    from rongmei.distribution import services as distribution

    story, asset = _story_with_photo(settings, tmp_path, reporter, team, reviewers, publish=True)
    html = client.get(f"/news/{story.pk}/").content.decode()
    src = f"/news/media/{asset.pk}/web_1280_jpg/leaves.jpg"
    assert src in html and "盘古山红叶" in html
    assert "/newsroom/" not in html  # no staff-only media URLs on the public page
    response = client.get(src)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\xff\xd8")
    # no way out of the asset's folder
    assert client.get(f"/news/media/{asset.pk}/../secret.txt").status_code == 404
    distribution.retract(actor=reviewers[-1], story=story, reason="图片授权问题")
    assert client.get(src).status_code == 404
    assert client.get(f"/news/{story.pk}/").status_code == 404


def test_media_of_a_story_not_published_on_the_site_are_not_public(client, settings, tmp_path, reporter, team, reviewers):
    _story, asset = _story_with_photo(settings, tmp_path, reporter, team, reviewers, publish=False)
    assert client.get(f"/news/media/{asset.pk}/web_1280_jpg/leaves.jpg").status_code == 404
