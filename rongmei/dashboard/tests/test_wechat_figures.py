"""The center's WeChat official account figures fetched from WeChat's statistics interface,
against the local contract server (partners/tests/wechat_datacube_server.py): the service, the
button on the reach page and the cron command."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.models import AuditLog
from rongmei.dashboard import reach, wechat_figures
from rongmei.dashboard.models import ChannelDay
from rongmei.distribution import credentials
from rongmei.distribution.adapters import wechat as distribution_wechat
from rongmei.distribution.models import Channel
from rongmei.partners.tests.wechat_datacube_server import APPID, SECRET, DatacubeServer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def fresh_tokens():
    distribution_wechat.forget_tokens()
    yield
    distribution_wechat.forget_tokens()


@pytest.fixture
def wx():
    with DatacubeServer() as server:
        for n in range(1, 9):
            server.followers[days_ago(n)] = 200_000 - 100 * n
        for n in range(1, 8):
            server.summary[days_ago(n)] = {
                "read_user": 10_000 + n,
                "share_user": 300 + n,
                "zaikan_user": 40,
                "like_user": 200 + n,
                "comment_count": 12,
                "collection_user": 9,
            }
        server.add("2247490098_1", days_ago(2), "夏南牛节开幕", 4123)
        server.add("2247490098_2", days_ago(2), "铜山湖景区迎客", 880)
        server.add("2247490101_1", days_ago(3), "泌阳花菇上市", 1500, published=False)
        yield server


@pytest.fixture
def channel(wx):
    channel, _ = Channel.objects.get_or_create(code=Channel.Code.WECHAT_OA, defaults={"name": "云上泌阳公众号"})
    channel.credentials = credentials.encrypt({"adapter": "wechat", "appid": APPID, "secret": SECRET, "base_url": wx.base_url})
    channel.save()
    return channel


def day_of(channel, n):
    return ChannelDay.objects.get(channel=channel, day=days_ago(n))


def test_a_week_of_figures_is_fetched_and_saved_as_the_platforms(wx, channel, editor):
    fetched = wechat_figures.fetch(actor=editor, since=days_ago(7), until=timezone.localdate())  # cut at yesterday

    assert (fetched.days, fetched.first, fetched.last) == (7, days_ago(7), days_ago(1))
    two = day_of(channel, 2)
    assert (two.followers, two.reads, two.shares, two.likes, two.comments) == (199_800, 10_002, 302, 242, 12)
    assert (two.posts, two.top_reads, two.source, two.updated_by) == (2, 4123, ChannelDay.Source.ADAPTER, editor)
    assert (day_of(channel, 3).posts, day_of(channel, 3).top_reads) == (1, 1500)
    assert (day_of(channel, 5).posts, day_of(channel, 5).top_reads, day_of(channel, 5).reads) == (0, 0, 10_005)
    assert ChannelDay.objects.filter(channel=channel).count() == 7
    # One getusercumulate for the week (7 days a call), the others a day at a time.
    assert len(wx.to("/datacube/getusercumulate")) == 1
    assert len(wx.to("/datacube/getbizsummary")) == len(wx.to("/datacube/getarticletotaldetail")) == 7
    log = AuditLog.objects.get(action="dashboard.channel_fetch")
    assert log.actor == editor and log.data["days"][0] == days_ago(7).isoformat()


def test_fetching_again_updates_the_days_and_replaces_an_uploaded_one(wx, channel, editor):
    ChannelDay.objects.create(channel=channel, day=days_ago(1), reads=5, source=ChannelDay.Source.UPLOAD, updated_by=editor)
    wechat_figures.fetch(actor=editor, since=days_ago(3), until=days_ago(1))
    wx.summary[days_ago(1)]["read_user"] = 77_777
    wechat_figures.fetch(actor=None, since=days_ago(3), until=days_ago(1))

    assert ChannelDay.objects.filter(channel=channel).count() == 3
    one = day_of(channel, 1)
    assert (one.reads, one.source, one.updated_by) == (77_777, ChannelDay.Source.ADAPTER, None)


def test_a_span_longer_than_a_week_asks_for_followers_in_weeks(wx, channel, editor):
    for n in range(9, 20):
        wx.followers[days_ago(n)] = 190_000
    wechat_figures.fetch(actor=editor, since=days_ago(19), until=days_ago(1))
    assert len(wx.to("/datacube/getusercumulate")) == 3  # 19 days: 7 + 7 + 5
    # Days WeChat gave no summary for are not written with reads of 0.
    assert sorted(ChannelDay.objects.values_list("day", flat=True)) == [days_ago(n) for n in range(7, 0, -1)]


def test_a_day_still_being_counted_is_left_as_it_was_and_a_piece_listed_twice_counts_once(wx, channel, editor):
    ChannelDay.objects.create(channel=channel, day=days_ago(1), reads=9_999, posts=3, updated_by=editor)
    wx.delayed.add(days_ago(1))
    wx.add("2247490098_1", days_ago(2), "夏南牛节开幕", 4123)  # the same piece again
    fetched = wechat_figures.fetch(actor=editor, since=days_ago(2), until=days_ago(1))
    assert fetched.days == 1
    assert (day_of(channel, 1).reads, day_of(channel, 1).posts, day_of(channel, 1).source) == (9_999, 3, ChannelDay.Source.UPLOAD)
    assert (day_of(channel, 2).posts, day_of(channel, 2).top_reads) == (2, 4123)


@pytest.mark.parametrize(
    ("refusal", "words"),
    [
        ((48001, "api unauthorized"), "only verified accounts"),
        ((40164, "invalid ip"), "IP allow list"),
        ((45009, "reach max api daily quota limit"), "busy"),
    ],
)
def test_a_refusal_half_way_says_what_to_do_and_writes_nothing(wx, channel, editor, refusal, words):
    wx.refuse["/datacube/getbizsummary"] = refusal
    with pytest.raises(DomainError) as refused:
        wechat_figures.fetch(actor=editor, since=days_ago(3), until=days_ago(1))
    assert words in refused.value.message
    assert not ChannelDay.objects.exists() and not AuditLog.objects.filter(action="dashboard.channel_fetch").exists()


def test_a_wrong_secret_is_named_and_nothing_is_written(wx, channel, editor):
    channel.credentials = credentials.encrypt({"adapter": "wechat", "appid": APPID, "secret": "wrong", "base_url": wx.base_url})
    channel.save()
    with pytest.raises(DomainError) as refused:
        wechat_figures.fetch(actor=editor, since=days_ago(2), until=days_ago(1))
    assert "AppID or the AppSecret" in refused.value.message and not ChannelDay.objects.exists()


def test_what_is_refused_before_asking_wechat(wx, channel, editor, reporter):
    with pytest.raises(NotAllowed):
        wechat_figures.fetch(actor=reporter, since=days_ago(2), until=days_ago(1))
    with pytest.raises(DomainError, match="up to yesterday"):
        wechat_figures.fetch(actor=editor, since=timezone.localdate(), until=timezone.localdate())
    with pytest.raises(DomainError, match="at most 62 days"):
        wechat_figures.fetch(actor=editor, since=days_ago(80), until=days_ago(1))
    channel.credentials = ""
    channel.save()
    with pytest.raises(DomainError, match="no AppID and secret"):
        wechat_figures.fetch(actor=editor, since=days_ago(2), until=days_ago(1))
    assert not wx.to("/datacube/getbizsummary")


def test_the_button_on_the_reach_page_and_the_index_it_feeds(client, wx, channel, editor, reporter):
    client.force_login(editor)
    page = client.get("/dashboard/reach/").content.decode()
    assert 'id="fetch-wechat"' in page
    response = client.post("/dashboard/reach/fetch-wechat/", follow=True)
    assert response.status_code == 200 and "7 days of figures fetched from WeChat." in response.content.decode()
    assert ChannelDay.objects.filter(channel=channel, source=ChannelDay.Source.ADAPTER).count() == 7
    wechat = next(c for c in reach.index(days_ago(7), days_ago(1)).channels if c.code == "wechat_oa")
    assert wechat.days == 7 and wechat.index is not None

    wx.refuse["/datacube/getusercumulate"] = (48001, "api unauthorized")
    response = client.post("/dashboard/reach/fetch-wechat/", follow=True)
    assert "only verified accounts" in response.content.decode()

    client.force_login(reporter)
    assert client.post("/dashboard/reach/fetch-wechat/").status_code == 403


def test_no_button_without_the_channels_credentials(client, db, editor):
    Channel.objects.filter(code=Channel.Code.WECHAT_OA).update(credentials="")
    client.force_login(editor)
    assert 'id="fetch-wechat"' not in client.get("/dashboard/reach/").content.decode()


def test_the_cron_command(wx, channel, capsys):
    call_command("dashboard_fetch_channels", "--days", "3")
    assert "3 days fetched" in capsys.readouterr().out
    assert ChannelDay.objects.filter(channel=channel).count() == 3
    with pytest.raises(CommandError):
        call_command("dashboard_fetch_channels", "--days", "0")
    wx.refuse["/datacube/getusercumulate"] = (40164, "invalid ip")
    with pytest.raises(CommandError, match="IP allow list"):
        call_command("dashboard_fetch_channels")
    Channel.objects.filter(pk=channel.pk).update(credentials="")
    call_command("dashboard_fetch_channels")
    assert "nothing to fetch" in capsys.readouterr().out
