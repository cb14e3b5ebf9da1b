"""Trends: every series has a value for every day of the period, equal to the rollup or the
channel's figure of that day; the leading columns and authors by their views; the app's
registered users cumulative; the page for the leaders only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from rongmei.analytics.models import DailyRollup, Dimension, Via
from rongmei.dashboard import trends
from rongmei.dashboard.models import ChannelDay
from rongmei.distribution.models import Channel
from rongmei.practice.tests.test_manage_views import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D1, D2, D3 = dt.date(2026, 11, 1), dt.date(2026, 11, 2), dt.date(2026, 11, 3)


def test_series_follow_the_days_of_the_rollups(reporter, editor):
    from rongmei.portal.models import Column

    DailyRollup.objects.create(day=D1, dimension=Dimension.SITE, key=0, views=100, visitors=60, devices=70, reads=30)
    DailyRollup.objects.create(day=D3, dimension=Dimension.SITE, key=0, views=300, visitors=160, devices=170, reads=90)
    DailyRollup.objects.create(day=D1, dimension=Dimension.VIA, key=Via.APP, views=40)
    hot = Column.objects.create(name="头条", slug="toutiao")
    quiet = Column.objects.create(name="美丽乡村", slug="meili")
    DailyRollup.objects.create(day=D1, dimension=Dimension.COLUMN, key=hot.pk, views=500)
    DailyRollup.objects.create(day=D2, dimension=Dimension.COLUMN, key=quiet.pk, views=20)
    DailyRollup.objects.create(day=D2, dimension=Dimension.AUTHOR, key=reporter.pk, views=77)
    data = trends.trends(D1, D3)
    assert data["days"] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    site = {s["name"]: s["data"] for s in data["site"]}
    assert site["Page views"] == [100, 0, 300] and site["Daily active devices"] == [70, 0, 170]
    places = {s["name"]: s["data"] for s in data["places"]}
    assert places["App"] == [40, 0, 0] and places["Website"] == [0, 0, 0]
    assert [s["name"] for s in data["columns"]] == ["头条", "美丽乡村"]  # by views
    assert data["columns"][1]["data"] == [0, 20, 0]
    assert data["authors"] == [{"name": reporter.display_name, "data": [0, 77, 0]}]


def test_followers_and_reads_of_the_channels_and_the_apps_users(db):
    from rongmei.fans.models import Fan

    wechat, _ = Channel.objects.get_or_create(code="wechat_oa", defaults={"name": "微信公众号"})
    ChannelDay.objects.create(channel=wechat, day=D1, followers=1000, reads=300)
    ChannelDay.objects.create(channel=wechat, day=D3, followers=1010, reads=500)
    early = Fan.objects.create(phone="+8613800000001", nickname="老读者")
    Fan.objects.filter(pk=early.pk).update(created_at=timezone.make_aware(dt.datetime(2026, 10, 5, 9)))
    second = Fan.objects.create(phone="+8613800000002", nickname="新读者")
    Fan.objects.filter(pk=second.pk).update(created_at=timezone.make_aware(dt.datetime(2026, 11, 2, 20)))
    data = trends.trends(D1, D3)
    followers = {s["name"]: s["data"] for s in data["followers"]}
    assert followers[wechat.name] == [1000, None, 1010]  # a day not reported is no figure, not 0
    assert followers["App registered users"] == [1, 2, 2]
    assert {s["name"]: s["data"] for s in data["channel_reads"]}[wechat.name] == [300, 0, 500]


def test_the_page_carries_the_data_for_its_charts(client, editor, reporter):
    assert login(client, reporter).get(reverse("dashboard:trends")).status_code == 403
    response = login(client, editor).get(reverse("dashboard:trends"), {"start": "2026-11-01", "end": "2026-11-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/echarts.min.js" in html and 'id="trends-data"' in html
    start = html.index('id="trends-data"')
    payload = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert json.loads(payload)["days"] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert login(client, editor).get(reverse("dashboard:trends"), {"start": "2026-11-05", "end": "2026-11-01"}).status_code == 400


@pytest.mark.parametrize("params", [{"start": "0001-01-01", "end": "0001-01-02"}, {"end": "9999-12-31"}])
def test_absurd_dates_are_refused_not_a_500(client, editor, params):
    login(client, editor)
    assert client.get(reverse("dashboard:trends"), params).status_code == 400
    assert client.get(reverse("dashboard:reach"), params).status_code == 400


def test_the_rollups_series_wait_for_the_next_rollup_the_channels_do_not(db):
    from rongmei.analytics.models import RollupRun

    RollupRun.objects.create(day=D1, complete=True, finished_at=timezone.now() - dt.timedelta(hours=1))
    DailyRollup.objects.create(day=D1, dimension=Dimension.SITE, key=0, views=100)
    assert trends.trends(D1, D3)["site"][0]["data"] == [100, 0, 0]
    DailyRollup.objects.filter(day=D1).update(views=999)  # behind the rollup's back: not seen yet
    wechat, _ = Channel.objects.get_or_create(code="wechat_oa", defaults={"name": "微信公众号"})
    ChannelDay.objects.create(channel=wechat, day=D2, followers=5, reads=7)
    data = trends.trends(D1, D3)
    assert data["site"][0]["data"] == [100, 0, 0]
    assert {s["name"]: s["data"] for s in data["channel_reads"]}[wechat.name] == [0, 7, 0]  # at once
    RollupRun.objects.filter(day=D1).update(finished_at=timezone.now())  # the next rollup
    assert trends.trends(D1, D3)["site"][0]["data"] == [999, 0, 0]


def test_leading_articles_and_one_articles_day_by_day(client, editor, reporter, team, reviewers):
    from rongmei.testing import factories

    hot = factories.published_story(reporter, team, reviewers, headline="夏南牛节开幕")
    quiet = factories.published_story(reporter, team, reviewers, headline="花菇上市")
    DailyRollup.objects.create(day=D1, dimension=Dimension.ARTICLE, key=hot.pk, views=900, visitors=500, reads=300, shares=20)
    DailyRollup.objects.create(day=D1, dimension=Dimension.ARTICLE, key=hot.pk, via=Via.WECHAT, views=600)  # a place's row
    DailyRollup.objects.create(day=D3, dimension=Dimension.ARTICLE, key=quiet.pk, views=40, reads=4)
    data = trends.trends(D1, D3)
    assert [(s["name"], s["data"]) for s in data["articles"]] == [("夏南牛节开幕", [900, 0, 0]), ("花菇上市", [0, 0, 40])]
    one = trends.article(hot.pk, D1, D3)
    assert one["headline"] == "夏南牛节开幕"
    assert {s["name"]: s["data"] for s in one["series"]} == {
        "Page views": [900, 0, 0],
        "Visitors": [500, 0, 0],
        "Reads": [300, 0, 0],
        "Shares": [20, 0, 0],
    }
    assert trends.article(quiet.pk + 1000, D1, D3) is None

    login(client, editor)
    response = client.get(reverse("dashboard:trends"), {"start": "2026-11-01", "end": "2026-11-03", "article": str(hot.pk)})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="one-article"' in html and "夏南牛节开幕" in html
    for bad in ("abc", str(quiet.pk + 1000), "１２", "9" * 30):
        response = client.get(reverse("dashboard:trends"), {"article": bad})
        assert response.status_code == 404 and 'id="one-article"' not in response.content.decode()


def test_the_readership_page_links_articles_to_their_day_by_day_for_leaders_only(client, editor, reporter, team, reviewers):
    from rongmei.testing import factories

    story = factories.published_story(reporter, team, reviewers, headline="夏南牛节开幕")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    DailyRollup.objects.create(day=yesterday, dimension=Dimension.SITE, key=0, views=10)
    DailyRollup.objects.create(day=yesterday, dimension=Dimension.ARTICLE, key=story.pk, views=10)
    DailyRollup.objects.create(day=yesterday, dimension=Dimension.AUTHOR, key=reporter.pk, views=10)
    html = login(client, editor).get("/newsroom/readership/").content.decode()
    assert f"/dashboard/trends/?article={story.pk}&amp;start=" in html
    html = login(client, reporter).get("/newsroom/readership/").content.decode()
    assert "夏南牛节开幕" in html and 'data-testid="trend-link"' not in html
