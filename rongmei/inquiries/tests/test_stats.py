"""Supervision figures (stats.py) and the two statistics pages, on questions moved through the services
with a frozen clock in October 2026 (after the National Day week)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from rongmei.core.models import AuditLog
from rongmei.inquiries import services, stats
from rongmei.inquiries.models import Event, Inquiry, Kind, Rating

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
OCTOBER = stats.month_period(2026, 10)
NOW = dt.datetime(2026, 10, 30, 12, 0, tzinfo=TZ)


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


@pytest.fixture(autouse=True)
def _quick_services(settings, monkeypatch):
    # The desk's suggestions (classifier, similar-question index over 5,000 reference messages)
    # play no part in the figures and take seconds to build; many questions from one citizen
    # must not be throttled.
    monkeypatch.setattr(services, "compute_suggestions", lambda inquiry: {"route": {}, "similar": [], "spam": 0.0, "spam_reasons": []})
    settings.RONGMEI_INQUIRIES = {
        **getattr(settings, "RONGMEI_INQUIRIES", {}),
        "FAN_GAP": 0,
        "FAN_DAY": (86400, 1000),
        "ADDRESS_HOUR": (3600, 1000),
        "RANKING_MIN_COUNT": 2,
    }


def ask(citizen, when: str, **extra) -> Inquiry:
    fields = {
        "kind": Kind.COMPLAINT,
        "title": "幸福路小区门口污水横流无人管",
        "body": "幸福路小区南门的下水道堵了一个多月，污水流到路上，住户出行很不方便，请尽快处理。",
        "location": "泌水街道",
    }
    fields.update(extra)
    with freeze_time(at(when)):
        return services.submit(fan=citizen, **fields)


def step(when: str, fn, **kwargs):
    with freeze_time(at(when)):
        return fn(**kwargs)


def answer(q, *, staff, editor, chief, reply_at: str, text: str = "经现场核查，问题已安排专人处理完毕，并将定期巡查，感谢您的监督。"):
    reply = step(reply_at, services.submit_reply, actor=staff, inquiry=q, body=text)
    later = (at(reply_at) + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    step(later, services.approve_reply, actor=editor, reply=reply)
    step(later, services.publish, actor=chief, inquiry=q)
    return reply


@pytest.fixture
def october(citizen, other_citizen, unit, other_unit, unit_staff, other_unit_staff, editor, chief):
    """Seven questions; see each comment for what the figures must count."""
    qs = {}
    # q7: forwarded to A in September, replied on time in October (across the National Day week).
    q7 = qs["q7"] = ask(citizen, "2026-09-30 09:00", title="九月份反映的路灯不亮问题一直没人管")
    step("2026-09-30 10:00", services.forward, actor=editor, inquiry=q7, unit=unit)
    step("2026-09-30 11:00", services.accept, actor=unit_staff, inquiry=q7)
    answer(q7, staff=unit_staff, editor=editor, chief=chief, reply_at="2026-10-09 10:00")
    # q1: A answers in two working days; the citizen is satisfied.
    q1 = qs["q1"] = ask(citizen, "2026-10-12 09:00")
    step("2026-10-12 10:00", services.forward, actor=editor, inquiry=q1, unit=unit)
    step("2026-10-12 11:00", services.accept, actor=unit_staff, inquiry=q1)
    answer(q1, staff=unit_staff, editor=editor, chief=chief, reply_at="2026-10-14 10:00")
    step("2026-10-15 09:00", services.rate, fan=citizen, inquiry=q1, rating=Rating.SATISFIED)
    # q2: A returns it, B takes it and answers late; unsatisfied, reopened.
    q2 = qs["q2"] = ask(other_citizen, "2026-10-12 09:30", title="学校门口早晚高峰交通拥堵严重", location="城关镇")
    step("2026-10-12 10:30", services.forward, actor=editor, inquiry=q2, unit=unit)
    step("2026-10-13 09:00", services.return_to_desk, actor=unit_staff, inquiry=q2, reason="此事属于教育局职责范围")
    step("2026-10-13 10:00", services.forward, actor=editor, inquiry=q2, unit=other_unit)
    step("2026-10-13 11:00", services.accept, actor=other_unit_staff, inquiry=q2)
    answer(q2, staff=other_unit_staff, editor=editor, chief=chief, reply_at="2026-10-23 10:00")
    step("2026-10-24 09:00", services.rate, fan=other_citizen, inquiry=q2, rating=Rating.UNSATISFIED, reason="答复没有解决问题")
    step("2026-10-24 10:00", services.reopen, fan=other_citizen, inquiry=q2)
    # q3: an enquiry A never answers: escalated by the sweep, overdue now.
    q3 = qs["q3"] = ask(citizen, "2026-10-13 08:00", kind=Kind.CONSULT, title="咨询幸福路拓宽工程什么时候开工")
    step("2026-10-13 10:00", services.forward, actor=editor, inquiry=q3, unit=unit)
    with freeze_time(at("2026-10-21 09:00")):
        services.sweep(now=at("2026-10-21 09:00"))
    # q4 rejected, q5 merged into q1.
    q4 = qs["q4"] = ask(citizen, "2026-10-14 08:00", title="这是一条与本县无关的测试留言内容", location="外地")
    step("2026-10-14 15:00", services.reject, actor=editor, inquiry=q4, reason="与本县事务无关")
    q5 = qs["q5"] = ask(other_citizen, "2026-10-14 09:00")
    step("2026-10-15 09:00", services.merge, actor=editor, inquiry=q5, into=q1)
    # q6: private; A answers in one working day.
    q6 = qs["q6"] = ask(
        citizen, "2026-10-15 08:00", title="我家邻居私搭乱建占用消防通道", is_public=False, kind=Kind.HELP, location="泌水街道幸福路3号楼"
    )
    step("2026-10-15 10:00", services.forward, actor=editor, inquiry=q6, unit=unit)
    step("2026-10-15 11:00", services.accept, actor=unit_staff, inquiry=q6)
    answer(q6, staff=unit_staff, editor=editor, chief=chief, reply_at="2026-10-16 10:00")
    return {k: Inquiry.objects.get(pk=v.pk) for k, v in qs.items()}


def by_unit(rows, unit):
    return next(r for r in rows if r.unit.pk == unit.pk)


def test_unit_figures_count_what_the_services_recorded(october, unit, other_unit):
    rows = stats.unit_figures(OCTOBER, now=NOW)
    a, b = by_unit(rows, unit), by_unit(rows, other_unit)

    assert (a.received, a.accepted, a.returned, a.replied) == (4, 2, 1, 3)
    assert (a.on_time.hits, a.on_time.n) == (3, 3)
    assert a.median_workdays == 2 and a.median_hours == pytest.approx(48)
    assert (a.satisfaction.hits, a.satisfaction.n, a.rated) == (1, 1, 1)
    assert (a.reopened, a.escalated, a.overdue_now) == (0, 1, 1)

    assert (b.received, b.accepted, b.returned, b.replied) == (1, 1, 0, 1)
    assert (b.on_time.hits, b.on_time.n) == (0, 1)
    assert b.median_workdays == 8 and b.median_hours == pytest.approx(240)
    assert (b.satisfaction.hits, b.satisfaction.n) == (0, 1)
    assert (b.reopened, b.escalated, b.overdue_now) == (1, 0, 0)


def test_unit_figures_agree_with_counts_made_from_the_rows(october, unit, other_unit):
    rows = stats.unit_figures(OCTOBER, now=NOW)
    in_october = {"created_at__gte": OCTOBER.start, "created_at__lt": OCTOBER.end}
    forwards = AuditLog.objects.filter(action="inquiry.forward", **in_october)
    returns = AuditLog.objects.filter(action="inquiry.return", **in_october)
    for u in (unit, other_unit):
        f = by_unit(rows, u)
        assert f.received == sum(1 for x in forwards if x.data["unit"] == u.pk)
        assert f.returned == sum(1 for x in returns if x.data["unit"] == u.pk)
        assert f.accepted == Event.objects.filter(action="accept", unit=u, **in_october).count()
        assert f.overdue_now == Inquiry.objects.overdue(NOW).filter(lead_unit=u).count()
    # q2 was received by both units: returned by A, forwarded again to B.
    assert by_unit(rows, unit).received + by_unit(rows, other_unit).received == forwards.count() == 5


def test_imported_history_counts_at_its_times_but_not_in_the_on_time_rate(october, unit):
    from rongmei.inquiries import importer

    row = {
        "msg_id": "900001",
        "subject": "幸福路路灯不亮的问题",
        "msg_time": "2026-10-19 09:00",
        "detail": "幸福路东段路灯一个月不亮，晚上出行不便。",
        "reply": "经查，路灯线路老化，已更换，现已恢复照明。",
        "reply_time": "2026-10-21 09:00",
        "unit": unit.name,
        "rating": "满意",
    }
    assert importer.import_rows([row]).created == 1
    a = by_unit(stats.unit_figures(OCTOBER, now=NOW), unit)
    assert (a.received, a.accepted, a.replied, a.rated) == (5, 3, 4, 2)
    assert (a.on_time.hits, a.on_time.n) == (3, 3)  # no deadline was set for history
    assert a.satisfaction.hits == 2


def test_september_sees_only_septembers_forward(october, unit):
    a = by_unit(stats.unit_figures(stats.month_period(2026, 9), now=NOW), unit)
    assert (a.received, a.accepted, a.replied) == (1, 1, 0)


def test_ranking_needs_the_minimum_count_and_uses_the_lower_bound(october, unit, other_unit):
    rows = stats.unit_figures(OCTOBER, now=NOW)
    assert [r.unit.pk for r in stats.ranking(rows, "on_time")] == [unit.pk]  # B has one reply, under 2
    assert by_unit(rows, other_unit).on_time_rank is None
    assert stats.ranking(rows, "satisfaction") == []  # one rating each


def test_one_easy_case_does_not_beat_a_steady_unit(unit, other_unit):
    easy = stats.UnitFigures(unit=other_unit, on_time=stats.Rate(1, 1))
    steady = stats.UnitFigures(unit=unit, on_time=stats.Rate(45, 50))
    rows = [easy, steady]
    stats.rank(rows, minimum=1)
    assert (steady.on_time_rank, easy.on_time_rank) == (1, 2)  # 100 % of 1 ranks below 90 % of 50
    stats.rank(rows, minimum=10)
    assert (steady.on_time_rank, easy.on_time_rank) == (1, None)


def test_wilson_interval_on_known_cases():
    low, high = stats.wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    low, high = stats.wilson(1, 1)
    assert low == pytest.approx(0.2065, abs=1e-4) and high == 1.0
    assert stats.wilson(0, 5)[0] == 0.0
    assert stats.wilson(0, 0) is None
    assert stats.Rate(8, 10).interval_percent() == "49–94%"


def test_county_totals_are_the_seed_figures(october):
    county = stats.county_figures(OCTOBER)
    t = county.total
    # Submitted in October: q1–q6 (q7 in September).
    assert t.received == 6 == Inquiry.objects.filter(submitted_at__gte=OCTOBER.start, submitted_at__lt=OCTOBER.end).count()
    assert t.forwarded == 4  # q1, q2, q3, q6
    assert t.published_forwarded == 3  # q6 is private
    assert t.answered == 2  # q1 closed, q6 published; q2 reopened, q3 with the unit
    assert (t.answer_rate.hits, t.answer_rate.n) == (2, 4)
    kinds = {k.key: k for k in county.by_kind}
    assert (kinds[Kind.COMPLAINT].received, kinds[Kind.CONSULT].received, kinds[Kind.HELP].received) == (4, 1, 1)
    towns = {x.label: x.received for x in county.by_town}
    assert towns == {"泌水街道": 3, "城关镇": 1, "外地": 1, "泌水街道幸福路3号楼": 1}
    assert [m.received for m in county.by_month] == [6]
    assert sum(x.received for x in county.by_unit) == 6


def test_screening_figures(october):
    s = stats.screening_figures(OCTOBER)
    assert (s.received, s.screened, s.rejected, s.merged, s.helpdesk, s.waiting) == (6, 6, 1, 1, 0, 0)
    # submitted → first decision: q1 1 h, q2 1 h, q3 2 h, q4 7 h, q5 24 h, q6 2 h
    assert s.median_hours == pytest.approx(2)
    assert s.within_limit.value == 1.0


def test_month_parameter_is_checked():
    assert stats.parse_month("2026-10").start == dt.datetime(2026, 10, 1, tzinfo=TZ)
    assert stats.parse_month("2026-12").end == dt.datetime(2027, 1, 1, tzinfo=TZ)
    for bad in ("2026-13", "10/2026", "", "abc"):
        with pytest.raises(ValueError):
            stats.parse_month(bad)


# --- pages ---------------------------------------------------------------------------------------


def test_public_page_shows_figures_but_never_a_private_question(client, october, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        response = client.get("/wenzheng/stats/?month=2026-10")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="received">6<' in html and 'data-testid="answered">2<' in html
    assert "50.0%" in html
    assert october["q6"].title not in html and october["q6"].public_title not in html
    assert october["q4"].title not in html  # rejected: counted, never shown
    # Towns are named only from questions shown in public; the rest are counted as "other".
    towns = {t.label: t.received for t in response.context["county"].by_town}
    assert towns == {"泌水街道": 3, "Other towns and villages": 3}
    assert "幸福路3号楼" not in html and "外地" not in html


def test_public_page_query_count_does_not_grow_with_questions(client, october, citizen, unit, editor, django_assert_max_num_queries):
    for i in range(5):
        q = ask(citizen, f"2026-10-2{i} 09:00", title=f"第{i}个关于路面破损的问题需要处理")
        step(f"2026-10-2{i} 10:00", services.forward, actor=editor, inquiry=q, unit=unit)
    with django_assert_max_num_queries(15):
        assert client.get("/wenzheng/stats/").status_code == 200


def test_public_page_bad_month_says_so(client):
    response = client.get("/wenzheng/stats/?month=2026-13")
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


def test_supervision_is_for_the_desk_only(client, unit_staff, reporter, editor):
    assert client.get("/newsroom/wenzheng/supervision/").status_code == 302
    for person in (unit_staff, reporter):
        client.force_login(person)
        assert client.get("/newsroom/wenzheng/supervision/").status_code == 403
        assert client.get("/newsroom/wenzheng/supervision/report.xlsx?month=2026-10").status_code == 403


def test_supervision_page_lists_units_overdue_and_leader(client, october, editor, unit, unit_leader, django_assert_max_num_queries):
    client.force_login(editor)
    with django_assert_max_num_queries(21):
        response = client.get("/newsroom/wenzheng/supervision/?month=2026-10")
    assert response.status_code == 200
    html = response.content.decode()
    assert unit.name in html and unit_leader.display_name in html  # q3 is overdue now, its unit's leader listed
    assert october["q3"].receipt in html
    assert "report.xlsx?month=2026-10" in html and "report.pdf?month=2026-10" in html
    ctx = response.context
    assert by_unit(ctx["units"], unit).received == 4


def test_pages_work_with_no_questions_at_all(client, editor):
    response = client.get("/wenzheng/stats/")
    assert response.status_code == 200
    assert "No questions in this period." in response.content.decode()
    client.force_login(editor)
    assert client.get("/newsroom/wenzheng/supervision/").status_code == 200
