"""Staff assessment (绩效考核): the month's figures against counts made here from the database, the
points by hand from the default rules, who may see and change what, refused input, and the
Excel table with the page's figures."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rongmei.analytics.models import DailyRollup, Dimension
from rongmei.core.exceptions import NotAllowed
from rongmei.core.models import AuditLog
from rongmei.dashboard import assessment
from rongmei.dashboard.models import AssessmentRule, Measure
from rongmei.distribution.models import Channel, Publication
from rongmei.inquiries import services as inquiries
from rongmei.inquiries.tests.public_flow import NO_LIMITS, ask
from rongmei.live.models import LiveRoom
from rongmei.newsroom import services as newsroom
from rongmei.newsroom.models import Approval, Assignment, Story
from rongmei.practice.tests.test_manage_views import login
from rongmei.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def limits(settings):
    settings.RONGMEI_INQUIRIES = NO_LIMITS


@pytest.fixture
def month():
    return timezone.localdate().replace(day=1)


@pytest.fixture
def work(reporter, reporter2, team, editor, column_lead, chief, operator, citizen, unit):
    """A month's work: the reporter files two stories, one published on the website and the app,
    and completes an assignment; reporter2 files a draft; the three reviewers approve; the editor
    screens and forwards a question; the operator runs a live room; the reporter's stories were
    read 2,500 times. Last month: a story of the reporter published then (not counted now)."""
    Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    Channel.objects.get_or_create(code=Channel.Code.APP, defaults={"name": "客户端"})
    reviewers = [editor, column_lead, chief]
    factories.published_story(reporter, team, reviewers, headline="本月发布的稿件", channels=("website", "app"))
    factories.story_in_review(reporter, team, headline="本月送审的稿件")
    factories.draft_story(reporter2, team, headline="另一位记者的草稿")
    old = factories.published_story(reporter, team, reviewers, headline="上月发布的稿件")
    last_month = timezone.make_aware(dt.datetime.combine(timezone.localdate().replace(day=1) - dt.timedelta(days=3), dt.time(10)))
    Story.objects.filter(pk=old.pk).update(created_at=last_month)
    Publication.objects.filter(story=old).update(published_at=last_month)
    Approval.objects.filter(version__story=old).update(created_at=last_month)
    plan = factories.approved_plan(reporter, column_lead, team)
    assignment = newsroom.assign(actor=column_lead, coverage=factories.coverage_of(plan), assignee=reporter)
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.DONE, completed_at=timezone.now())
    question = ask(citizen)
    inquiries.forward(actor=editor, inquiry=question, unit=unit)
    now = timezone.now()
    LiveRoom.objects.create(title="夏南牛节开幕式", scheduled_at=now, state=LiveRoom.State.ENDED, started_at=now, created_by=operator)
    DailyRollup.objects.create(day=timezone.localdate(), dimension=Dimension.AUTHOR, key=reporter.pk, reads=2500, views=4000)
    DailyRollup.objects.create(day=last_month.date(), dimension=Dimension.AUTHOR, key=reporter.pk, reads=9000, views=9000)
    return {"old": old}


def test_the_figures_are_the_counts_of_the_month(work, month, reporter, reporter2, editor, column_lead, chief, operator):
    start, end = assessment.month_bounds(month)
    rows = {row.user.pk: row for row in assessment.table(month)}
    mine = rows[reporter.pk].figures
    assert mine[Measure.STORIES_FILED] == Story.objects.filter(created_by=reporter, created_at__gte=start, created_at__lt=end).count() == 2
    assert mine[Measure.STORIES_PUBLISHED] == 1  # last month's story counts in its own month
    assert (
        mine[Measure.PUBLICATIONS]
        == Publication.objects.filter(story__authors=reporter, state="published", published_at__gte=start, published_at__lt=end).count()
        == 2
    )
    assert mine[Measure.READS] == 2500
    assert mine[Measure.ASSIGNMENTS_DONE] == 1
    assert rows[reporter2.pk].figures[Measure.STORIES_FILED] == 1
    for reviewer in (editor, column_lead, chief):
        assert (
            rows[reviewer.pk].figures[Measure.APPROVALS] == Approval.objects.filter(reviewer=reviewer, created_at__gte=start).count() == 1
        )  # this month's published story, one level each; last month's do not count
    assert (
        rows[editor.pk].figures[Measure.INQUIRIES_HANDLED]
        == AuditLog.objects.filter(actor=editor, action__in=assessment.DESK_ACTIONS, created_at__gte=start).count()
        >= 1
    )
    assert rows[operator.pk].figures[Measure.LIVE_ROOMS] == 1


def test_points_follow_the_default_rules(work, month, reporter, operator, editor):
    rows = {row.user.pk: row for row in assessment.table(month)}
    # reporter: 2 filed × 1 + 1 published × 3 + 2 publications × 1 + 2,500 reads × 1/1,000 + 1 assignment × 2
    assert rows[reporter.pk].total == Decimal("2") + Decimal("3") + Decimal("2") + Decimal("2.5") + Decimal("2") == Decimal("11.50")
    assert rows[operator.pk].total == Decimal("5") + Decimal("0.5") * rows[operator.pk].figures[Measure.INQUIRIES_HANDLED]
    handled = rows[editor.pk].figures[Measure.INQUIRIES_HANDLED]
    assert rows[editor.pk].total == Decimal("1") * rows[editor.pk].figures[Measure.APPROVALS] + Decimal("0.5") * handled
    table = assessment.table(month)
    assert [r.total for r in table] == sorted((r.total for r in table), reverse=True)
    assert table[0].rank == 1 and all(b.rank >= a.rank for a, b in zip(table, table[1:], strict=False))


def test_a_channel_rule_gives_that_channel_its_own_points(work, month, reporter, chief):
    app = Channel.objects.get(code=Channel.Code.APP)
    assessment.save_rule(actor=chief, measure=Measure.PUBLICATIONS, role="reporter", channel=app, points="4", per=1)
    row = next(r for r in assessment.table(month) if r.user == reporter)
    line = next(line for line in row.lines if line.rule.channel_id == app.pk)
    assert line.count == 1 and line.points == Decimal("4.00")
    assert row.total == Decimal("15.50")
    assert AuditLog.objects.filter(action="dashboard.rule_create", actor=chief).exists()


def test_ties_share_a_rank(month, reporter, reporter2):
    rows = assessment.table(month)
    zero = [r for r in rows if r.total == 0]
    assert len({r.rank for r in zero}) == 1


# --- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dashboard:assessment", "dashboard:assessment_export", "dashboard:assessment_rules"])
def test_column_leads_the_chief_and_admins_see_the_assessment(client, name, reporter, editor, operator, column_lead, chief):
    url = reverse(name)
    assert client.get(url).status_code == 302
    for outsider in (reporter, editor, operator):
        assert login(client, outsider).get(url).status_code == 403
    for viewer in (column_lead, chief):
        assert login(client, viewer).get(url).status_code == 200


def test_only_the_chief_and_admins_change_rules(client, column_lead, chief):
    data = {"measure": "stories_filed", "role": "reporter", "points": "2", "per": "1", "active": "on"}
    before = AssessmentRule.objects.count()
    assert login(client, column_lead).post(reverse("dashboard:assessment_rules"), data).status_code == 403
    assert AssessmentRule.objects.count() == before
    response = login(client, chief).post(reverse("dashboard:assessment_rules"), data)
    assert response.status_code == 302 and AssessmentRule.objects.count() == before + 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"points": "5000"}, "points"),
        ({"per": "0"}, "per"),
        ({"measure": "stories_filed", "channel": "CHANNEL"}, "channel"),
        ({"measure": "nonsense"}, "measure"),
    ],
)
def test_refused_rules_come_back_with_what_was_typed(client, chief, overrides, field):
    channel, _ = Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    data = {"measure": "publications", "role": "reporter", "points": "2.5", "per": "1", "active": "on", **overrides}
    if data.get("channel") == "CHANNEL":
        data["channel"] = channel.pk
    before = AssessmentRule.objects.count()
    response = login(client, chief).post(reverse("dashboard:assessment_rules"), data)
    assert response.status_code == 400 and response.context["form"].errors[field]
    assert AssessmentRule.objects.count() == before


def test_a_bad_month_is_refused_and_the_current_one_shown(client, chief):
    response = login(client, chief).get(reverse("dashboard:assessment"), {"month": "2026-13"})
    assert response.status_code == 400 and response.context["month"] == timezone.localdate().replace(day=1)


# --- the page and the workbook agree -------------------------------------------------------------


def test_the_page_and_the_excel_table_show_the_same_figures(client, work, month, chief, reporter):
    login(client, chief)
    page = client.get(reverse("dashboard:assessment"), {"month": f"{month:%Y-%m}"})
    rows = page.context["rows"]
    book = load_workbook(io.BytesIO(client.get(reverse("dashboard:assessment_export"), {"month": f"{month:%Y-%m}"}).content))
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(values) == len(rows)
    for row, line in zip(rows, values, strict=True):
        assert line[0] == row.rank and line[1] == row.user.display_name
        assert list(line[3:-1]) == [row.figures[m] for m in Measure.values]
        assert Decimal(str(line[-1])) == row.total
    assert "11.50" in page.content.decode()


# --- closing a month ---------------------------------------------------------------------------


def test_a_closed_month_keeps_its_table_and_rules_when_the_rules_change(client, work, month, reporter, chief, column_lead):
    from rongmei.core.exceptions import StateConflict
    from rongmei.dashboard.models import AssessmentMonth

    with pytest.raises(StateConflict):
        assessment.close_month(actor=chief, month=month)  # not over yet
    with pytest.raises(NotAllowed):
        assessment.close_month(actor=column_lead, month=month, now=timezone.now() + dt.timedelta(days=40))
    later = timezone.now() + dt.timedelta(days=40)
    assessment.close_month(actor=chief, month=month, now=later)
    with pytest.raises(StateConflict):
        assessment.close_month(actor=chief, month=month, now=later)
    before = {r.user.pk: (r.total, r.rank, r.figures) for r in assessment.table(month)}
    assert before[reporter.pk][0] == Decimal("11.50")
    rule = AssessmentRule.objects.get(measure=Measure.STORIES_PUBLISHED, role="reporter")
    assessment.save_rule(actor=chief, rule=rule, measure=rule.measure, role=rule.role, points="10", per=1)
    factories.draft_story(reporter, reporter.teams.first(), headline="关账后补录的稿件")
    after = {r.user.pk: (r.total, r.rank, r.figures) for r in assessment.table(month)}
    assert after == before  # frozen
    # counted now: 7 more for the published story (10 instead of 3), 1 for the story filed after closing
    assert next(r for r in assessment.live_table(month) if r.user.pk == reporter.pk).total == Decimal("19.50")
    frozen = AssessmentMonth.objects.get(month=month)
    assert any(r["measure"] == "stories_published" and r["points"] == "3.00" for r in frozen.rules)
    assert AuditLog.objects.filter(action="dashboard.assessment_close", actor=chief).exists()
    page = login(client, chief).get(reverse("dashboard:assessment"), {"month": f"{month:%Y-%m}"}).content.decode()
    assert 'id="assessment-closed"' in page and 'id="assessment-close"' not in page
    book = load_workbook(io.BytesIO(client.get(reverse("dashboard:assessment_export"), {"month": f"{month:%Y-%m}"}).content))
    rules_sheet = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert (str(Measure.STORIES_PUBLISHED.label), "Reporter", 3.0, 1) in rules_sheet


def test_the_close_button_closes_last_month(client, chief):
    from rongmei.dashboard.models import AssessmentMonth

    last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    login(client, chief)
    page = client.get(reverse("dashboard:assessment"), {"month": f"{last:%Y-%m}"}).content.decode()
    assert 'id="assessment-close"' in page
    response = client.post(reverse("dashboard:assessment_close"), {"month": f"{last:%Y-%m}"})
    assert response.status_code == 302 and AssessmentMonth.objects.filter(month=last).exists()
    this = client.post(reverse("dashboard:assessment_close"), {"month": f"{timezone.localdate():%Y-%m}"}, follow=True)
    assert not AssessmentMonth.objects.filter(month=timezone.localdate().replace(day=1)).exists()
    assert any("not over yet" in str(m) for m in this.context["messages"])
