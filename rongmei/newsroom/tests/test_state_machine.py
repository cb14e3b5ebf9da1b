"""Random actions by random personas, through the real services and database, never sign off a
story without the full chain of distinct approvals on its current version.

Each hypothesis example runs inside its own savepoint, rolled back in ``teardown``, so examples
do not see each other's rows while the test itself stays in pytest-django's transaction.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from rongmei.accounts.models import Role
from rongmei.core import safety
from rongmei.core.exceptions import DomainError
from rongmei.core.models import AuditLog, SensitiveWord, WordCategory
from rongmei.newsroom import permissions as perms
from rongmei.newsroom import services
from rongmei.newsroom.models import EditLock, ReviewStep, SafetyOverride, Story, StoryVersion
from rongmei.newsroom.services.stories import CONTENT_FIELDS, version_text
from rongmei.testing.personas import PERSONAS, make_newsroom

SENTENCES = [
    "泌阳县铜山湖景区今年接待游客同比增长两成。",
    "夏南牛养殖户在湖畔开起了农家乐。",
    "盘古山景区新修的游步道下月开放。",
    "泌阳花菇今年喜获丰收，菇农收入可观。",
    "有人在村里散发法轮功材料，已被制止。",  # a block-level word
    "今年的拆迁补偿已经全部到位。",  # a flag-level word
]
HEADLINES = ["铜山湖畔夏南牛养殖户的新生活", "花菇丰收", "牛", "盘古山游步道下月开放", ""]

personas = st.sampled_from(PERSONAS)
bodies = st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=2).map(lambda parts: "".join(f"<p>{p}</p>" for p in parts if p))
headlines = st.sampled_from(HEADLINES)

# Two bugs this machine found (an unchanged resubmission kept old approvals; an edit in review
# skipped the sensitive-word gate) are fixed; these flags, once used to steer around them, stay
# off so the machine keeps looking for them.
AVOID_UNCHANGED_RESUBMIT_AFTER_APPROVAL = False
AVOID_EDIT_IN_REVIEW_WITH_BLOCKED_WORDS = False


def _content(version: StoryVersion) -> tuple:
    return (
        version.story_id,
        version.number,
        *(getattr(version, name) for name in CONTENT_FIELDS),
        version.word_count,
        version.created_by_id,
        version.created_at,
        version.note,
    )


class Newsroom(RuleBasedStateMachine):
    stories = Bundle("stories")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.people = make_newsroom()
        # 美丽乡村 reviews with two editor levels, so "one level per person" is tested directly.
        for level, role in [(1, Role.EDITOR), (2, Role.EDITOR), (3, Role.CHIEF_EDITOR)]:
            ReviewStep.objects.create(team=self.people["other_team"], level=level, name=f"第{level}审", role=role)
        blocked = WordCategory.objects.create(name="政治", severity=WordCategory.Severity.BLOCK)
        flagged = WordCategory.objects.create(name="民生", severity=WordCategory.Severity.FLAG)
        SensitiveWord.objects.create(category=blocked, word="法轮功")
        SensitiveWord.objects.create(category=flagged, word="拆迁")
        safety._state["version"] = None
        self.teams = [self.people["team"], self.people["other_team"]]
        self.versions: dict[int, tuple] = {}
        self.observed: dict[int, list[tuple[str, str]]] = {}
        self.last_state: dict[int, str] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # helpers

    def _story(self, pk: int) -> Story:
        return Story.objects.select_related("team", "current_version").get(pk=pk)

    def _person(self, name: str):
        # A fresh object each time: permission caches live on the instance.
        return type(self.people[name]).objects.get(pk=self.people[name].pk)

    def _refused(self, err: DomainError) -> None:
        assert err.message.strip(), f"{type(err).__name__} without a message"

    # rules

    def _start(self, story: Story) -> int:
        self.observed[story.pk] = [("", Story.State.DRAFT)]
        self.last_state[story.pk] = Story.State.DRAFT
        return story.pk

    @initialize(target=stories)
    def a_story_in_each_team(self):
        """Start with a submittable draft in each team, so the short runs reach the review chain."""
        return multiple(
            *(
                self._start(services.create_story(actor=self.people[who], team=team, headline=HEADLINES[0], body=f"<p>{SENTENCES[1]}</p>"))
                for who, team in [("reporter", self.teams[0]), ("outsider", self.teams[1])]
            )
        )

    @precondition(lambda self: len(self.last_state) < 4)
    @rule(target=stories, who=personas, team=st.sampled_from([0, 1]), headline=headlines, body=bodies)
    def create(self, who, team, headline, body):
        try:
            story = services.create_story(actor=self._person(who), team=self.teams[team], headline=headline, body=body)
        except DomainError as err:
            self._refused(err)
            return multiple()
        return self._start(story)

    @rule(story=stories, who=personas, body=bodies, headline=headlines, versioned=st.booleans())
    def edit(self, story, who, body, headline, versioned):
        self._edit(story, who, body, headline, versioned)

    @precondition(lambda self: self._with_state(Story.State.IN_REVIEW) + self._with_state(Story.State.APPROVED))
    @rule(pick=st.integers(0, 10), body=bodies, headline=headlines)
    def someone_who_may_edit_changes_a_story_under_review(self, pick, body, headline):
        """Edits after submission restart review; random personas seldom may make them."""
        candidates = self._with_state(Story.State.IN_REVIEW) + self._with_state(Story.State.APPROVED)
        story = candidates[pick % len(candidates)]
        current = self._story(story)
        editors = [n for n in PERSONAS if perms.can_edit_story(self._person(n), current)]
        self._edit(story, editors[pick % len(editors)], body, headline, True)

    def _edit(self, story, who, body, headline, versioned):
        current = self._story(story)
        if (
            AVOID_EDIT_IN_REVIEW_WITH_BLOCKED_WORDS
            and versioned
            and current.state != Story.State.DRAFT
            and safety.blocking(safety.scan("\n".join([headline or current.headline, current.subtitle, current.intro, body])))
        ):
            return
        fields = {"body": body} if headline == "" else {"body": body, "headline": headline}
        try:
            if versioned:
                version = services.save_version(actor=self._person(who), story=current, **fields)
                if current.state != Story.State.DRAFT and version.pk != current.current_version_id:
                    event("edited after submission")
            else:
                services.autosave(actor=self._person(who), story=current, **fields)
        except DomainError as err:
            self._refused(err)

    @rule(story=stories, who=personas, override=st.sampled_from(["", "已向公安部门核实，引用通报原文"]))
    def submit(self, story, who, override):
        self._submit(story, who, override)

    def _with_state(self, state: str) -> list[int]:
        return sorted(pk for pk, s in Story.objects.filter(pk__in=self.last_state).values_list("pk", "state") if s == state)

    @precondition(lambda self: self._with_state(Story.State.DRAFT))
    @rule(pick=st.integers(0, 10), override=st.sampled_from(["", "已向公安部门核实，引用通报原文"]))
    def an_author_submits_a_draft(self, pick, override):
        """Random personas are rarely authors; this keeps stories moving into review."""
        drafts = self._with_state(Story.State.DRAFT)
        story = drafts[pick % len(drafts)]
        author = Story.objects.get(pk=story).authors.first()
        self._submit(story, next(n for n in PERSONAS if self.people[n].pk == author.pk), override)

    def _submit(self, story, who, override):
        current = self._story(story)
        if (
            AVOID_UNCHANGED_RESUBMIT_AFTER_APPROVAL
            and current.current_version is not None
            and current.current_version.approvals.exists()
            and all(getattr(current, f) == getattr(current.current_version, f) for f in CONTENT_FIELDS)
        ):
            return
        try:
            services.submit_story(actor=self._person(who), story=current, override_reason=override)
        except DomainError as err:
            self._refused(err)
        else:
            event("submitted")

    @rule(story=stories, who=personas, which=st.sampled_from(["none", "current", "stale"]))
    def approve(self, story, who, which):
        self._approve(story, who, which)

    def _eligible_reviewer(self, pick: int) -> tuple[int, str] | None:
        waiting = self._with_state(Story.State.IN_REVIEW)
        if not waiting:
            return None
        story = waiting[pick % len(waiting)]
        current = self._story(story)
        eligible = [n for n in PERSONAS if perms.review_refusal(self._person(n), current) is None]
        return (story, eligible[pick % len(eligible)]) if eligible else None

    @precondition(lambda self: self._with_state(Story.State.IN_REVIEW))
    @rule(pick=st.integers(0, 10), levels=st.integers(1, 3))
    def eligible_reviewers_approve(self, pick, levels):
        """Random personas rarely hold the role of the current level, and a return in between
        starts over; so here eligible reviewers approve up to ``levels`` levels in a row."""
        for _ in range(levels):
            chosen = self._eligible_reviewer(pick)
            if not chosen:
                return
            self._approve(*chosen, "current")

    def _approve(self, story, who, which):
        current = self._story(story)
        actor = self._person(who)
        number = None
        if current.current_version is not None and which != "none":
            number = current.current_version.number - (1 if which == "stale" else 0)
        may = perms.review_refusal(actor, current) is None
        try:
            services.approve(actor=actor, story=current, version_number=number)
        except DomainError as err:
            self._refused(err)
            assert not may or which == "stale", f"{who} was refused although review_refusal said yes: {err.message}"
        else:
            assert may, f"{who} approved although review_refusal refused"
            assert which != "stale" or number == current.current_version.number
            event("signed off" if self._story(story).state == Story.State.APPROVED else "approved a level")

    @rule(story=stories, who=personas, reason=st.sampled_from(["", "数据需要核实"]), quote=st.sampled_from(["", "夏南牛", "不存在的句子"]))
    def return_(self, story, who, reason, quote):
        self._return(story, who, reason, quote)

    @precondition(lambda self: self._with_state(Story.State.IN_REVIEW))
    @rule(pick=st.integers(0, 10), quote=st.sampled_from(["", "夏南牛", "不存在的句子"]))
    def an_eligible_reviewer_returns(self, pick, quote):
        chosen = self._eligible_reviewer(pick)
        if chosen:
            self._return(*chosen, "数据需要核实", quote)

    def _return(self, story, who, reason, quote):
        comments = [{"text": "请看这里", "quote": quote}] if quote else []
        try:
            services.return_story(actor=self._person(who), story=self._story(story), reason=reason, comments=comments)
        except DomainError as err:
            self._refused(err)
        else:
            event("returned")

    @rule(story=stories, who=personas)
    def force_unlock(self, story, who):
        actor = self._person(who)
        current = self._story(story)
        try:
            services.force_unlock(actor=actor, story=current)
        except DomainError as err:
            self._refused(err)
            assert not perms.can_force_unlock(actor, current)
        else:
            assert perms.can_force_unlock(actor, current)
            assert not EditLock.objects.filter(story_id=story).exists()

    @rule()
    def time_passes(self):
        EditLock.objects.all().update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    # invariants

    @invariant()
    def signed_off_stories_have_the_full_chain_of_distinct_approvals(self):
        for story in Story.objects.filter(state=Story.State.APPROVED).select_related("team", "current_version"):
            chain = perms.review_chain(story.team)
            approvals = list(story.current_version.approvals.select_related("reviewer"))
            assert sorted(a.level for a in approvals) == [s.level for s in chain]
            reviewers = [a.reviewer for a in approvals]
            assert len({r.pk for r in reviewers}) == len(reviewers)
            author_ids = set(story.authors.values_list("pk", flat=True))
            for approval in approvals:
                step = next(s for s in chain if s.level == approval.level)
                assert approval.reviewer_id not in author_ids
                assert approval.reviewer_id != story.current_version.created_by_id
                assert approval.reviewer.role == step.role
                if step.role == Role.COLUMN_LEAD:
                    assert perms.in_team(approval.reviewer, story.team)
            assert story.signed_off_by_id == next(a.reviewer_id for a in approvals if a.level == chain[-1].level)

    @invariant()
    def stories_in_review_have_approvals_only_below_their_level(self):
        for story in Story.objects.filter(state=Story.State.IN_REVIEW).select_related("team", "current_version"):
            assert story.review_level in [s.level for s in perms.review_chain(story.team)]
            levels = list(story.current_version.approvals.values_list("level", flat=True))
            assert all(level < story.review_level for level in levels), (story.review_level, levels)
        assert not Story.objects.filter(state=Story.State.DRAFT).exclude(review_level=0).exists()

    @invariant()
    def stories_past_draft_are_safe_or_overridden(self):
        for story in Story.objects.exclude(state=Story.State.DRAFT).select_related("current_version"):
            if safety.blocking(safety.scan(version_text(story.current_version))):
                assert SafetyOverride.objects.filter(version=story.current_version, by__role=Role.CHIEF_EDITOR).exists()

    @invariant()
    def versions_never_change(self):
        rows = {v.pk: _content(v) for v in StoryVersion.objects.all()}
        for pk, content in self.versions.items():
            assert rows.get(pk) == content, f"version {pk} changed or vanished"
        self.versions.update(rows)
        for story in Story.objects.exclude(current_version=None).select_related("current_version"):
            assert story.current_version.number == story.versions.count()

    @invariant()
    def every_state_change_has_its_audit_line(self):
        for pk, state in Story.objects.values_list("pk", "state"):
            if pk not in self.last_state:
                continue
            if state != self.last_state[pk]:
                self.observed[pk].append((self.last_state[pk], state))
                self.last_state[pk] = state
            lines = AuditLog.objects.filter(subject_type="newsroom.story", subject_id=str(pk)).order_by("id")
            audited = [(a.from_state, a.to_state) for a in lines if a.to_state and a.from_state != a.to_state]
            assert audited == self.observed[pk]


@pytest.mark.slow
@pytest.mark.django_db
def test_random_newsroom_actions_never_sign_off_without_the_full_chain():
    run_state_machine_as_test(
        Newsroom,
        settings=settings(
            max_examples=50,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
