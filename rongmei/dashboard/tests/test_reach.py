"""The reach index (传播力指数): figures of a period computed by hand, the overall index weighted over
the channels with figures, our own channels from the readership rollups, the upload of a channel's
daily figures (bad rows refused by number, the rest kept, a day updated not doubled), the
weights (who may, what is refused, audited)."""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from rongmei.analytics.models import DailyRollup, Dimension, Via
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.models import AuditLog
from rongmei.dashboard import channel_import, reach
from rongmei.dashboard.models import ChannelDay, ReachWeights
from rongmei.distribution.models import Channel
from rongmei.practice.tests.test_manage_views import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D1 = dt.date(2026, 11, 1)
D2 = dt.date(2026, 11, 2)


@pytest.fixture
def channels(db):
    made = {}
    for code, name in (("wechat_oa", "微信公众号"), ("weibo", "微博"), ("douyin", "抖音"), ("website", "网站"), ("app", "客户端")):
        made[code], _ = Channel.objects.get_or_create(code=code, defaults={"name": name})
    return made


def _expected(reads, top, engagement, followers, w=(45, 15, 25, 15)):
    logs = [math.log1p(reads), math.log1p(top), math.log1p(engagement), math.log1p(followers)]
    return 100 * sum(wi * li for wi, li in zip(w, logs, strict=True)) / sum(w)


def test_a_channels_index_from_its_days_by_hand(channels):
    ChannelDay.objects.create(
        channel=channels["wechat_oa"], day=D1, followers=20000, reads=3000, top_reads=1800, likes=50, shares=30, comments=20
    )
    ChannelDay.objects.create(
        channel=channels["wechat_oa"], day=D2, followers=20400, reads=5000, top_reads=4100, likes=90, shares=40, comments=10
    )
    result = reach.index(D1, D2)
    wechat = next(c for c in result.channels if c.code == "wechat_oa")
    assert wechat.days == 2
    parts = {p.key: p for p in wechat.parts}
    assert parts["reads"].value == 4000 and parts["top_reads"].value == 4100
    assert parts["engagement"].value == 120 and parts["followers"].value == 20400  # the last count
    assert wechat.index == pytest.approx(_expected(4000, 4100, 120, 20400))
    assert sum(p.contribution for p in wechat.parts) == pytest.approx(wechat.index)


def test_the_overall_index_weights_the_channels_with_figures_only(channels):
    ChannelDay.objects.create(channel=channels["wechat_oa"], day=D1, followers=20000, reads=3000, top_reads=1800, likes=100)
    ChannelDay.objects.create(channel=channels["douyin"], day=D1, followers=5000, reads=90000, top_reads=80000, likes=3000, comments=400)
    result = reach.index(D1, D1)
    wechat = next(c for c in result.channels if c.code == "wechat_oa")
    douyin = next(c for c in result.channels if c.code == "douyin")
    weibo = next(c for c in result.channels if c.code == "weibo")
    assert weibo.index is None and weibo not in result.counted  # no figures: left out, not a zero
    assert result.index == pytest.approx((30 * wechat.index + 25 * douyin.index) / 55)


def test_our_website_and_app_come_from_the_readership_rollups(channels, settings):
    from rongmei.fans.models import Fan

    DailyRollup.objects.create(day=D1, dimension=Dimension.VIA, key=Via.APP, views=6000, shares=60)
    DailyRollup.objects.create(day=D2, dimension=Dimension.VIA, key=Via.APP, views=2000, shares=20)
    DailyRollup.objects.create(day=D1, dimension=Dimension.ARTICLE, key=7, via=Via.APP, views=2500)
    DailyRollup.objects.create(day=D1, dimension=Dimension.ARTICLE, key=7, via=Via.WEB, views=9999)  # another place
    early = timezone.make_aware(dt.datetime(2026, 10, 20, 9))
    for phone in ("+8613800000001", "+8613800000002"):
        Fan.objects.filter(pk=Fan.objects.create(phone=phone, nickname="读者").pk).update(created_at=early)
    Fan.objects.create(phone="+8613800000003", nickname="后来的读者")  # registered after the period
    app = next(c for c in reach.index(D1, D2).channels if c.code == "app")
    parts = {p.key: p.value for p in app.parts}
    assert parts == {"reads": 4000, "top_reads": 2500, "engagement": 40, "followers": 2}
    assert app.weight == 0  # not weighted by default: shown, not in the overall index


# --- upload -------------------------------------------------------------------------------------


