"""The command screen's figures against counts made here, straight from the database, and who
may open the screen, its data and its map."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from rongmei.core.models import Place
from rongmei.dashboard import screen, townmap
from rongmei.distribution.models import Channel, Publication
from rongmei.inquiries import services as inquiries
from rongmei.inquiries.models import Inquiry
from rongmei.inquiries.tests.public_flow import NO_LIMITS, ask
from rongmei.live.models import LiveRoom
from rongmei.newsroom import services as newsroom
from rongmei.newsroom.models import Assignment, Lead, Plan, Story
from rongmei.practice.tests.test_manage_views import login
from rongmei.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def fresh(settings):
    settings.RONGMEI_DASHBOARD = {"SCREEN_CACHE_SECONDS": 0}
    settings.RONGMEI_INQUIRIES = NO_LIMITS


URLS = ["dashboard:screen", "dashboard:screen_data", "dashboard:town_map"]


@pytest.mark.parametrize("name", URLS)
def test_the_leaders_open_the_screen_and_nobody_else(client, name, reporter, editor, column_lead, chief, operator, unit_staff):
    url = reverse(name)
    assert client.get(url).status_code == 302  # to the login page
    for outsider in (reporter, unit_staff):
        assert login(client, outsider).get(url).status_code == 403
    for leader in (editor, column_lead, chief, operator):
        assert login(client, leader).get(url).status_code == 200


def test_the_page_loads_echarts_from_our_own_static_files(client, chief):
    html = login(client, chief).get(reverse("dashboard:screen")).content.decode()
    assert "/static/vendor/echarts.min.js" in html and "http://" not in html.replace("http://www.w3.org", "")
    assert 'data-refresh="10"' in html


def _day_start(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def test_the_newsroom_figures_are_the_counts_of_today(reporter, team, editor, column_lead, chief):
    Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    today = timezone.localdate()
    for title in ("县城新开一家书店", "铜山湖来了白鹭", "羊册镇修好一座桥"):
        newsroom.create_lead(actor=reporter, title=title, description="一条线索的描述", team=team)
    old = newsroom.create_lead(actor=reporter, title="上周的线索", description="一条线索的描述", team=team)
    Lead.objects.filter(pk=old.pk).update(created_at=_day_start(today) - dt.timedelta(minutes=1))
    discarded = Lead.objects.filter(title="铜山湖来了白鹭").get()
    newsroom.discard_lead(actor=column_lead, lead=discarded, reason="重复")
    factories.approved_plan(reporter, column_lead, team)
    factories.draft_story(reporter, team, headline="草稿一")
    factories.draft_story(reporter, team, headline="草稿二")
    factories.story_in_review(reporter, team, headline="送审的稿件")
    factories.published_story(reporter, team, [editor, column_lead, chief], headline="今天发布的稿件")
    yesterday = factories.published_story(reporter, team, [editor, column_lead, chief], headline="昨天发布的稿件")
    Publication.objects.filter(story=yesterday).update(published_at=_day_start(today) - dt.timedelta(hours=2))

    figures = screen.compute()["newsroom"]
    start = _day_start(today)
    leads = {r["code"]: r["count"] for r in figures["leads"]}
    assert (
        leads
        == {s: Lead.objects.filter(created_at__gte=start, status=s).count() for s in Lead.Status.values}
        == {"new": 2, "planned": 0, "discarded": 1}
    )
    assert figures["leads_total"] == 3
    plans = {r["code"]: r["count"] for r in figures["plans"]}
    assert plans == {s: Plan.objects.filter(planned_date=today, status=s).count() for s in Plan.Status.values}
    assert figures["plans_total"] == Plan.objects.filter(planned_date=today).count() == 1
    stories = {r["code"]: r["count"] for r in figures["stories"]}
    assert stories == {"draft": 2, "in_review": 1, "approved": Story.objects.filter(state="approved").count(), "published_today": 1}
    assert figures["published_today"] == 1


def test_the_field_shows_open_assignments_with_their_town(reporter, photographer, team, column_lead):
    town = Place.objects.create(name="羊册镇")
    village = Place.objects.create(name="刘庄村", parent=town, kind=Place.Kind.VILLAGE)
    lead = newsroom.create_lead(actor=reporter, title="刘庄村的桃子熟了", description="桃园丰收", team=team, place=village)
    plan = newsroom.plan_from_lead(
        actor=column_lead,
        lead=lead,
        team=team,
        planned_date=timezone.localdate(),
        coverages=[("text", timezone.now() + dt.timedelta(hours=5), ""), ("photo", timezone.now() + dt.timedelta(hours=5), "")],
    )
    newsroom.approve_plan(actor=column_lead, plan=plan)
    text = newsroom.assign(actor=column_lead, coverage=plan.coverages.get(kind="text"), assignee=reporter)
    newsroom.accept_assignment(actor=reporter, assignment=text)
    photo = newsroom.assign(actor=column_lead, coverage=plan.coverages.get(kind="photo"), assignee=photographer)
    Assignment.objects.filter(pk=photo.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))  # overdue
    other = factories.approved_plan(reporter, column_lead, team)
    done = newsroom.assign(actor=column_lead, coverage=factories.coverage_of(other), assignee=reporter)
    Assignment.objects.filter(pk=done.pk).update(status=Assignment.Status.DONE)

    field = screen.compute()["field"]
    assert field["total"] == Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES).count() == 2
    assert field["overdue"] == 1 and field["people"] == 2
    assert [t["town"] for t in field["towns"]] == ["羊册镇"]  # the village counts for its town
    assert field["off_map"] == []
    assert field["towns"][0]["assignments"] == 2
    assert set(field["towns"][0]["people"]) == {reporter.display_name, photographer.display_name}
    assert {a["id"]: a["overdue"] for a in field["assignments"]} == {text.pk: False, photo.pk: True}


def test_channels_count_what_went_out_today_and_what_waits_or_failed(reporter, team, editor, column_lead, chief):
    website, _ = Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    wechat, _ = Channel.objects.get_or_create(code=Channel.Code.WECHAT_OA, defaults={"name": "微信公众号"})
    factories.published_story(reporter, team, [editor, column_lead, chief], headline="网站发布的稿件")
    story = factories.signed_off_story(reporter, team, [editor, column_lead, chief], headline="排队中的稿件")
    from rongmei.distribution import services as distribution

    (waiting,) = distribution.publish(actor=chief, story=story, channels=[wechat])
    Publication.objects.filter(pk=waiting.pk).update(state=Publication.State.DEAD)
    rows = {r["code"]: r for r in screen.compute()["channels"]}
    for channel in (website, wechat):
        assert (
            rows[channel.code]["published"]
            == Publication.objects.filter(channel=channel, state="published", published_at__date=timezone.localdate()).count()
        )
    assert rows["website"]["published"] == 1 and rows["wechat_oa"]["published"] == 0
    assert rows["wechat_oa"]["failed"] == 1 and rows["wechat_oa"]["waiting"] == 0
    assert [r["code"] for r in screen.compute()["channels"]] == list(
        Channel.objects.filter(active=True).order_by("sort_order", "id").values_list("code", flat=True)
    )


def test_live_viewers_are_those_counted_lately(db):
    now = timezone.now()
    LiveRoom.objects.create(
        title="夏南牛节开幕式", scheduled_at=now, state=LiveRoom.State.LIVE, started_at=now, viewers_now=37, viewers_at=now
    )
    LiveRoom.objects.create(
        title="信号中断的直播",
        scheduled_at=now,
        state=LiveRoom.State.LIVE,
        started_at=now,
        viewers_now=90,
        viewers_at=now - dt.timedelta(minutes=5),
    )
    LiveRoom.objects.create(title="下午的直播", scheduled_at=now + dt.timedelta(minutes=1))
    live = screen.compute(now)["live"]
    assert [r["viewers"] for r in live["rooms"]] == [37, 0]
    assert live["viewers"] == 37
    assert live["scheduled_today"] == (1 if timezone.localdate(now + dt.timedelta(minutes=1)) == timezone.localdate(now) else 0)


def test_the_wenzheng_flow_is_counted_from_the_questions(citizen, other_citizen, unit, editor):
    a = ask(citizen, title="路灯坏了一个月没人修")
    b = ask(other_citizen, title="小区门口的积水何时处理")
    ask(citizen, title="公交站牌字迹看不清了")
    inquiries.forward(actor=editor, inquiry=a, unit=unit)
    inquiries.forward(actor=editor, inquiry=b, unit=unit, now=timezone.now() - dt.timedelta(days=40))  # long overdue
    Inquiry.objects.filter(pk=b.pk).update(
        forwarded_at=timezone.now() - dt.timedelta(days=40), submitted_at=timezone.now() - dt.timedelta(days=41)
    )
    q = screen.compute()["inquiries"]
    start = _day_start(timezone.localdate())
    assert q["received_today"] == Inquiry.objects.filter(submitted_at__gte=start).count() == 2
    assert q["forwarded_today"] == Inquiry.objects.filter(forwarded_at__gte=start).count() == 1
    assert q["with_units"] == 2 and q["overdue"] == 1
    assert q["awaiting_screening"] == Inquiry.objects.filter(state__in=["submitted", "screening"]).count() == 1


def test_the_data_answers_304_when_nothing_changed(client, chief, reporter, team):
    login(client, chief)
    first = client.get(reverse("dashboard:screen_data"))
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    data = json.loads(first.content)
    assert set(data) >= {"newsroom", "field", "channels", "live", "inquiries", "readership", "generated_at"}
    # generated_at changes every second; the ETag of an identical body matches
    again = client.get(reverse("dashboard:screen_data"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code in (200, 304)
    if json.loads(first.content)["generated_at"] == data["generated_at"] and again.status_code == 200:
        assert again["ETag"] != first["ETag"]
    newsroom.create_lead(actor=reporter, title="又来一条新线索", description="一条线索的描述", team=team)
    changed = client.get(reverse("dashboard:screen_data"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and json.loads(changed.content)["newsroom"]["leads_total"] == 1


def test_the_town_map_covers_the_county_once(client, chief):
    geo = json.loads(login(client, chief).get(reverse("dashboard:town_map")).content)
    names = [f["properties"]["name"] for f in geo["features"]]
    assert len(names) == len(set(names)) == 22 and "羊册镇" in names
    data = json.loads(townmap.map_path().read_text(encoding="utf-8"))

    def area(ring):
        return abs(sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))) / 2

    outline = [*data["outline"], data["outline"][0]]
    cells = sum(area(f["geometry"]["coordinates"][0]) for f in geo["features"])
    assert cells == pytest.approx(area(outline), rel=1e-3)  # the cells tile the outline

    def inside(point, ring):
        x, y = point
        hit = False
        for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                hit = not hit
        return hit

    for feature in geo["features"]:
        assert inside(data["towns"][feature["properties"]["name"]], feature["geometry"]["coordinates"][0])


def test_the_chat_hubs_count_of_viewers_reaches_the_screen(db):
    from rongmei.live.chat import store

    now = timezone.now()
    room = LiveRoom.objects.create(title="夏南牛节开幕式", scheduled_at=now, state=LiveRoom.State.LIVE, started_at=now)
    store.flush_counters(room.pk, likes=3, views=20, viewers=12)
    room.refresh_from_db()
    assert (room.viewers_now, room.viewers_peak, room.likes, room.views_total) == (12, 12, 3, 20)
    assert screen.compute()["live"]["viewers"] == 12
    store.flush_counters(room.pk, likes=0, views=0, viewers=0)  # everyone left
    assert screen.compute()["live"]["viewers"] == 0
    assert LiveRoom.objects.get(pk=room.pk).viewers_peak == 12


def test_the_data_center_page_links_what_each_may_open(client, editor, chief, reporter):
    assert login(client, reporter).get(reverse("dashboard:home")).status_code == 403
    html = login(client, editor).get(reverse("dashboard:home")).content.decode()
    assert reverse("dashboard:screen") in html and reverse("dashboard:reach") in html and reverse("analytics:readership") in html
    assert reverse("dashboard:assessment") not in html
    assert reverse("dashboard:assessment") in login(client, chief).get(reverse("dashboard:home")).content.decode()


def test_a_town_the_map_does_not_draw_is_listed_beside_it(reporter, team, column_lead):
    town = Place.objects.create(name="新设的开发区")
    lead = newsroom.create_lead(actor=reporter, title="开发区新厂投产", description="新厂投产", team=team, place=town)
    plan = newsroom.plan_from_lead(
        actor=column_lead,
        lead=lead,
        team=team,
        planned_date=timezone.localdate(),
        coverages=[("text", timezone.now() + dt.timedelta(hours=3), "")],
    )
    newsroom.approve_plan(actor=column_lead, plan=plan)
    newsroom.assign(actor=column_lead, coverage=plan.coverages.get(kind="text"), assignee=reporter)
    assert screen.compute()["field"]["off_map"] == ["新设的开发区"]


def test_the_screen_shows_this_months_revenue_and_no_clients_money(client, chief, editor, settings):
    from rongmei.accounts.models import Role
    from rongmei.business import services as business
    from rongmei.business.revenue import add_months
    from rongmei.business.tests.test_revenue import contracted, pay
    from rongmei.testing.personas import make_user

    this_month = timezone.localdate().replace(day=1)
    sales = make_user("sunjy", "孙经营", Role.OPERATIONS)
    customer = business.create_client(actor=sales, kind="enterprise", name="泌阳县夏南牛业有限公司")
    project = contracted(sales, customer, kind="live_broadcast", title="牛业大会直播", amount_fen=10_000_000)
    pay(sales, project, 1_234_567, this_month)
    pay(sales, project, 100_000, add_months(this_month, -1))  # last month's: not on the screen

    assert screen.compute()["business"] == {"month_revenue_fen": 1_234_567, "month_revenue_yuan": "12,345.67"}
    html = login(client, editor).get(reverse("dashboard:screen")).content.decode()
    assert 'data-key="business.month_revenue_yuan"' in html
    body = login(client, editor).get(reverse("dashboard:screen_data")).content.decode()
    assert "12,345.67" in body and "泌阳县夏南牛业有限公司" not in body and "牛业大会直播" not in body

    settings.RONGMEI_SCREEN_SHOWS_REVENUE = False
    assert "business" not in screen.compute()
    assert "kpi-revenue" not in login(client, chief).get(reverse("dashboard:screen")).content.decode()
    assert "12,345.67" not in login(client, chief).get(reverse("dashboard:screen_data")).content.decode()
