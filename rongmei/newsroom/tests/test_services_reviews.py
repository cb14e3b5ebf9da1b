import pytest

from rongmei.accounts.models import Role
from rongmei.core.context import reset_client_ip, set_client_ip
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog, Notification
from rongmei.newsroom import permissions as perms
from rongmei.newsroom import services
from rongmei.newsroom.models import Approval, ReviewComment, ReviewStep, Story
from rongmei.testing import factories

QUOTE = "夏南牛养殖户在湖畔开起了农家乐"  # a passage of factories.BODY


@pytest.fixture
def client_ip():
    token = set_client_ip("203.0.113.99")
    yield "203.0.113.99"
    reset_client_ip(token)


@pytest.fixture
def in_review(reporter, team):
    story = factories.story_in_review(reporter, team)
    Notification.objects.all().delete()
    return story


def fresh(story):
    return Story.objects.select_related("current_version").get(pk=story.pk)


def recipients():
    return set(Notification.objects.values_list("recipient", flat=True))


# approve


def test_the_default_chain_is_editor_column_lead_chief_editor(team):
    assert [(s.level, s.role) for s in perms.review_chain(team)] == [
        (1, Role.EDITOR),
        (2, Role.COLUMN_LEAD),
        (3, Role.CHIEF_EDITOR),
    ]


def test_first_review_passes_to_the_column_lead(in_review, editor, column_lead, reporter, client_ip):
    services.approve(actor=editor, story=in_review, comment=" 文字通顺 ")
    story = fresh(in_review)
    assert (story.state, story.review_level) == (Story.State.IN_REVIEW, 2)
    approval = Approval.objects.get()
    assert (approval.version, approval.level, approval.reviewer, approval.comment) == (story.current_version, 1, editor, "文字通顺")
    line = AuditLog.objects.get(action="story.approve", subject_id=str(story.pk))
    assert (line.actor, line.from_state, line.to_state, line.ip_address) == (editor, "in_review", "in_review", client_ip)
    assert (line.data["level"], line.data["next_level"], line.data["version"]) == (1, 2, 1)
    assert recipients() == {column_lead.pk}


def test_second_review_passes_to_the_chief_editors(in_review, editor, column_lead, chief, chief2):
    services.approve(actor=editor, story=in_review)
    Notification.objects.all().delete()
    services.approve(actor=column_lead, story=in_review)
    assert fresh(in_review).review_level == 3
    assert recipients() == {chief.pk, chief2.pk}


def test_the_last_level_signs_the_story_off_and_tells_the_authors(in_review, editor, column_lead, chief, reporter, client_ip):
    services.approve(actor=editor, story=in_review)
    services.approve(actor=column_lead, story=in_review)
    Notification.objects.all().delete()
    services.approve(actor=chief, story=in_review)
    story = fresh(in_review)
    assert story.state == Story.State.APPROVED
    assert story.signed_off_by == chief
    assert story.signed_off_at is not None
    assert story.review_level == 3
    assert sorted(story.current_version.approvals.values_list("level", "reviewer")) == [(1, editor.pk), (2, column_lead.pk), (3, chief.pk)]
    line = AuditLog.objects.get(action="story.sign_off", subject_id=str(story.pk))
    assert (line.actor, line.from_state, line.to_state, line.ip_address) == (chief, "in_review", "approved", client_ip)
    assert recipients() == {reporter.pk}


@pytest.mark.parametrize(
    ("level", "wrong"),
    [
        (1, ["reporter", "reporter2", "photographer", "column_lead", "chief", "operator", "outsider"]),
        (2, ["editor2", "reporter2", "other_lead", "chief", "operator"]),
        (3, ["editor2", "column_lead", "other_lead", "reporter2", "operator"]),
    ],
)
def test_each_level_is_refused_to_people_without_its_role(people, in_review, level, wrong):
    for reviewer in [people["editor"], people["column_lead"]][: level - 1]:
        services.approve(actor=reviewer, story=in_review)
    for name in wrong:
        with pytest.raises(NotAllowed) as err:
            services.approve(actor=people[name], story=in_review)
        assert err.value.message, name
    story = fresh(in_review)
    assert story.review_level == level
    assert story.current_version.approvals.count() == level - 1


def test_the_column_lead_of_another_team_may_not_do_second_review(in_review, editor, other_lead):
    services.approve(actor=editor, story=in_review)
    with pytest.raises(NotAllowed) as err:
        services.approve(actor=other_lead, story=in_review)
    assert "新闻组" in err.value.message


