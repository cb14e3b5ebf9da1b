import pytest

from rongmei.core import safety
from rongmei.core.context import reset_client_ip, set_client_ip
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog, Notification, SensitiveWord, WordCategory
from rongmei.newsroom import services
from rongmei.newsroom.models import Approval, SafetyOverride, Story, StoryVersion
from rongmei.newsroom.services.stories import version_text
from rongmei.testing import factories

BLOCKED_BODY = "<p>铜山湖畔的夏南牛养殖户说，有人在村里传播法轮功材料。</p>"
FLAGGED_BODY = "<p>铜山湖畔的夏南牛养殖户说，今年的拆迁补偿已经到位。</p>"


@pytest.fixture
def client_ip():
    token = set_client_ip("203.0.113.20")
    yield "203.0.113.20"
    reset_client_ip(token)


@pytest.fixture
def word_lists(db, monkeypatch):
    blocked = WordCategory.objects.create(name="政治", severity=WordCategory.Severity.BLOCK)
    flagged = WordCategory.objects.create(name="民生", severity=WordCategory.Severity.FLAG)
    SensitiveWord.objects.create(category=blocked, word="法轮功")
    SensitiveWord.objects.create(category=flagged, word="拆迁")
    # The automaton is cached per process; make sure this test's lists are the ones used.
    monkeypatch.setitem(safety._state, "version", None)


def draft(author, team, **kwargs):
    return factories.draft_story(author, team, **kwargs)


def content(story):
    story.refresh_from_db()
    return (story.headline, story.body, story.state, story.current_version_id, story.review_level)


# create_story


def test_creating_a_story_makes_a_draft_authored_by_its_creator(reporter, team, client_ip):
    story = services.create_story(
        actor=reporter,
        team=team,
        headline=" 铜山湖畔夏南牛养殖户的新生活 ",
        intro="导语",
        body='<p onclick="x()">正文<script>alert(1)</script></p>',
        keywords="夏南牛，铜山湖、养殖",
    )
    story.refresh_from_db()
    assert story.state == Story.State.DRAFT
    assert story.headline == "铜山湖畔夏南牛养殖户的新生活"
    assert "script" not in story.body and "onclick" not in story.body
    assert story.keywords == ["夏南牛", "铜山湖", "养殖"]
    assert story.word_count == 4
    assert list(story.authors.all()) == [reporter]
    assert story.current_version is None
    line = AuditLog.objects.get(action="story.create", subject_id=str(story.pk))
    assert (line.actor, line.to_state, line.ip_address) == (reporter, "draft", client_ip)


@pytest.mark.parametrize("name", ["reporter", "photographer", "editor", "column_lead", "chief"])
def test_team_members_and_the_chief_may_write_in_the_team(people, name):
    assert draft(people[name], people["team"]).created_by == people[name]


@pytest.mark.parametrize("name", ["outsider", "other_lead", "operator"])
def test_others_may_not_write_in_the_team(people, name):
    with pytest.raises(NotAllowed) as err:
        draft(people[name], people["team"])
    assert err.value.message
    assert not Story.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"headline": " "}, "headline"), ({"headline": "铜" * 81}, "headline"), ({"source": "来" * 61}, "source"), ({"team": None}, "team")],
)
def test_bad_story_input_is_refused_naming_the_field(reporter, team, kwargs, field):
    values = {"team": team, "headline": "铜山湖畔夏南牛", **kwargs}
    with pytest.raises(DomainError) as err:
        services.create_story(actor=reporter, **values)
    assert err.value.field == field
    assert err.value.message


# autosave


def test_autosave_stores_the_working_copy_without_a_version_and_takes_the_lock(reporter, team):
    story = draft(reporter, team)
    services.autosave(actor=reporter, story=story, body="<p>新的正文内容</p>")
    story.refresh_from_db()
    assert story.body == "<p>新的正文内容</p>"
    assert story.word_count == 6
    assert not StoryVersion.objects.exists()
    assert story.edit_lock.holder == reporter
    assert story.edit_lock.is_active


