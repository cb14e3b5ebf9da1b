"""Who may do what, persona by persona: one row per predicate, listing exactly who may."""

import pytest
from django.contrib.auth.models import AnonymousUser

from rongmei.accounts.models import Role
from rongmei.newsroom import permissions as perms
from rongmei.newsroom import services
from rongmei.newsroom.models import ReviewStep, Story
from rongmei.testing import factories
from rongmei.testing.personas import PERSONAS

NEWSROOM = set(PERSONAS) - {"operator"}
CHIEFS = {"chief", "chief2"}
NEWS_TEAM = {"reporter", "reporter2", "photographer", "editor", "editor2", "column_lead"}


@pytest.fixture
def subjects(people):
    p = people
    lead = services.create_lead(actor=p["reporter"], title="铜山湖夏南牛节", description="夏南牛节下周开幕。", team=p["team"])
    plan = services.propose_plan(actor=p["reporter"], team=p["team"], title="夏南牛节报道", planned_date=lead.created_at.date())
    draft = factories.draft_story(p["reporter"], p["team"])
    return {"team": p["team"], "lead": lead, "plan": plan, "draft": draft}


TABLE = [
    ("can_file_lead", lambda s: (), set(PERSONAS)),
    ("can_discard_lead", lambda s: (s["lead"],), {"reporter", "editor", "editor2", "column_lead"} | CHIEFS),
    ("can_propose_plan", lambda s: (s["team"],), NEWS_TEAM | CHIEFS),
    ("can_decide_plan", lambda s: (s["plan"],), {"column_lead"} | CHIEFS),
    ("can_dispatch", lambda s: (s["team"],), {"column_lead"} | CHIEFS),
    ("can_be_dispatched", lambda s: (), NEWSROOM),
    ("can_write_in", lambda s: (s["team"],), NEWS_TEAM | CHIEFS),
    ("can_edit_story", lambda s: (s["draft"],), {"reporter", "editor", "editor2", "column_lead"} | CHIEFS),
    ("can_submit_story", lambda s: (s["draft"],), {"reporter", "column_lead"} | CHIEFS),
    ("can_force_unlock", lambda s: (s["draft"],), {"column_lead"} | CHIEFS),
    ("can_set_authors", lambda s: (s["draft"],), {"reporter", "column_lead"} | CHIEFS),
    ("leads_team", lambda s: (s["team"],), {"column_lead"} | CHIEFS),
    ("is_newsroom", lambda s: (), NEWSROOM),
    ("is_staff_member", lambda s: (), set(PERSONAS)),
]


@pytest.mark.parametrize(("predicate", "args", "allowed"), TABLE, ids=[row[0] for row in TABLE])
def test_who_may(people, subjects, predicate, args, allowed):
    check = getattr(perms, predicate)
    result = {name for name in PERSONAS if check(people[name], *args(subjects))}
    assert result == allowed


@pytest.mark.parametrize(("predicate", "args"), [(row[0], row[1]) for row in TABLE if row[0] != "can_be_dispatched"])
def test_an_anonymous_visitor_may_do_nothing(subjects, predicate, args):
    assert not getattr(perms, predicate)(AnonymousUser(), *args(subjects))


@pytest.mark.parametrize(("predicate", "args"), [(row[0], row[1]) for row in TABLE])
def test_a_deactivated_person_may_do_nothing(people, subjects, predicate, args):
    chief = people["chief"]
    chief.is_active = False
    chief.save()
    assert not getattr(perms, predicate)(chief, *args(subjects))


def test_the_lead_of_a_team_counts_as_its_member_even_when_not_listed(people, team):
    team.members.remove(people["column_lead"])
    lead = type(people["column_lead"]).objects.get(pk=people["column_lead"].pk)
    assert perms.in_team(lead, team)
    assert perms.leads_team(lead, team)


def test_a_published_story_is_corrected_by_the_people_who_edit_it_and_a_retracted_one_by_no_one(people, subjects):
    draft = Story.objects.get(pk=subjects["draft"].pk)
    before = {name for name in PERSONAS if perms.can_edit_story(people[name], draft)}
    Story.objects.filter(pk=draft.pk).update(state=Story.State.PUBLISHED)
    published = Story.objects.get(pk=draft.pk)
    assert {name for name in PERSONAS if perms.can_edit_story(people[name], published)} == before
    assert "operator" not in before and "outsider" not in before
    Story.objects.filter(pk=draft.pk).update(state=Story.State.RETRACTED)
    retracted = Story.objects.get(pk=draft.pk)
    assert not any(perms.can_edit_story(people[name], retracted) for name in PERSONAS)


