"""Published pages: written when a story goes live, is corrected or retracted; identical for every
reader; rebuilt when templates change."""

import pytest
from django.core.management import call_command

from rongmei.distribution import services as distribution
from rongmei.newsroom import services
from rongmei.portal import static_pages
from rongmei.portal.models import Column
from rongmei.testing import factories


@pytest.fixture
def column(db, team):
    col = Column.objects.create(name="新闻", slug="xinwen", kind=Column.Kind.ARTICLES, sort_order=1)
    col.teams.add(team)
    return col


def test_a_story_going_live_gets_its_page_and_the_home_and_its_column_are_written(
    reporter, team, reviewers, column, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        story = factories.published_story(reporter, team, reviewers, headline="泌阳县召开春耕生产动员会")
    page = static_pages.story_file(story.pk)
    html = page.read_text()
    assert "泌阳县召开春耕生产动员会" in html
    assert page.with_name("index.html.gz").is_file()
    # Nothing in it belongs to one reader: no CSRF token, no login state.
    assert "csrfmiddlewaretoken" not in html and "X-CSRFToken" not in html
    assert f'<link rel="canonical" href="http://127.0.0.1:8000/news/{story.pk}/">' in html
    assert "泌阳县召开春耕生产动员会" in static_pages.index_file().read_text()
    assert "泌阳县召开春耕生产动员会" in static_pages.column_file("xinwen").read_text()


def test_the_published_page_is_what_the_view_shows(client, reporter, team, reviewers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        story = factories.published_story(reporter, team, reviewers, headline="县融媒体中心开通云上泌阳客户端")
    from_view = client.get(f"/news/{story.pk}/").content.decode()
    from_file = static_pages.story_file(story.pk).read_text()
    assert from_view.split("<body", 1)[1].split("</footer>", 1)[0] == from_file.split("<body", 1)[1].split("</footer>", 1)[0]


def test_retraction_takes_the_page_down_at_once(reporter, team, reviewers, chief, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        story = factories.published_story(reporter, team, reviewers, headline="一篇将要撤下的稿件标题")
    assert static_pages.story_file(story.pk).is_file()
    with django_capture_on_commit_callbacks(execute=True):
        distribution.retract(actor=chief, story=story, reason="事实有误")
    assert not static_pages.story_file(story.pk).exists()
    assert not static_pages.story_file(story.pk).with_name("index.html.gz").exists()
    assert "一篇将要撤下的稿件标题" not in static_pages.index_file().read_text()


def test_a_page_is_never_written_for_a_story_that_is_not_live(reporter, team, reviewers, chief, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        story = factories.published_story(reporter, team, reviewers, headline="撤稿与重写同时发生的稿件")
        distribution.retract(actor=chief, story=story, reason="重复")
    assert static_pages.publish_story(story.pk) is False
    assert not static_pages.story_file(story.pk).exists()


def test_a_correction_rewrites_the_page(reporter, team, reviewers, django_capture_on_commit_callbacks):
    from rongmei.distribution.models import Channel

    with django_capture_on_commit_callbacks(execute=True):
        story = factories.published_story(reporter, team, reviewers, headline="泌阳花菇节开幕")
    before = static_pages.story_file(story.pk).read_text()
    services.save_version(actor=reporter, story=story, headline="第十届泌阳花菇节开幕", note="届次补正")
    services.release_lock(actor=reporter, story=story)
    for reviewer in reviewers:
        services.approve(actor=reviewer, story=story)
    story.refresh_from_db()
    assert static_pages.story_file(story.pk).read_text() == before  # signed off is not published
    with django_capture_on_commit_callbacks(execute=True):
        (pub,) = distribution.publish(actor=reviewers[-1], story=story, channels=[Channel.objects.get(code="website")])
        distribution.send(pub)
    after = static_pages.story_file(story.pk).read_text()
    assert "第十届泌阳花菇节开幕" in after and "届次补正" in after


def test_publish_pages_rebuilds_only_when_templates_changed(reporter, team, reviewers, column, monkeypatch, capsys):
    story = factories.published_story(reporter, team, reviewers, headline="部署后重建全部页面")
    static_pages.story_file(story.pk).unlink(missing_ok=True)
    stale = static_pages.root() / "news" / "999999"
    stale.mkdir(parents=True)
    (stale / "index.html").write_text("old")

    call_command("publish_pages", "--if-stale")
    assert static_pages.story_file(story.pk).is_file()
    assert not stale.exists()  # a page whose story is gone is removed
    assert "Published 1 articles" in capsys.readouterr().out

    call_command("publish_pages", "--if-stale")
    assert "are current" in capsys.readouterr().out

    monkeypatch.setattr(static_pages, "fingerprint", lambda: "templates changed")
    assert static_pages.is_stale()
    call_command("publish_pages", "--if-stale")
    assert "Published 1 articles" in capsys.readouterr().out


def test_changing_a_column_republishes_every_page_in_the_worker(column, settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

    with django_capture_on_commit_callbacks(execute=True):
        column.name = "要闻"
        column.save()
    assert DBTaskResult.objects.filter(task_path="rongmei.portal.tasks.publish_all_pages").exists()


def test_an_inactive_column_loses_its_page(column):
    static_pages.publish_column(column)
    assert static_pages.column_file("xinwen").is_file()
    column.active = False
    static_pages.publish_column(column)
    assert not static_pages.column_file("xinwen").exists()


def test_column_slugs_cannot_leave_the_pages_folder():
    with pytest.raises(ValueError):
        static_pages.column_file("../../etc")
