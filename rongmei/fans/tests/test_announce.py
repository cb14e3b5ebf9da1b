"""A story going live on the site tells the followers of its columns, once."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from rongmei.core.models import AuditLog
from rongmei.distribution import services as distribution
from rongmei.distribution.models import Channel, Publication
from rongmei.fans import services
from rongmei.fans.models import FanNotification, StoryAnnouncement
from rongmei.fans.tests.conftest import make_fan
from rongmei.newsroom import services as newsroom
from rongmei.portal.models import Column
from rongmei.testing import factories


@pytest.fixture
def columns(team, other_team):
    toutiao = Column.objects.create(name="头条", slug="toutiao", sort_order=10)
    toutiao.teams.add(team)
    meili = Column.objects.create(name="魅力泌阳", slug="meili", sort_order=20)
    meili.teams.add(team)
    renda = Column.objects.create(name="智慧人大", slug="renda", sort_order=30)
    renda.teams.add(other_team)
    hidden = Column.objects.create(name="隐藏栏目", slug="hidden", sort_order=40)
    hidden.teams.add(team)
    return {c.slug: c for c in (toutiao, meili, renda, hidden)}


@pytest.fixture
def readers(columns):
    """both: follows two columns carrying the team's stories; one: one of them; elsewhere: a
    column of another team; banned: banned since following; hidden: a column hidden since."""
    fans = {name: make_fan(f"+861380013800{i}") for i, name in enumerate(["both", "one", "elsewhere", "banned", "hidden", "none"])}
    for name, slugs in {
        "both": ["toutiao", "meili"],
        "one": ["meili"],
        "elsewhere": ["renda"],
        "banned": ["toutiao"],
        "hidden": ["hidden"],
    }.items():
        for slug in slugs:
            services.follow(fan=fans[name], column_slug=slug)
    fans["banned"].banned = True
    fans["banned"].save()
    Column.objects.filter(slug="hidden").update(active=False)
    return fans


def _publish(reporter, team, reviewers, capture, **kwargs):
    with capture(execute=True):
        return factories.published_story(reporter, team, reviewers, **kwargs)


def test_publishing_on_the_site_tells_each_follower_once(
    reporter, team, reviewers, readers, immediate_tasks, django_capture_on_commit_callbacks
):
    story = _publish(
        reporter, team, reviewers, django_capture_on_commit_callbacks, headline="铜山湖夏南牛节开幕", channels=("website", "app")
    )
    notes = FanNotification.objects.filter(kind=services.NEW_STORY_KIND)
    assert sorted(n.fan_id for n in notes) == sorted([readers["both"].pk, readers["one"].pk])
    by_fan = {n.fan_id: n for n in notes}
    # The first followed column in the app's order names it; the link is the article page.
    assert by_fan[readers["both"].pk].text == "New in 头条: 铜山湖夏南牛节开幕"
    assert by_fan[readers["one"].pk].text == "New in 魅力泌阳: 铜山湖夏南牛节开幕"
    assert by_fan[readers["one"].pk].url == f"/news/{story.pk}/" and by_fan[readers["one"].pk].read_at is None
    announcement = StoryAnnouncement.objects.get()
    assert announcement.story_id == story.pk and announcement.notified == 2
    line = AuditLog.objects.get(action="story.announced")
    assert line.actor is None and line.subject_id == str(story.pk) and line.data == {"columns": ["toutiao", "meili"], "notified": 2}


def test_a_correction_is_not_announced_again(reporter, team, reviewers, readers, immediate_tasks, django_capture_on_commit_callbacks):
    story = _publish(reporter, team, reviewers, django_capture_on_commit_callbacks)
    assert FanNotification.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        newsroom.save_version(actor=reporter, story=story, body="<p>盘古山景区新开了三条登山步道。</p>", note="补充盘古山内容")
        newsroom.release_lock(actor=reporter, story=story)
        for reviewer in reviewers:
            newsroom.approve(actor=reviewer, story=story)
        (pub,) = distribution.publish(actor=reviewers[-1], story=story, channels=[Channel.objects.get(code="website")])
        distribution.send(pub)
    assert Publication.objects.filter(story=story, state=Publication.State.PUBLISHED).count() == 2
    assert FanNotification.objects.count() == 2 and StoryAnnouncement.objects.count() == 1
    assert services.announce_new_story(story_id=story.pk) == "already"


def test_other_channels_and_other_states_do_not_announce(reporter, team, reviewers, readers, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    story = factories.signed_off_story(reporter, team, reviewers)
    with django_capture_on_commit_callbacks(execute=True):
        (pub,) = distribution.publish(actor=reviewers[-1], story=story, channels=[Channel.objects.get(code="website")])
        Publication.objects.create(
            story=story, version=pub.version, channel=Channel.objects.get(code="weibo"), requested_by=reviewers[-1], state="published"
        )
    # Waiting on the site, published on Weibo: nothing for the followers yet.
    assert not DBTaskResult.objects.filter(task_path="rongmei.fans.tasks.announce_story").exists()
    assert services.announce_new_story(story_id=story.pk) == "not_live"
    assert not FanNotification.objects.exists()


def test_the_announcement_is_a_task_in_the_queue(reporter, team, reviewers, readers, settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    story = _publish(reporter, team, reviewers, django_capture_on_commit_callbacks)
    queued = DBTaskResult.objects.get(task_path="rongmei.fans.tasks.announce_story")
    assert queued.args_kwargs["args"] == [story.pk]
    assert not FanNotification.objects.exists()  # nothing until the worker runs it
    from rongmei.fans.tasks import announce_story

    assert announce_story.call(story.pk) == "announced"
    assert announce_story.call(story.pk) == "already"
    assert FanNotification.objects.count() == 2


def test_a_queue_outage_does_not_fail_the_publication(reporter, team, reviewers, readers, monkeypatch, django_capture_on_commit_callbacks):
    from rongmei.fans import tasks

    class QueueDown:
        name = "announce_story"

        def enqueue(self, *args, **kwargs):
            raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "announce_story", QueueDown())
    story = _publish(reporter, team, reviewers, django_capture_on_commit_callbacks)
    assert story.state == "published" and not FanNotification.objects.exists()
    # The sweep announces what the lost task would have.
    out = io.StringIO()
    call_command("announce_new_stories", stdout=out)
    assert "1 new articles announced." in out.getvalue()
    assert FanNotification.objects.count() == 2
    assert services.announce_due() == 0


def test_old_news_is_not_announced(reporter, team, reviewers, readers):
    story = factories.published_story(reporter, team, reviewers)
    later = timezone.now() + services.ANNOUNCE_MAX_AGE + dt.timedelta(minutes=1)
    assert services.announce_new_story(story_id=story.pk, now=later) == "too_old"
    assert services.announce_due(now=later) == 0
    assert not FanNotification.objects.exists() and not StoryAnnouncement.objects.exists()


def test_a_story_without_followers_is_announced_to_nobody_once(reporter, team, reviewers, columns):
    story = factories.published_story(reporter, team, reviewers)
    assert services.announce_new_story(story_id=story.pk) == "announced"
    assert StoryAnnouncement.objects.get().notified == 0
    assert services.announce_new_story(story_id=story.pk) == "already"