def test_autosave_refuses_unknown_fields(reporter, team):
    story = draft(reporter, team)
    with pytest.raises(DomainError):
        services.autosave(actor=reporter, story=story, state="approved")
    assert Story.objects.get(pk=story.pk).state == Story.State.DRAFT


@pytest.mark.parametrize("name", ["outsider", "other_lead", "operator", "photographer"])
def test_autosave_refuses_people_who_may_not_edit(people, name):
    story = draft(people["reporter"], people["team"])
    before = content(story)
    with pytest.raises(NotAllowed):
        services.autosave(actor=people[name], story=story, body="<p>篡改</p>")
    assert content(story) == before


# save_version


def test_saving_a_version_snapshots_the_working_copy(reporter, team):
    story = draft(reporter, team)
    version = services.save_version(actor=reporter, story=story, note="初稿", subtitle="副题")
    story.refresh_from_db()
    assert version.number == 1
    assert story.current_version == version
    assert (version.headline, version.subtitle, version.body, version.note) == (story.headline, "副题", story.body, "初稿")
    assert version.word_count == story.word_count
    assert AuditLog.objects.filter(action="story.version", subject_id=str(story.pk)).count() == 1


def test_saving_without_changes_creates_no_version(reporter, team):
    story = draft(reporter, team)
    first = services.save_version(actor=reporter, story=story)
    again = services.save_version(actor=reporter, story=story)
    same_text = services.save_version(actor=reporter, story=story, body=story.body)
    assert first.pk == again.pk == same_text.pk
    assert StoryVersion.objects.count() == 1
    assert AuditLog.objects.filter(action="story.version").count() == 1


def test_versions_are_numbered_in_order(reporter, team):
    story = draft(reporter, team)
    numbers = [services.save_version(actor=reporter, story=story, body=f"<p>第{i}稿</p>").number for i in range(3)]
    assert numbers == [1, 2, 3]


def test_story_versions_are_immutable(reporter, team):
    story = draft(reporter, team)
    version = services.save_version(actor=reporter, story=story)
    version.body = "<p>偷偷改</p>"
    with pytest.raises(TypeError):
        version.save()
    with pytest.raises(TypeError):
        StoryVersion.objects.filter(pk=version.pk).update(body="<p>偷偷改</p>")
    assert StoryVersion.objects.get(pk=version.pk).body == factories.BODY


def test_save_version_refuses_people_who_may_not_edit(outsider, reporter, team):
    story = draft(reporter, team)
    with pytest.raises(NotAllowed):
        services.save_version(actor=outsider, story=story, body="<p>改</p>")
    assert not StoryVersion.objects.exists()


def test_editing_after_an_approval_makes_a_new_version_and_restarts_review(reporter, editor, column_lead, team):
    story = factories.story_in_review(reporter, team)
    services.approve(actor=editor, story=story)
    first = Story.objects.get(pk=story.pk).current_version
    Notification.objects.all().delete()
    version = services.save_version(actor=column_lead, story=story, body="<p>组长改过的正文。</p>")
    story.refresh_from_db()
    assert version.number == first.number + 1
    assert story.current_version == version
    assert story.state == Story.State.IN_REVIEW
    assert story.review_level == 1
    assert not version.approvals.exists()
    assert first.approvals.count() == 1
    line = AuditLog.objects.get(action="story.review_restart", subject_id=str(story.pk))
    assert (line.actor, line.from_state, line.to_state) == (column_lead, "in_review", "in_review")
    notified = set(Notification.objects.values_list("recipient", flat=True))
    assert editor.pk in notified
    assert column_lead.pk not in notified
    assert reporter.pk not in notified


