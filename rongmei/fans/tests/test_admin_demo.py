import pytest

from rongmei.fans import demo, selectors
from rongmei.fans.models import ColumnFollow, Fan, FanNotification, Like
from rongmei.fans.notify import notify_fan
from rongmei.fans.tests.conftest import make_fan
from rongmei.portal.models import Column
from rongmei.testing import factories


@pytest.mark.parametrize("model", ["like", "columnfollow", "fannotification", "storyannouncement"])
def test_staff_see_likes_follows_and_messages_in_the_admin_but_do_not_write_them(admin_client, reporter, team, reviewers, model):
    from rongmei.fans import services

    story = factories.published_story(reporter, team, reviewers)
    column = Column.objects.create(name="头条", slug="toutiao")
    column.teams.add(team)
    fan = make_fan()
    services.like(fan=fan, story_id=story.pk)
    services.follow(fan=fan, column_slug="toutiao")
    notify_fan(fan, kind="x", text="后台可见的消息")
    services.announce_new_story(story_id=story.pk)
    listing = admin_client.get(f"/admin/fans/{model}/")
    assert listing.status_code == 200
    assert admin_client.get(f"/admin/fans/{model}/add/").status_code == 403


def test_the_demo_seeds_readers_who_follow_like_and_have_messages_and_runs_again_safely(reporter, team, reviewers, other_team):
    toutiao = Column.objects.create(name="头条", slug="toutiao", sort_order=10)
    toutiao.teams.add(team)
    Column.objects.create(name="魅力泌阳", slug="meili", sort_order=20).teams.add(other_team)
    Fan.objects.create(phone="+8613800000001", nickname="已有的昵称")
    stories = [factories.published_story(reporter, team, reviewers, headline=f"泌阳新闻第{n}条稿件") for n in range(4)]
    made = demo.seed_demo()
    assert made["fans"] == len(demo.DEMO_FANS) - 1 and made["announcements"] == 2
    assert Fan.objects.get(phone="+8613800000001").nickname == "已有的昵称"  # kept
    assert ColumnFollow.objects.filter(column=toutiao).count() == 3
    counts = {s.pk: selectors.like_count(s.pk) for s in stories}
    assert all(counts.values()) and len(set(counts.values())) > 1
    first = Fan.objects.get(phone="+8613800000001")
    assert first.notifications.count() == 2 and selectors.unread_count(first) == 1
    before = (Like.objects.count(), FanNotification.objects.count(), ColumnFollow.objects.count())
    again = demo.seed_demo()
    assert sum(again.values()) == 0
    assert (Like.objects.count(), FanNotification.objects.count(), ColumnFollow.objects.count()) == before