def test_a_story_in_review_or_signed_off_is_still_editable_by_the_same_people(people, reporter, editor, column_lead, chief, team):
    story = factories.story_in_review(reporter, team)
    editable = {name for name in PERSONAS if perms.can_edit_story(people[name], story)}
    assert editable == {"reporter", "editor", "editor2", "column_lead"} | CHIEFS
    assert not any(perms.can_submit_story(people[name], story) for name in PERSONAS)


REVIEW_TABLE = [
    (1, {"editor", "editor2"}),
    (2, {"column_lead"}),
    (3, CHIEFS),
]


@pytest.mark.parametrize(("level", "allowed"), REVIEW_TABLE)
def test_who_may_review_each_level_of_the_default_chain(people, reporter, team, level, allowed):
    story = factories.story_in_review(reporter, team)
    refusals = {name: perms.review_refusal(people[name], story, level) for name in PERSONAS}
    assert {name for name, why in refusals.items() if why is None} == allowed
    assert all(why for name, why in refusals.items() if name not in allowed)


def test_can_review_asks_about_the_current_level(people, reporter, editor, team):
    story = factories.story_in_review(reporter, team)
    assert {name for name in PERSONAS if perms.can_review(people[name], story)} == {"editor", "editor2"}
    services.approve(actor=editor, story=story)
    story = Story.objects.get(pk=story.pk)
    assert {name for name in PERSONAS if perms.can_review(people[name], story)} == {"column_lead"}


def test_nobody_reviews_a_draft(people, subjects):
    for name in PERSONAS:
        assert perms.review_refusal(people[name], subjects["draft"])
    assert perms.review_refusal(AnonymousUser(), subjects["draft"])


def test_an_anonymous_visitor_reviews_nothing(reporter, team):
    story = factories.story_in_review(reporter, team)
    assert perms.review_refusal(AnonymousUser(), story)


def test_authors_are_refused_at_every_level(people, team):
    story = factories.draft_story(people["reporter"], team)
    story.authors.add(people["editor"], people["column_lead"], people["chief"])
    services.submit_story(actor=people["reporter"], story=story)
    story = Story.objects.get(pk=story.pk)
    for level, name in [(1, "editor"), (2, "column_lead"), (3, "chief")]:
        assert perms.review_refusal(people[name], story, level)
    assert perms.review_refusal(people["editor2"], story, 1) is None
    assert perms.review_refusal(people["chief2"], story, 3) is None


def test_a_level_the_team_does_not_have_is_refused(people, reporter, team):
    story = factories.story_in_review(reporter, team)
    assert perms.review_refusal(people["chief"], story, 4)


def test_one_level_per_person_with_a_chain_where_two_levels_share_a_role(people, reporter, editor, team):
    for level, role in [(1, Role.EDITOR), (2, Role.EDITOR), (3, Role.CHIEF_EDITOR)]:
        ReviewStep.objects.create(team=team, level=level, name=f"第{level}审", role=role)
    story = factories.story_in_review(reporter, team)
    assert perms.review_refusal(editor, story, 2) is None
    services.approve(actor=editor, story=story)
    story = Story.objects.get(pk=story.pk)
    assert perms.review_refusal(editor, story, 2)
    assert perms.review_refusal(people["editor2"], story, 2) is None
    assert {name for name in PERSONAS if perms.can_review(people[name], story)} == {"editor2"}


def test_a_team_without_steps_uses_the_default_chain_and_steps_replace_it(team):
    assert perms.review_chain(team) == perms.DEFAULT_REVIEW_CHAIN
    ReviewStep.objects.create(team=team, level=1, name="审核", role=Role.CHIEF_EDITOR)
    fresh = type(team).objects.get(pk=team.pk)
    assert [(s.level, s.role) for s in perms.review_chain(fresh)] == [(1, Role.CHIEF_EDITOR)]