def test_editing_a_signed_off_story_sends_it_back_to_first_review(reporter, editor, column_lead, chief, team):
    story = factories.signed_off_story(reporter, team, [editor, column_lead, chief])
    assert story.state == Story.State.APPROVED
    version = services.save_version(actor=reporter, story=story, headline="铜山湖畔夏南牛养殖户的新日子")
    story.refresh_from_db()
    assert story.state == Story.State.IN_REVIEW
    assert story.review_level == 1
    assert story.signed_off_at is None and story.signed_off_by is None
    assert story.current_version == version and version.number == 2
    assert not version.approvals.exists()
    line = AuditLog.objects.get(action="story.review_restart", subject_id=str(story.pk))
    assert (line.from_state, line.to_state) == ("approved", "in_review")


def test_saving_a_signed_off_story_unchanged_keeps_it_signed_off(reporter, editor, column_lead, chief, team):
    story = factories.signed_off_story(reporter, team, [editor, column_lead, chief])
    services.save_version(actor=reporter, story=story)
    story.refresh_from_db()
    assert story.state == Story.State.APPROVED
    assert StoryVersion.objects.filter(story=story).count() == 1


# submit_story


def test_submitting_snapshots_a_version_and_asks_first_level_reviewers(reporter, editor, editor2, column_lead, chief, team, client_ip):
    story = draft(reporter, team)
    services.submit_story(actor=reporter, story=story)
    story.refresh_from_db()
    assert story.state == Story.State.IN_REVIEW
    assert story.review_level == 1
    assert story.current_version.number == 1
    line = AuditLog.objects.get(action="story.submit", subject_id=str(story.pk))
    assert (line.actor, line.from_state, line.to_state, line.ip_address) == (reporter, "draft", "in_review", client_ip)
    assert set(Notification.objects.values_list("recipient", flat=True)) == {editor.pk, editor2.pk}


def test_an_editor_who_wrote_the_story_is_not_asked_to_review_it(editor, editor2, team):
    story = draft(editor, team)
    services.submit_story(actor=editor, story=story)
    assert set(Notification.objects.values_list("recipient", flat=True)) == {editor2.pk}


@pytest.mark.parametrize("name", ["reporter2", "editor", "photographer", "other_lead", "outsider", "operator"])
def test_only_an_author_or_the_team_lead_may_submit(people, name):
    story = draft(people["reporter"], people["team"])
    with pytest.raises(NotAllowed) as err:
        services.submit_story(actor=people[name], story=story)
    assert err.value.message
    assert Story.objects.get(pk=story.pk).state == Story.State.DRAFT


@pytest.mark.parametrize("name", ["column_lead", "chief"])
def test_the_team_lead_or_chief_may_submit_for_the_author(people, name):
    story = draft(people["reporter"], people["team"])
    services.submit_story(actor=people[name], story=story)
    assert Story.objects.get(pk=story.pk).state == Story.State.IN_REVIEW


def test_only_a_draft_is_submitted(reporter, team):
    story = factories.story_in_review(reporter, team)
    with pytest.raises(StateConflict):
        services.submit_story(actor=reporter, story=story)


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"headline": "夏南牛"}, "headline"), ({"body": "<p>  </p>"}, "body"), ({"body": "<script>x</script>"}, "body")],
)
def test_a_story_too_thin_to_review_is_refused_naming_the_field(reporter, team, fields, field):
    story = draft(reporter, team)
    with pytest.raises(DomainError) as err:
        services.submit_story(actor=reporter, story=story, **fields)
    assert err.value.field == field
    story.refresh_from_db()
    assert story.state == Story.State.DRAFT
    assert story.current_version is None


def test_block_level_words_stop_submission_and_keep_the_draft(word_lists, reporter, team):
    story = draft(reporter, team, body=BLOCKED_BODY)
    before = content(story)
    with pytest.raises(services.SafetyBlocked) as err:
        services.submit_story(actor=reporter, story=story)
    assert [h.word for h in err.value.hits] == ["法轮功"]
    assert err.value.hits[0].severity == "block"
    assert "法轮功" in err.value.message
    assert content(story) == before
    assert not StoryVersion.objects.exists()
    assert not AuditLog.objects.filter(action="story.submit").exists()


