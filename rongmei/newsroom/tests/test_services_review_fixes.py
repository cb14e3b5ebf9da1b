"""Rules added after review: the saver of a version does not approve it, clean input, sane dates, bylines."""

import datetime as dt

import pytest
from django.utils import timezone

from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.newsroom import permissions as perms
from rongmei.newsroom import services
from rongmei.newsroom.models import Story
from rongmei.testing import factories


def test_an_editor_who_saved_the_version_under_review_may_not_approve_it(reporter, editor, editor2, team):
    story = factories.story_in_review(reporter, team)
    services.save_version(actor=editor, story=story, body="<p>编辑改写后的铜山湖稿件正文。</p>")
    story.refresh_from_db()
    assert story.current_version.created_by == editor
    with pytest.raises(NotAllowed):
        services.approve(actor=editor, story=story)
    assert editor not in services.stories.reviewers_for(story)
    services.approve(actor=editor2, story=story)
    assert Story.objects.get(pk=story.pk).review_level == 2


def test_control_characters_never_reach_the_database(reporter, team):
    lead = services.create_lead(
        actor=reporter, title="铜山湖\x00候鸟增多", description="湖区\x07候鸟\x00明显增加。\n第二行", source_contact="张\x00三"
    )
    assert lead.title == "铜山湖候鸟增多"
    assert lead.description == "湖区候鸟明显增加。\n第二行"
    assert lead.source_contact == "张三"
    story = services.create_story(actor=reporter, team=team, headline="标题\x00测试稿件", body="<p>正\x00文</p>", keywords=["花\x00菇"])
    assert "\x00" not in story.headline + story.body + "".join(story.keywords)


@pytest.mark.parametrize("year", [1, 1999, 2101, 9999])
def test_dates_outside_the_sane_range_are_refused_by_name(reporter, column_lead, team, year):
    with pytest.raises(DomainError) as refused:
        services.propose_plan(actor=reporter, team=team, title="盘古山文化节筹备", planned_date=dt.date(year, 1, 1))
    assert refused.value.field == "planned_date"
    deadline = timezone.now().replace(year=year)
    with pytest.raises(DomainError) as refused:
        services.propose_plan(
            actor=reporter, team=team, title="盘古山文化节筹备", planned_date=timezone.localdate(), coverages=[("text", deadline, "")]
        )
    assert refused.value.field == "coverages"
    plan = factories.approved_plan(reporter, column_lead, team)
    with pytest.raises(DomainError) as refused:
        services.assign(actor=column_lead, coverage=factories.coverage_of(plan), assignee=reporter, deadline=deadline)
    assert refused.value.field == "deadline"


def test_an_author_sets_the_byline_of_a_draft_with_an_audit_line(reporter, photographer, team):
    story = factories.draft_story(reporter, team)
    services.set_authors(actor=reporter, story=story, authors=[reporter, photographer])
    assert set(story.authors.all()) == {reporter, photographer}
    line = AuditLog.objects.get(action="story.authors")
    assert "孙摄像" in line.summary and line.actor == reporter


def test_the_byline_is_fixed_once_review_starts_and_only_authors_or_leads_change_it(
    reporter, reporter2, editor, column_lead, operator, team
):
    story = factories.draft_story(reporter, team)
    with pytest.raises(NotAllowed):
        services.set_authors(actor=editor, story=story, authors=[editor])
    with pytest.raises(DomainError):
        services.set_authors(actor=reporter, story=story, authors=[])
    with pytest.raises(DomainError):
        services.set_authors(actor=reporter, story=story, authors=[operator])
    services.set_authors(actor=column_lead, story=story, authors=[reporter, reporter2])
    services.submit_story(actor=reporter, story=story)
    with pytest.raises(StateConflict):
        services.set_authors(actor=reporter, story=story, authors=[reporter, editor])
    story.refresh_from_db()
    # reporter2 became an author, so may not review; editor was never added.
    assert perms.is_author(reporter2, story)
    assert not perms.is_author(editor, Story.objects.get(pk=story.pk))
