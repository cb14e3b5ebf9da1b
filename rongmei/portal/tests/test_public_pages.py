import pytest

from rongmei.newsroom import services
from rongmei.newsroom.models import Story
from rongmei.testing import factories

BODY_V2 = "<p>改版后的正文：盘古山景区新开了三条登山步道，泌阳花菇也进了景区商店。</p>"


@pytest.fixture
def reviewers(editor, column_lead, chief):
    return [editor, column_lead, chief]


@pytest.fixture
def signed_off(reporter, team, reviewers):
    return factories.signed_off_story(reporter, team, reviewers, headline="铜山湖夏南牛节开幕")


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


def test_a_new_version_after_sign_off_leaves_the_public_page_until_signed_off_again(client, signed_off, reporter, reviewers):
    services.save_version(actor=reporter, story=signed_off, body=BODY_V2, note="补充盘古山内容")
    signed_off.refresh_from_db()
    # save_version restarts review: the story is back at level 1 and its sign-off is cleared.
    assert signed_off.state == Story.State.IN_REVIEW
    assert signed_off.signed_off_at is None
    assert client.get(f"/news/{signed_off.pk}/").status_code == 404
    assert "铜山湖夏南牛节开幕" not in client.get("/").content.decode()

    services.release_lock(actor=reporter, story=signed_off)
    for reviewer in reviewers:
        services.approve(actor=reviewer, story=signed_off)
    response = client.get(f"/news/{signed_off.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "盘古山景区新开了三条登山步道" in html
    assert "接待游客同比增长两成" not in html


def test_index_query_count_does_not_grow_with_stories(client, reporter, team, reviewers, django_assert_num_queries):
    for n in range(5):
        factories.signed_off_story(reporter, team, reviewers, headline=f"泌阳新闻第{n}条稿件")
    # One COUNT for the paginator, one SELECT with team and current version joined.
    with django_assert_num_queries(2):
        response = client.get("/")
    assert response.content.decode().count('class="story-item"') == 5


def test_story_page_query_count_is_fixed(client, reporter, reporter2, team, reviewers, django_assert_num_queries):
    story = factories.signed_off_story(reporter, team, reviewers)
    story.authors.add(reporter2)  # a second author must not cost another query
    # The story with team and version joined, and its authors.
    with django_assert_num_queries(2):
        response = client.get(f"/news/{story.pk}/")
    assert response.status_code == 200
    assert "陈二记" in response.content.decode()


def test_index_pages_through_many_stories(client, reporter, team, reviewers, monkeypatch):
    from rongmei.portal import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(3):
        factories.signed_off_story(reporter, team, reviewers, headline=f"泌阳新闻第{n}条稿件")
    first = client.get("/").content.decode()
    assert first.count('class="story-item"') == 2
    assert "?page=2" in first
    second = client.get("/?page=2").content.decode()
    assert second.count('class="story-item"') == 1