def test_a_blocked_submit_with_new_text_keeps_what_was_typed(word_lists, reporter, team):
    story = draft(reporter, team)
    with pytest.raises(services.SafetyBlocked):
        services.submit_story(actor=reporter, story=story, body=BLOCKED_BODY)
    story.refresh_from_db()
    # The transaction rolled back: the stored draft is what was saved before, and the caller
    # still holds what was typed (the view re-renders it).
    assert story.body == factories.BODY
    assert story.state == Story.State.DRAFT


def test_flag_level_words_do_not_block_but_are_recorded(word_lists, reporter, team):
    story = draft(reporter, team, body=FLAGGED_BODY)
    services.submit_story(actor=reporter, story=story)
    assert Story.objects.get(pk=story.pk).state == Story.State.IN_REVIEW
    line = AuditLog.objects.get(action="story.submit")
    assert [h["word"] for h in line.data["flagged"]] == ["拆迁"]


@pytest.mark.parametrize("name", ["column_lead", "reporter"])
def test_a_reason_from_anyone_but_the_chief_editor_does_not_override(word_lists, people, name):
    story = draft(people["reporter"], people["team"], body=BLOCKED_BODY)
    with pytest.raises(services.SafetyBlocked):
        services.submit_story(actor=people[name], story=story, override_reason="我担保")
    assert not SafetyOverride.objects.exists()


def test_the_chief_editor_needs_a_written_reason_to_override(word_lists, reporter, chief, team):
    story = draft(reporter, team, body=BLOCKED_BODY)
    with pytest.raises(services.SafetyBlocked):
        services.submit_story(actor=chief, story=story, override_reason="   ")
    assert Story.objects.get(pk=story.pk).state == Story.State.DRAFT


def test_the_chief_editor_overrides_with_a_reason_which_is_kept_and_audited(word_lists, reporter, chief, team, client_ip):
    story = draft(reporter, team, body=BLOCKED_BODY)
    services.submit_story(actor=chief, story=story, override_reason="引用的是公安通报原文")
    story.refresh_from_db()
    assert story.state == Story.State.IN_REVIEW
    override = SafetyOverride.objects.get()
    assert override.version == story.current_version
    assert override.by == chief
    assert override.reason == "引用的是公安通报原文"
    assert [h["word"] for h in override.hits] == ["法轮功"]
    line = AuditLog.objects.get(action="story.safety_override", subject_id=str(story.pk))
    assert (line.actor, line.ip_address) == (chief, client_ip)
    assert "引用的是公安通报原文" in line.summary


def test_allowed_phrases_do_not_count_as_hits(word_lists, reporter, team, monkeypatch):
    from rongmei.core.models import AllowedPhrase

    AllowedPhrase.objects.create(phrase="揭批法轮功")
    monkeypatch.setitem(safety._state, "version", None)
    story = draft(reporter, team, body="<p>社区开展揭批法轮功邪教宣传活动，夏南牛养殖户参加。</p>")
    services.submit_story(actor=reporter, story=story)
    assert Story.objects.get(pk=story.pk).state == Story.State.IN_REVIEW


def test_an_unchanged_resubmission_does_not_duplicate_the_version(reporter, editor, team):
    story = factories.story_in_review(reporter, team)
    services.return_story(actor=editor, story=story, reason="请补充数据")
    services.submit_story(actor=reporter, story=story, body="<p>补充了数据的正文。</p>")
    story.refresh_from_db()
    assert story.current_version.number == 2
    assert not Approval.objects.filter(version=story.current_version).exists()


def test_an_edit_under_review_cannot_slip_blocked_words_past_the_check(word_lists, reporter, editor, team):
    story = factories.story_in_review(reporter, team)
    try:
        services.save_version(actor=editor, story=story, body=BLOCKED_BODY)
    except services.SafetyBlocked:
        pass
    story.refresh_from_db()
    blocked = safety.blocking(safety.scan(version_text(story.current_version)))
    overridden = SafetyOverride.objects.filter(version=story.current_version).exists()
    assert story.state == Story.State.DRAFT or not blocked or overridden
