"""The link from the practice center to the newsroom, end to end: an activity asks for coverage,
the lead becomes a plan of the newsroom's 新时代文明实践 team, a reporter is sent and writes the
story, it goes through review and is published, and it then appears by itself in the portal's
新时代文明实践 column (the published page file too) and on the practice center's page; a
typical case can point at it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rongmei.accounts.models import Team
from rongmei.distribution import services as distribution
from rongmei.distribution.models import Channel
from rongmei.newsroom import services as newsroom
from rongmei.newsroom.models import Lead
from rongmei.portal import static_pages
from rongmei.portal.models import Column
from rongmei.practice import cases, coverage, services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def practice_desk(reporter, editor, column_lead):
    """The newsroom team 新时代文明实践 and the portal column that lists it."""
    desk = Team.objects.create(name=coverage.PRACTICE_TEAM_NAME, slug="wenming", lead=column_lead, sort_order=5)
    desk.members.add(reporter, editor, column_lead)
    column = Column.objects.create(name="新时代文明实践", slug="wenming", kind=Column.Kind.ARTICLES, sort_order=5)
    column.teams.add(desk)
    Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    return desk


def _published_activity(operator, practice):
    start = timezone.now() + dt.timedelta(days=1)
    activity = services.create_activity(
        actor=operator,
        title="花园社区义诊进小区",
        description="县医疗志愿服务队为居民量血压、测血糖。",
        site=practice["station"],
        team=practice["team"],
        address="花园社区广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        capacity=20,
    )
    return services.publish_activity(actor=operator, activity=activity)


def test_a_covered_activity_becomes_a_story_in_the_practice_column(
    client, operator, practice, practice_desk, reporter, editor, column_lead, chief, django_capture_on_commit_callbacks
):
    activity = _published_activity(operator, practice)
    lead = coverage.request_coverage(actor=operator, activity=activity)
    assert lead.team == practice_desk and lead.status == Lead.Status.NEW

    # The desk plans it, sends a reporter, who writes it up.
    plan = newsroom.plan_from_lead(
        actor=column_lead,
        lead=lead,
        team=practice_desk,
        planned_date=timezone.localdate(),
        coverages=[("text", timezone.now() + dt.timedelta(days=2), "")],
    )
    newsroom.approve_plan(actor=column_lead, plan=plan)
    assignment = newsroom.assign(actor=column_lead, coverage=plan.coverages.get(kind="text"), assignee=reporter)
    newsroom.accept_assignment(actor=reporter, assignment=assignment)
    story = newsroom.create_story(
        actor=reporter,
        team=practice_desk,
        plan=plan,
        headline="义诊进小区 健康到身边",
        body="<p>花园社区广场上，志愿者为两百多位居民量血压、测血糖。</p>",
    )
    newsroom.submit_story(actor=reporter, story=story)
    for reviewer in (editor, column_lead, chief):
        newsroom.approve(actor=reviewer, story=story)
    story.refresh_from_db()
    activity.refresh_from_db()
    assert story.plan.lead == activity.coverage_lead == lead

    # Not yet published: nowhere to be seen.
    assert "义诊进小区 健康到身边" not in client.get(reverse("portal:column", args=["wenming"])).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        for publication in distribution.publish(actor=chief, story=story, channels=[Channel.objects.get(code=Channel.Code.WEBSITE)]):
            distribution.send(publication)

    # In the column by itself — the view and the published page file — and on the practice page.
    column_html = client.get(reverse("portal:column", args=["wenming"])).content.decode()
    assert "义诊进小区 健康到身边" in column_html and reverse("portal:story", args=[story.pk]) in column_html
    assert "义诊进小区 健康到身边" in static_pages.column_file("wenming").read_text()
    home = client.get(reverse("practice:home")).content.decode()
    stories = home[home.index('id="practice-stories"') :]
    assert "义诊进小区 健康到身边" in stories

    # The center puts the activity forward as a typical case pointing at the story.
    case = cases.save_case(
        actor=operator,
        title="义诊进小区",
        summary="医疗志愿服务队每月走进社区，为老人提供健康检查。",
        team=practice["other_team"],
        story=f"https://www.example.cn/news/{story.pk}/",
        published=True,
    )
    page = client.get(reverse("practice:case", args=[case.pk])).content.decode()
    assert reverse("portal:story", args=[story.pk]) in page

    # Retracted: gone from the column, and the case no longer links to it.
    with django_capture_on_commit_callbacks(execute=True):
        distribution.retract(actor=chief, story=story, reason="数据有误")
    assert "义诊进小区 健康到身边" not in client.get(reverse("portal:column", args=["wenming"])).content.decode()
    page = client.get(reverse("practice:case", args=[case.pk])).content.decode()
    assert "义诊进小区" in page and reverse("portal:story", args=[story.pk]) not in page


def test_a_story_of_another_newsroom_team_stays_out_of_the_practice_column(client, practice_desk, reporter, team, reviewers):
    from rongmei.testing import factories

    factories.published_story(reporter, team, reviewers, headline="县城新建三座口袋公园")
    assert "县城新建三座口袋公园" not in client.get(reverse("portal:column", args=["wenming"])).content.decode()
    assert 'id="practice-stories"' not in client.get(reverse("practice:home")).content.decode()