def test_a_column_lead_who_wrote_the_story_may_not_approve_it(column_lead, editor, team):
    story = factories.story_in_review(column_lead, team)
    services.approve(actor=editor, story=story)
    with pytest.raises(NotAllowed) as err:
        services.approve(actor=column_lead, story=story)
    assert err.value.message
    assert fresh(story).review_level == 2


def test_a_co_author_may_not_review_the_story(reporter, editor, team):
    story = factories.draft_story(reporter, team)
    story.authors.add(editor)
    services.submit_story(actor=reporter, story=story)
    with pytest.raises(NotAllowed):
        services.approve(actor=editor, story=story)


def test_the_chief_editor_may_not_sign_off_their_own_story(chief, editor, column_lead, chief2, team):
    story = factories.story_in_review(chief, team)
    services.approve(actor=editor, story=story)
    services.approve(actor=column_lead, story=story)
    with pytest.raises(NotAllowed):
        services.approve(actor=chief, story=story)
    services.approve(actor=chief2, story=story)
    assert fresh(story).signed_off_by == chief2


def test_the_column_lead_of_the_team_is_not_asked_to_review_their_own_story(column_lead, editor, team):
    story = factories.story_in_review(column_lead, team)
    Notification.objects.all().delete()
    services.approve(actor=editor, story=story)
    assert column_lead.pk not in recipients()


@pytest.fixture
def two_editor_chain(team):
    """A team whose first two levels are both done by editors."""
    for level, name, role in [(1, "初审", Role.EDITOR), (2, "复审", Role.EDITOR), (3, "终审", Role.CHIEF_EDITOR)]:
        ReviewStep.objects.create(team=team, level=level, name=name, role=role)
    return team


def test_one_person_approves_at_most_one_level_of_a_version(two_editor_chain, reporter, editor, editor2, chief):
    story = factories.story_in_review(reporter, two_editor_chain)
    services.approve(actor=editor, story=story)
    with pytest.raises(NotAllowed) as err:
        services.approve(actor=editor, story=story)
    assert err.value.message
    story = fresh(story)
    assert story.review_level == 2
    assert perms.review_refusal(editor, story) is not None
    services.approve(actor=editor2, story=story)
    services.approve(actor=chief, story=story)
    story = fresh(story)
    assert story.state == Story.State.APPROVED
    assert sorted(story.current_version.approvals.values_list("reviewer", flat=True)) == sorted([editor.pk, editor2.pk, chief.pk])


def test_a_custom_chain_with_two_levels_signs_off_at_its_last_level(team, reporter, editor, chief):
    ReviewStep.objects.create(team=team, level=1, name="初审", role=Role.EDITOR)
    ReviewStep.objects.create(team=team, level=2, name="终审", role=Role.CHIEF_EDITOR)
    story = factories.signed_off_story(reporter, team, [editor, chief])
    assert story.state == Story.State.APPROVED


def test_a_story_not_in_review_cannot_be_approved(reporter, editor, team):
    story = factories.draft_story(reporter, team)
    with pytest.raises(StateConflict):
        services.approve(actor=editor, story=story)
    assert not Approval.objects.exists()


def test_a_signed_off_story_cannot_be_approved_again(reporter, editor, column_lead, chief, chief2, team):
    story = factories.signed_off_story(reporter, team, [editor, column_lead, chief])
    with pytest.raises(StateConflict):
        services.approve(actor=chief2, story=story)


def test_approving_a_stale_version_is_refused(in_review, editor, reporter):
    services.save_version(actor=reporter, story=in_review, body="<p>作者又改了一遍。</p>")
    with pytest.raises(StateConflict) as err:
        services.approve(actor=editor, story=in_review, version_number=1)
    assert err.value.code == "stale_version"
    assert not Approval.objects.exists()
    services.approve(actor=editor, story=in_review, version_number=2)
    assert fresh(in_review).review_level == 2


def test_an_unchanged_resubmission_after_return_starts_review_on_a_clean_slate(in_review, editor, editor2, column_lead, reporter):
    services.approve(actor=editor, story=in_review)
    services.return_story(actor=column_lead, story=in_review, reason="标题再斟酌")
    services.submit_story(actor=reporter, story=in_review)
    story = fresh(in_review)
    assert story.review_level == 1
    assert not story.current_version.approvals.exists()
    services.approve(actor=editor2, story=story)
    assert fresh(story).review_level == 2


# return_story


