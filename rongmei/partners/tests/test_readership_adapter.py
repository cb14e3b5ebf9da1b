"""Readership fetched through the WeChat Official Account adapter, against the local contract
server (wechat_datacube_server.py): the service, the task and the management command."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.models import AuditLog
from rongmei.distribution import credentials
from rongmei.distribution.adapters import wechat as distribution_wechat
from rongmei.partners import readership
from rongmei.partners import tasks as partner_tasks
from rongmei.partners.models import Account, Platform, Post, Quarter
from rongmei.partners.services import save_account
from rongmei.partners.tests.wechat_datacube_server import APPID, SECRET, DatacubeServer, article_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = timezone.localdate


def days_ago(n: int) -> dt.date:
    return TODAY() - dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def fresh_tokens():
    distribution_wechat.forget_tokens()
    yield
    distribution_wechat.forget_tokens()


@pytest.fixture
def wx():
    with DatacubeServer() as server:
        yield server


@pytest.fixture
def account(operator, partner, wx):
    account = save_account(actor=operator, partner=partner, platform=Platform.WECHAT, name="泌阳微帮公众号", handle="biyangweibang")
    return readership.configure_fetch(actor=operator, account=account, settings={"appid": APPID, "secret": SECRET, "base_url": wx.base_url})


def detail_requests(wx):
    return [r.form() for r in wx.to("/datacube/getarticletotaldetail")]


def test_fetched_figures_become_posts_with_their_reads(wx, account, partner):
    wx.add("2247490098_1", days_ago(3), "夏南牛节开幕", 4123)
    wx.add("2247490101_2", days_ago(2), "泌阳花菇上市", 880, published=False)  # 群发: not in the publishing records

    result = readership.fetch_account(account, since=days_ago(7), until=TODAY())

    assert (result.created, result.updated, result.skipped, result.errors) == (2, 0, 0, [])
    first = Post.objects.get(account=account, external_id="2247490098_1")
    assert (first.partner, first.title, first.reads, first.published_on) == (partner, "夏南牛节开幕", 4123, days_ago(3))
    assert (first.url, first.source, first.kind) == (article_url("2247490098_1"), Post.Source.ADAPTER, Post.Kind.ORIGINAL)
    second = Post.objects.get(account=account, external_id="2247490101_2")
    assert (second.title, second.url, second.reads) == ("WeChat article 2247490101_2", "", 880)
    account.refresh_from_db()
    assert account.last_fetched_at is not None and account.last_fetch_error == ""
    # One day per request, from `since` through yesterday (end_date may not pass yesterday).
    asked = detail_requests(wx)
    assert [r["begin_date"] for r in asked] == [days_ago(n).isoformat() for n in range(7, 0, -1)]
    assert all(r["begin_date"] == r["end_date"] for r in asked)


def test_a_second_fetch_updates_the_reads_without_duplicating(wx, account):
    article = wx.add("2247490098_1", days_ago(3), "夏南牛节开幕", 100)
    readership.fetch_account(account, since=days_ago(4), until=days_ago(1))
    article["reads"] = 2500

    result = readership.fetch_account(account, since=days_ago(4), until=days_ago(1))

    assert (result.created, result.updated) == (0, 1)
    assert Post.objects.filter(account=account).count() == 1
    assert Post.objects.get(account=account).reads == 2500


def test_an_expired_access_token_is_renewed(wx, account):
    wx.add("2247490098_1", days_ago(1), "夏南牛节开幕", 12)
    readership.fetch_account(account, since=days_ago(1), until=days_ago(1))
    assert wx.calls["/cgi-bin/stable_token"] == 1
    wx.faults = ["expire"]

    result = readership.fetch_account(account, since=days_ago(1), until=days_ago(1))

    assert result.errors == [] and result.updated == 1
    assert wx.calls["/cgi-bin/stable_token"] == 2  # the cached token was refused (42001), a new one taken


def test_a_wrong_secret_is_stored_as_a_clear_error(wx, operator, account):
    wx.add("2247490098_1", days_ago(1), "夏南牛节开幕", 12)
    readership.configure_fetch(
        actor=operator, account=account, settings={"appid": APPID, "secret": "wrong-secret", "base_url": wx.base_url}
    )
    account.refresh_from_db()

    result = readership.fetch_account(account, since=days_ago(2), until=days_ago(1))

    account.refresh_from_db()
    assert "AppSecret" in account.last_fetch_error and "40125" in account.last_fetch_error
    assert "wrong-secret" not in account.last_fetch_error
    assert result.errors == [account.last_fetch_error] and account.last_fetched_at is None
    assert not Post.objects.filter(account=account).exists()
    assert wx.calls["/datacube/getarticletotaldetail"] == 0


def test_posts_of_a_closed_quarter_are_skipped_and_counted(wx, operator, account):
    old_day = days_ago(100)
    closed = Quarter.objects.create(year=old_day.year, number=(old_day.month - 1) // 3 + 1, status=Quarter.Status.CLOSED)
    wx.add("2247480000_1", closed.end, "上季度的文章", 999)
    wx.add("2247490098_1", days_ago(1), "夏南牛节开幕", 12)

    result = readership.fetch_account(account, since=closed.end, until=days_ago(1))

    assert (result.created, result.skipped, result.errors) == (1, 1, [])
    assert list(Post.objects.filter(account=account).values_list("external_id", flat=True)) == ["2247490098_1"]


def test_a_busy_platform_is_a_stored_error_and_nothing_is_raised(wx, account):
    wx.add("2247490098_1", days_ago(1), "夏南牛节开幕", 12)
    wx.faults = ["busy"]

    result = readership.fetch_account(account, since=days_ago(1), until=days_ago(1))

    account.refresh_from_db()
    assert "busy" in account.last_fetch_error and result.errors
    wx.faults = []
    assert readership.fetch_account(account, since=days_ago(1), until=days_ago(1)).created == 1
    account.refresh_from_db()
    assert account.last_fetch_error == ""


def test_a_refused_date_range_says_so(wx, account):
    wx.refuse["/datacube/getarticletotaldetail"] = (61501, "date range error")
    result = readership.fetch_account(account, since=days_ago(1), until=days_ago(1))
    assert "61501" in result.errors[0] and "dates" in result.errors[0]


def test_without_the_publishing_records_the_figures_are_still_kept(wx, account):
    wx.add("2247490098_1", days_ago(1), "夏南牛节开幕", 12)
    wx.refuse["/cgi-bin/freepublish/batchget"] = (48001, "api unauthorized")
    result = readership.fetch_account(account, since=days_ago(1), until=days_ago(1))
    assert result.created == 1 and result.errors == []
    assert Post.objects.get(account=account).title == "WeChat article 2247490098_1"


def test_a_platform_without_an_interface_is_refused(operator, partner):
    account = save_account(actor=operator, partner=partner, platform=Platform.DOUYIN, name="泌阳微帮抖音")
    with pytest.raises(DomainError, match="no interface"):
        readership.fetch_account(account, since=days_ago(2), until=days_ago(1))
    with pytest.raises(DomainError, match="no interface"):
        readership.configure_fetch(actor=operator, account=account, settings={"appid": APPID})


def test_only_managers_configure_fetching_and_the_secret_is_stored_encrypted(wx, operator, partner_login, account):
    with pytest.raises(NotAllowed):
        readership.configure_fetch(actor=partner_login, account=account, settings={"appid": APPID, "secret": "x"})
    assert SECRET not in account.fetch_settings
    assert credentials.decrypt(account.fetch_settings) == {"appid": APPID, "secret": SECRET, "base_url": wx.base_url}
    # Saved again without the secret: the stored one stays.
    readership.configure_fetch(actor=operator, account=account, settings={"appid": APPID, "secret": "", "base_url": wx.base_url})
    account.refresh_from_db()
    assert credentials.decrypt(account.fetch_settings)["secret"] == SECRET
    logs = AuditLog.objects.filter(action="partner.fetch_settings")
    assert logs.count() == 2 and all(SECRET not in str(log.data) for log in logs)
    with pytest.raises(DomainError) as refused:
        readership.configure_fetch(actor=operator, account=account, settings={"appid": "", "secret": "x"})
    assert refused.value.field == "appid"


def test_the_task_and_the_command_fetch_every_configured_account(wx, account, operator, partner):
    wx.add("2247490098_1", days_ago(2), "夏南牛节开幕", 30)
    save_account(actor=operator, partner=partner, platform=Platform.WECHAT, name="未配置的公众号")  # no settings: left alone

    assert partner_tasks.fetch_readership.call(account.pk, 3) == {"created": 1, "updated": 0, "skipped": 0, "errors": []}
    wx.articles[0]["reads"] = 45
    call_command("partner_fetch_reads", "--days", "3")

    assert Post.objects.get(account=account).reads == 45
    assert Account.objects.get(name="未配置的公众号").last_fetched_at is None