def _xlsx(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["泌阳发布 数据导出"])  # a title line above the header
    sheet.append(["日期", "粉丝数", "阅读量", "单篇最高阅读", "点赞", "转发", "评论"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("wechat.xlsx", out.getvalue())


def test_an_upload_keeps_good_rows_refuses_bad_ones_by_number_and_updates_a_day(channels, editor):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    rows = [
        [yesterday.isoformat(), 20000, "1.2万", 8000, 100, 20, 5],
        [today.strftime("%Y/%m/%d"), 20100, 3000, 2000, 50, 10, 2],
        ["昨天", 1, 1, 1, 1, 1, 1],  # row 5: not a date
        [(today - dt.timedelta(days=2)).isoformat(), 1, "很多", 1, 1, 1, 1],  # row 6: not a number
        [(today + dt.timedelta(days=2)).isoformat(), 1, 1, 1, 1, 1, 1],  # row 7: the future
        [yesterday.isoformat(), 1, 1, 1, 1, 1, 1],  # row 8: the same day twice
    ]
    result = channel_import.import_table(actor=editor, channel=channels["wechat_oa"], uploaded=_xlsx(rows))
    assert (result.created, result.updated) == (2, 0)
    assert [n for n, _r in result.errors] == [5, 6, 7, 8]
    day = ChannelDay.objects.get(channel=channels["wechat_oa"], day=yesterday)
    assert (day.reads, day.followers, day.top_reads) == (12000, 20000, 8000)
    again = channel_import.import_table(
        actor=editor, channel=channels["wechat_oa"], uploaded=_xlsx([[yesterday.isoformat(), 20050, 13000, 8000, 1, 1, 1]])
    )
    assert (again.created, again.updated) == (0, 1) and ChannelDay.objects.count() == 2
    assert ChannelDay.objects.get(day=yesterday).reads == 13000
    assert AuditLog.objects.filter(action="dashboard.channel_upload").count() == 2


def test_our_own_channels_and_outsiders_cannot_upload(channels, editor, reporter):
    with pytest.raises(DomainError):
        channel_import.import_table(actor=editor, channel=channels["app"], uploaded=_xlsx([]))
    with pytest.raises(NotAllowed):
        channel_import.import_table(actor=reporter, channel=channels["wechat_oa"], uploaded=_xlsx([]))


def test_an_unreadable_file_is_refused_on_the_page_and_nothing_saved(client, channels, editor):
    login(client, editor)
    bad = SimpleUploadedFile("wechat.xlsx", b"PK\x03\x04 not really a workbook")
    response = client.post(reverse("dashboard:reach_upload"), {"channel": channels["wechat_oa"].pk, "file": bad})
    assert response.status_code == 400 and response.context["upload_form"].errors
    assert not ChannelDay.objects.exists()


# --- weights and the page -----------------------------------------------------------------------


def test_only_the_chief_and_admins_change_the_weights_and_it_is_audited(client, channels, editor, chief):
    data = {f"channel_{code}": "10" for code in Channel.objects.filter(active=True).values_list("code", flat=True)} | {
        "component_reads": "50",
        "component_top_reads": "10",
        "component_engagement": "30",
        "component_followers": "10",
    }
    assert login(client, editor).post(reverse("dashboard:reach_weights"), data).status_code == 403
    assert not ReachWeights.objects.exists()
    assert login(client, chief).post(reverse("dashboard:reach_weights"), data).status_code == 302
    channel_weights, component_weights = reach.weights()
    assert channel_weights["app"] == 10 and component_weights["reads"] == 50
    assert AuditLog.objects.filter(action="dashboard.reach_weights", actor=chief).exists()
    bad = {**data, "component_reads": "0", "component_top_reads": "0", "component_engagement": "0", "component_followers": "0"}
    response = client.post(reverse("dashboard:reach_weights"), bad)
    assert response.status_code == 400 and reach.weights()[1]["reads"] == 50
    too_big = {**data, "channel_weibo": "300"}
    assert client.post(reverse("dashboard:reach_weights"), too_big).status_code == 400


def test_the_page_shows_the_index_with_its_breakdown(client, channels, editor, reporter):
    ChannelDay.objects.create(channel=channels["wechat_oa"], day=timezone.localdate(), followers=20000, reads=3000, top_reads=1800)
    assert login(client, reporter).get(reverse("dashboard:reach")).status_code == 403
    response = login(client, editor).get(reverse("dashboard:reach"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="reach-index"' in html and f"{response.context['reach'].index:.1f}" in html
    assert "ln(1+x)" in html
    assert login(client, editor).get(reverse("dashboard:reach"), {"start": "2026-11-30", "end": "2026-11-01"}).status_code == 400


def test_the_demo_gives_three_channels_a_month_of_figures_once(channels):
    from rongmei.dashboard import demo

    assert demo.seed_demo() == 90
    assert demo.seed_demo() == 0
    today = timezone.localdate()
    result = reach.index(today - dt.timedelta(days=30), today)
    counted = {c.code for c in result.counted}
    assert counted == {"wechat_oa", "douyin", "weibo"} and result.index > 0