def test_returning_sends_the_story_back_to_draft_with_anchored_comments(in_review, editor, reporter, client_ip):
    services.return_story(
        actor=editor,
        story=in_review,
        reason="数据需要核实",
        comments=[{"text": "农家乐有几家？", "quote": QUOTE}, {"text": "整体偏短"}],
        version_number=1,
    )
    story = fresh(in_review)
    assert (story.state, story.review_level) == (Story.State.DRAFT, 0)
    comments = list(ReviewComment.objects.filter(story=story))
    assert [c.text for c in comments] == ["数据需要核实", "农家乐有几家？", "整体偏短"]
    assert all(c.version == story.current_version and c.author == editor and c.level == 1 for c in comments)
    anchored = comments[1]
    from rongmei.core.text import plain_text

    assert plain_text(story.current_version.body)[anchored.anchor_start : anchored.anchor_end] == QUOTE
    assert anchored.quote == QUOTE
    assert comments[2].anchor_start is None
    line = AuditLog.objects.get(action="story.return", subject_id=str(story.pk))
    assert (line.actor, line.from_state, line.to_state, line.ip_address) == (editor, "in_review", "draft", client_ip)
    assert recipients() == {reporter.pk}


def test_returning_needs_a_reason(in_review, editor):
    with pytest.raises(DomainError) as err:
        services.return_story(actor=editor, story=in_review, reason="  ")
    assert err.value.field == "reason"
    assert fresh(in_review).state == Story.State.IN_REVIEW
    assert not ReviewComment.objects.exists()


def test_a_quote_not_in_the_text_is_refused_and_nothing_changes(in_review, editor):
    with pytest.raises(DomainError) as err:
        services.return_story(actor=editor, story=in_review, reason="看批注", comments=[{"text": "这里", "quote": "盘古山"}])
    assert err.value.field == "quote"
    assert fresh(in_review).state == Story.State.IN_REVIEW
    assert not ReviewComment.objects.exists()
    assert not AuditLog.objects.filter(action="story.return").exists()


@pytest.mark.parametrize("name", ["reporter", "column_lead", "chief", "outsider", "operator"])
def test_only_the_reviewer_of_the_current_level_may_return(people, in_review, name):
    with pytest.raises(NotAllowed):
        services.return_story(actor=people[name], story=in_review, reason="不行")
    assert fresh(in_review).state == Story.State.IN_REVIEW


def test_returning_a_stale_version_is_refused(in_review, editor, reporter):
    services.save_version(actor=reporter, story=in_review, body="<p>改过了。</p>")
    with pytest.raises(StateConflict):
        services.return_story(actor=editor, story=in_review, reason="不行", version_number=1)


def test_a_draft_cannot_be_returned(reporter, editor, team):
    story = factories.draft_story(reporter, team)
    with pytest.raises(StateConflict):
        services.return_story(actor=editor, story=story, reason="不行")


# add_comment


def test_a_reviewer_comments_with_an_anchor(in_review, editor):
    comment = services.add_comment(actor=editor, story=in_review, text_="这句好", quote=QUOTE)
    assert (comment.level, comment.quote, comment.version) == (1, QUOTE, fresh(in_review).current_version)
    assert comment.anchor_end - comment.anchor_start == len(QUOTE)
    assert AuditLog.objects.filter(action="story.comment", subject_id=str(in_review.pk)).exists()


def test_a_comment_with_explicit_offsets_keeps_them_when_they_match(in_review, editor):
    from rongmei.core.text import plain_text

    body = plain_text(fresh(in_review).current_version.body)
    start = body.index(QUOTE)
    comment = services.add_comment(actor=editor, story=in_review, text_="好", quote=QUOTE, start=start, end=start + len(QUOTE))
    assert (comment.anchor_start, comment.anchor_end) == (start, start + len(QUOTE))


def test_a_comment_quoting_text_not_in_the_version_is_refused(in_review, editor):
    with pytest.raises(DomainError) as err:
        services.add_comment(actor=editor, story=in_review, text_="？", quote="不存在的句子")
    assert err.value.field == "quote"


def test_an_empty_comment_is_refused(in_review, editor):
    with pytest.raises(DomainError) as err:
        services.add_comment(actor=editor, story=in_review, text_=" ")
    assert err.value.field == "text"


@pytest.mark.parametrize("name", ["outsider", "operator", "other_lead"])
def test_outsiders_may_not_comment(people, in_review, name):
    with pytest.raises(NotAllowed):
        services.add_comment(actor=people[name], story=in_review, text_="路过")


def test_a_story_without_a_version_takes_no_comments(reporter, team):
    story = factories.draft_story(reporter, team)
    with pytest.raises(StateConflict):
        services.add_comment(actor=reporter, story=story, text_="备忘")
