"""The partner network's write path: quotas, posts, contributions adopted into the newsroom,
cooperation tasks, and closing a quarter — who may, what is refused, what is stored, audited and
told to whom."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from freezegun import freeze_time

from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog, Notification
from rongmei.newsroom.models import Lead, Story
from rongmei.partners import scoring, services
from rongmei.partners.models import Contribution, Honour, Partner, Post, Quarter, Quota, Score, Task, TaskAssignment
from rongmei.testing.factories import draft_story, published_story
from rongmei.testing.partners import make_partner, png_bytes

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
BODY = "夏南牛养殖户在铜山湖畔开起了农家乐。\n周末游客络绎不绝，带动了村里的土特产销售。"


@pytest.fixture(autouse=True)
def _english(english):
    """Messages are read by their English msgids."""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def q1() -> Quarter:
    return services.quarter_for(dt.date(2025, 2, 1))


def texts(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("text", flat=True))


def post(actor, partner, *, url="https://mp.example.com/s/1", day=dt.date(2025, 2, 5), reads=100, **extra):
    return services.record_post(actor=actor, partner=partner, title="铜山湖的春天", url=url, published_on=day, reads=reads, **extra)


# --- quotas -------------------------------------------------------------------------------------


def test_an_operator_sets_a_quota_and_the_partner_is_told(operator, partner, partner_login):
    quota = services.set_quota(actor=operator, partner=partner, quarter=q1(), posts=30, originals=10, reposts="5", tasks=2)
    quota.refresh_from_db()
    assert (quota.posts, quota.originals, quota.reposts, quota.tasks, quota.set_by) == (30, 10, 5, 2, operator)
    line = AuditLog.objects.get(action="partner.quota")
    assert (line.actor, line.subject_id, line.data["posts"]) == (operator, str(partner.pk), 30)
    assert texts(partner_login) == ["Your quota for 2025 Q1 is set."]

    services.set_quota(actor=operator, partner=partner, quarter=q1(), posts=40, originals=10, reposts=5, tasks=2)
    assert Quota.objects.get().posts == 40
    assert len(texts(partner_login)) == 1  # told once, when first set


def test_partner_logins_and_the_newsroom_cannot_set_quotas(partner, partner_login, editor, reporter):
    for person in (partner_login, editor, reporter):
        with pytest.raises(NotAllowed):
            services.set_quota(actor=person, partner=partner, quarter=q1(), posts=1)
    assert not Quota.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"posts": 5, "originals": 6}, "originals"),
        ({"posts": -1}, "posts"),
        ({"reposts": "五"}, "reposts"),
        ({"tasks": None}, "tasks"),
        ({"posts": 10001}, "posts"),
        ({"originals": "1.5", "posts": 3}, "originals"),
    ],
)
def test_bad_quota_values_are_refused_naming_the_field(operator, partner, values, field):
    with pytest.raises(DomainError) as e:
        services.set_quota(actor=operator, partner=partner, quarter=q1(), **values)
    assert e.value.field == field
    assert not Quota.objects.exists()


# --- posts --------------------------------------------------------------------------------------


def test_a_partner_records_its_own_post(partner, partner_login):
    recorded = post(partner_login, partner, kind="repost")
    recorded.refresh_from_db()
    assert (recorded.partner, recorded.kind, recorded.reads, recorded.source, recorded.recorded_by) == (
        partner,
        Post.Kind.REPOST,
        100,
        Post.Source.MANUAL,
        partner_login,
    )
    assert AuditLog.objects.get(action="partner.post").summary == "Post recorded: 铜山湖的春天, 100 reads"


def test_a_partner_cannot_record_for_another_partner_nor_can_the_newsroom(partner, other_partner_login, editor):
    for person in (other_partner_login, editor):
        with pytest.raises(NotAllowed):
            post(person, partner)
    assert not Post.objects.exists()


def test_an_operator_records_a_post_for_any_partner(operator, partner):
    assert post(operator, partner).recorded_by == operator


def test_a_post_dated_in_the_future_is_refused(partner, partner_login):
    with pytest.raises(DomainError) as e:
        post(partner_login, partner, day=timezone.localdate() + dt.timedelta(days=1))
    assert e.value.field == "published_on"
    assert not Post.objects.exists()


def test_the_same_link_twice_updates_the_post_instead_of_adding_one(partner, partner_login):
    first = post(partner_login, partner, reads=100)
    second = post(partner_login, partner, reads=250)
    assert first.pk == second.pk
    assert list(Post.objects.values_list("reads", flat=True)) == [250]
    assert AuditLog.objects.filter(action="partner.post").last().summary == "Figures updated: 铜山湖的春天, 250 reads"


def test_the_same_link_from_two_partners_is_two_posts(partner, partner_login, other_partner, other_partner_login):
    post(partner_login, partner)
    post(other_partner_login, other_partner)
    assert Post.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "field"), [({"url": "ftp://x.example.com/a"}, "url"), ({"reads": -3}, "reads"), ({"kind": "x"}, "kind")]
)
def test_bad_post_fields_are_refused_naming_the_field(partner, partner_login, fields, field):
    with pytest.raises(DomainError) as e:
        post(partner_login, partner, **fields)
    assert e.value.field == field


# --- contributions ------------------------------------------------------------------------------


def send(login, *, kind="lead", files=None, title="湖畔新开农家乐"):
    files = [SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")] if files is None else files
    return services.submit_contribution(actor=login, kind=kind, title=title, body=BODY, files=files)


def test_a_partner_sends_a_lead_with_a_file_and_the_desk_is_told(partner, partner_login, editor, operator):
    contribution = send(partner_login)
    assert (contribution.partner, contribution.status, contribution.submitted_by) == (partner, Contribution.Status.SUBMITTED, partner_login)
    stored = contribution.files.get()
    assert (stored.name, stored.size) == ("photo.png", len(png_bytes()))
    with stored.file.open("rb") as f:
        assert f.read() == png_bytes()
    assert AuditLog.objects.get(action="partner.contribution").to_state == Contribution.Status.SUBMITTED
    assert texts(editor) == ["Contribution from 泌阳微帮: 湖畔新开农家乐"]
    assert texts(operator)[-1] == "Contribution from 泌阳微帮: 湖畔新开农家乐"


def test_only_a_partner_login_can_send_a_contribution(editor, operator, reporter):
    for person in (editor, operator, reporter):
        with pytest.raises(NotAllowed):
            send(person, files=[])
    assert not Contribution.objects.exists()


def test_a_partner_whose_cooperation_ended_cannot_send(operator, partner, partner_login):
    services.save_partner(actor=operator, partner=partner, status=Partner.Status.ENDED)
    partner_login.refresh_from_db()
    with pytest.raises(NotAllowed):
        send(partner_login, files=[])


def test_adopting_as_a_lead_files_an_attributed_partner_lead_with_the_attachment(partner, partner_login, editor, team):
    contribution = send(partner_login)
    services.adopt_as_lead(actor=editor, contribution=contribution, team=team)
    contribution.refresh_from_db()
    lead = contribution.lead
    assert (contribution.status, contribution.decided_by) == (Contribution.Status.ADOPTED, editor)
    assert contribution.decided_at is not None
    assert (lead.source, lead.title, lead.team, lead.reported_by) == (Lead.Source.PARTNER, "湖畔新开农家乐", team, editor)
    assert lead.source_contact == "泌阳微帮 13800000000"
    assert "From self-media partner 泌阳微帮 (operator 王运营者), sent " in lead.description
    assert lead.description.startswith("夏南牛养殖户在铜山湖畔开起了农家乐。")
    attachment = lead.attachments.get()
    assert attachment.name == "photo.png"
    with attachment.file.open("rb") as f:
        assert f.read() == png_bytes()
    decided = AuditLog.objects.get(action="partner.contribution_decide")
    assert (decided.from_state, decided.to_state, decided.actor) == ("submitted", "adopted", editor)
    assert texts(partner_login) == ["Adopted as a lead: 湖畔新开农家乐"]


def test_an_editor_adopts_a_draft_story_into_the_team_with_the_picture_in_the_library(partner, partner_login, editor, team):
    contribution = send(partner_login, kind="story")
    services.adopt_as_story(actor=editor, contribution=contribution, team=team)
    contribution.refresh_from_db()
    story = contribution.story
    assert contribution.status == Contribution.Status.ADOPTED
    assert (story.state, story.team, story.source, story.headline) == (Story.State.DRAFT, team, "泌阳微帮", "湖畔新开农家乐")
    assert "<p>夏南牛养殖户在铜山湖畔开起了农家乐。</p>" in story.body
    assert "<p>周末游客络绎不绝，带动了村里的土特产销售。</p>" in story.body
    asset = story.assets.get()
    assert (asset.kind, asset.original_name, asset.uploaded_by) == ("image", "photo.png", editor)
    assert texts(partner_login) == ["Adopted as a story: 湖畔新开农家乐"]


@pytest.mark.parametrize("adopt", ["adopt_as_lead", "adopt_as_story"])
def test_a_reporter_an_operator_or_a_partner_cannot_adopt(partner_login, reporter, operator, team, adopt):
    contribution = send(partner_login, files=[])
    for person in (reporter, operator, partner_login):
        with pytest.raises(NotAllowed):
            getattr(services, adopt)(actor=person, contribution=contribution, team=team)
    contribution.refresh_from_db()
    assert contribution.status == Contribution.Status.SUBMITTED
    assert not Lead.objects.exists() and not Story.objects.exists()


def test_a_contribution_is_decided_once(partner_login, editor, column_lead, team):
    contribution = send(partner_login, files=[])
    services.adopt_as_lead(actor=editor, contribution=contribution)
    with pytest.raises(StateConflict):
        services.adopt_as_story(actor=column_lead, contribution=contribution, team=team)
    with pytest.raises(StateConflict):
        services.decline_contribution(actor=column_lead, contribution=contribution, reason="重复")
    with pytest.raises(StateConflict):
        services.adopt_as_lead(actor=column_lead, contribution=contribution)
    assert Lead.objects.count() == 1
    assert not Story.objects.exists()


def test_declining_needs_a_reason_and_tells_the_partner(partner_login, editor):
    contribution = send(partner_login, files=[])
    with pytest.raises(DomainError) as e:
        services.decline_contribution(actor=editor, contribution=contribution, reason="  ")
    assert e.value.field == "reason"
    services.decline_contribution(actor=editor, contribution=contribution, reason="内容与已发稿件重复")
    contribution.refresh_from_db()
    assert (contribution.status, contribution.decline_reason) == (Contribution.Status.DECLINED, "内容与已发稿件重复")
    assert texts(partner_login) == ["Not adopted: 湖畔新开农家乐 (内容与已发稿件重复)"]
    with pytest.raises(StateConflict):
        services.adopt_as_lead(actor=editor, contribution=contribution)


def test_a_partner_cannot_decline_a_contribution(partner_login, other_partner_login):
    contribution = send(partner_login, files=[])
    for person in (partner_login, other_partner_login):
        with pytest.raises(NotAllowed):
            services.decline_contribution(actor=person, contribution=contribution, reason="不要了")


# --- tasks --------------------------------------------------------------------------------------

NOW = at(dt.date(2025, 2, 10))


@pytest.fixture
def story(reporter, team, reviewers):
    """Published at the real time: publishing under a frozen clock trips pydantic over FakeDatetime."""
    return published_story(reporter, team, reviewers)


@pytest.fixture
def clock(story):
    with freeze_time(NOW) as frozen:
        yield frozen


def repost_task(operator, partners, stories, *, starts=NOW - dt.timedelta(hours=1), due=NOW + dt.timedelta(days=2)):
    return services.create_task(
        actor=operator, kind="repost", title="转发：牛业大会开幕", starts_at=starts, due_at=due, partners=partners, stories=stories
    )


def test_a_repost_task_names_published_articles_only(clock, operator, partner, reporter, team, story):
    with pytest.raises(DomainError) as e:
        repost_task(operator, [partner], [])
    assert e.value.field == "stories"
    draft = draft_story(reporter, team, headline="尚未发布的稿件")
    with pytest.raises(DomainError) as e:
        repost_task(operator, [partner], [story, draft])
    assert e.value.field == "stories"
    assert "尚未发布的稿件" in e.value.message
    assert not Task.objects.exists()


def test_creating_a_task_assigns_it_and_tells_the_partners(
    clock, operator, partner, partner_login, other_partner, other_partner_login, story
):
    task = repost_task(operator, [partner, other_partner], [story])
    assert list(task.stories.all()) == [story]
    assert sorted(task.assignments.values_list("partner__name", "status")) == [("泌阳在线", "open"), ("泌阳微帮", "open")]
    assert texts(partner_login) == texts(other_partner_login) == ["New task: 转发：牛业大会开幕"]
    assert AuditLog.objects.get(action="partner.task").data == {"partners": [partner.pk, other_partner.pk]}


def test_creating_a_task_is_for_managers_and_needs_partners_and_a_window(operator, editor, partner_login, partner):
    kwargs = {"kind": "event", "title": "承办乡村春晚", "starts_at": NOW, "due_at": NOW + dt.timedelta(days=1), "partners": [partner]}
    for person in (editor, partner_login):
        with pytest.raises(NotAllowed):
            services.create_task(actor=person, **kwargs)
    with pytest.raises(DomainError) as e:
        services.create_task(actor=operator, **{**kwargs, "partners": []})
    assert e.value.field == "partners"
    with pytest.raises(DomainError) as e:
        services.create_task(actor=operator, **{**kwargs, "due_at": NOW})
    assert e.value.field == "due_at"


def test_only_the_assigned_partner_reports_its_task(clock, operator, partner, partner_login, other_partner_login, story):
    assignment = repost_task(operator, [partner], [story]).assignments.get()
    for person in (other_partner_login, operator):
        with pytest.raises(NotAllowed):
            services.report_task(actor=person, assignment=assignment, url="https://mp.example.com/r/1")
    reported = services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1", note="已转发")
    reported.refresh_from_db()
    assert (reported.status, reported.report_url, reported.report_note, reported.reported_by) == (
        TaskAssignment.Status.REPORTED,
        "https://mp.example.com/r/1",
        "已转发",
        partner_login,
    )
    assert texts(operator)[-1] == "泌阳微帮 reported a task done: 转发：牛业大会开幕"


def test_a_task_is_reported_only_inside_its_window(clock, operator, partner, partner_login, story):
    assignment = repost_task(
        operator, [partner], [story], starts=NOW + dt.timedelta(hours=2), due=NOW + dt.timedelta(days=1)
    ).assignments.get()
    with pytest.raises(StateConflict) as e:
        services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1")
    assert e.value.message == "The task's window has not opened yet."
    clock.move_to(NOW + dt.timedelta(days=1, seconds=1))
    with pytest.raises(StateConflict) as e:
        services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1")
    assert e.value.message == "The task's window closed on 2025-02-11 10:00."
    clock.move_to(NOW + dt.timedelta(hours=3))
    services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1")
    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.REPORTED


@pytest.mark.parametrize("url", ["", "mp.example.com/r/1", "javascript:alert(1)", "https://" + "x" * 500])
def test_a_report_with_a_bad_link_is_refused(clock, operator, partner, partner_login, story, url):
    assignment = repost_task(operator, [partner], [story]).assignments.get()
    with pytest.raises(DomainError) as e:
        services.report_task(actor=partner_login, assignment=assignment, url=url)
    assert e.value.field == "url"
    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.OPEN


def test_an_accepted_repost_is_done_and_counted_as_a_repost_post(clock, operator, partner, partner_login, story):
    assignment = repost_task(operator, [partner], [story]).assignments.get()
    services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1")
    services.check_task(actor=operator, assignment=assignment, accept=True)
    assignment.refresh_from_db()
    assert (assignment.status, assignment.checked_by) == (TaskAssignment.Status.DONE, operator)
    repost = Post.objects.get(partner=partner)
    assert (repost.kind, repost.source, repost.url, repost.published_on, repost.title) == (
        Post.Kind.REPOST,
        Post.Source.TASK,
        "https://mp.example.com/r/1",
        dt.date(2025, 2, 10),
        story.headline,
    )
    f = scoring.figures(q1(), [partner.pk])[partner.pk]
    assert (f.posts, f.originals, f.reposts, f.tasks_assigned, f.tasks_done) == (1, 0, 1, 1, 1)
    assert texts(partner_login)[-1] == "Task accepted for 泌阳微帮: 转发：牛业大会开幕"
    with pytest.raises(StateConflict):
        services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/2")


def test_accepting_a_repost_already_recorded_turns_that_post_into_the_repost(clock, operator, partner, partner_login, story):
    post(partner_login, partner, url="https://mp.example.com/r/1", day=dt.date(2025, 2, 9), reads=70)
    assignment = repost_task(operator, [partner], [story]).assignments.get()
    services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1")
    services.check_task(actor=operator, assignment=assignment, accept=True)
    only = Post.objects.get()
    assert (only.kind, only.source, only.reads) == (Post.Kind.REPOST, Post.Source.TASK, 70)


def test_a_rejection_needs_a_note_and_the_partner_may_report_again(clock, operator, partner, partner_login, story):
    assignment = repost_task(operator, [partner], [story]).assignments.get()
    services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1")
    with pytest.raises(DomainError) as e:
        services.check_task(actor=operator, assignment=assignment, accept=False)
    assert e.value.field == "note"
    services.check_task(actor=operator, assignment=assignment, accept=False, note="链接打不开")
    assignment.refresh_from_db()
    assert (assignment.status, assignment.check_note) == (TaskAssignment.Status.REJECTED, "链接打不开")
    assert texts(partner_login)[-1] == "Task report not accepted for 泌阳微帮: 转发：牛业大会开幕（链接打不开）"
    assert not Post.objects.exists()

    services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/2")
    assignment.refresh_from_db()
    assert (assignment.status, assignment.report_url, assignment.check_note) == (
        TaskAssignment.Status.REPORTED,
        "https://mp.example.com/r/2",
        "",
    )
    services.check_task(actor=operator, assignment=assignment, accept=True)
    assert Post.objects.get().url == "https://mp.example.com/r/2"


def test_only_managers_check_and_only_a_reported_task(clock, operator, editor, partner, partner_login, story):
    assignment = repost_task(operator, [partner], [story]).assignments.get()
    with pytest.raises(StateConflict):
        services.check_task(actor=operator, assignment=assignment, accept=True)
    services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1")
    for person in (editor, partner_login):
        with pytest.raises(NotAllowed):
            services.check_task(actor=person, assignment=assignment, accept=True)
    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.REPORTED


def test_the_automatic_link_check_accepts_without_an_actor(clock, operator, partner, partner_login, story):
    assignment = repost_task(operator, [partner], [story]).assignments.get()
    services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1")
    assignment.refresh_from_db()
    services.accept_checked_link(
        assignment_id=assignment.pk, url=assignment.report_url, reported_at=assignment.reported_at, note="链接可访问"
    )
    assignment.refresh_from_db()
    assert (assignment.status, assignment.checked_by, assignment.check_note) == (TaskAssignment.Status.DONE, None, "链接可访问")
    line = AuditLog.objects.get(action="partner.task_check")
    assert (line.actor, line.data) == (None, {"by_adapter": True, "note": "链接可访问"})
    assert Post.objects.get().source == Post.Source.TASK


def test_the_link_check_does_not_accept_a_link_reported_after_it_read_the_page(clock, operator, partner, partner_login, story):
    assignment = repost_task(operator, [partner], [story]).assignments.get()
    services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1")
    assignment.refresh_from_db()
    read_url, read_at = assignment.report_url, assignment.reported_at
    services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/other")
    with pytest.raises(StateConflict):
        services.accept_checked_link(assignment_id=assignment.pk, url=read_url, reported_at=read_at, note="页面含原文")
    assert TaskAssignment.objects.get(pk=assignment.pk).status == TaskAssignment.Status.REPORTED


def test_a_report_must_be_the_partners_own_post(
    clock, settings, operator, partner, partner_login, other_partner, other_partner_login, story
):
    settings.RONGMEI = {**settings.RONGMEI, "PUBLIC_URL": "https://www.biyang.example"}
    task = repost_task(operator, [partner, other_partner], [story])
    mine, theirs = task.assignments.get(partner=partner), task.assignments.get(partner=other_partner)
    with pytest.raises(DomainError, match="not the center's article"):
        services.report_task(actor=partner_login, assignment=mine, url=f"https://www.biyang.example/news/{story.pk}/")
    services.report_task(actor=other_partner_login, assignment=theirs, url="https://mp.example.com/zx/1")
    with pytest.raises(DomainError, match="Another partner reported this link"):
        services.report_task(actor=partner_login, assignment=mine, url="https://mp.example.com/zx/1")
    assert TaskAssignment.objects.get(pk=mine.pk).status == TaskAssignment.Status.OPEN


def test_accepting_a_report_after_its_quarter_closed_does_not_change_that_quarter(operator, partner, partner_login, story):
    with freeze_time(at(dt.date(2025, 3, 31), hour=12)):
        task = repost_task(operator, [partner], [story], starts=at(dt.date(2025, 3, 30)), due=at(dt.date(2025, 3, 31), hour=23))
        assignment = task.assignments.get()
        services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1")
    # The quarter does not close while a report of it waits to be checked …
    with pytest.raises(StateConflict, match="wait to be checked"):
        services.close_quarter(actor=operator, quarter=q1())
    assert not q1().is_closed


def test_a_repost_reported_in_the_quarter_on_a_task_due_later_holds_the_closing_until_checked(operator, partner, partner_login, story):
    # … and so does a report made in its last days on a task due in the next quarter: accepted, it
    # counts in the quarter it was reported in, which then closes with it.
    with freeze_time(at(dt.date(2025, 3, 31), hour=12)):
        task = repost_task(operator, [partner], [story], starts=at(dt.date(2025, 3, 30)), due=at(dt.date(2025, 4, 3), hour=23))
        assignment = task.assignments.get()
        services.report_task(actor=partner_login, assignment=assignment, url="https://mp.example.com/r/1")
    with pytest.raises(StateConflict, match="wait to be checked"):
        services.close_quarter(actor=operator, quarter=q1())
    services.check_task(actor=operator, assignment=assignment, accept=True)
    assert Post.objects.get().published_on == dt.date(2025, 3, 31)
    services.close_quarter(actor=operator, quarter=q1())
    line = next(x for x in scoring.frozen_lines(q1()) if x.partner_id == partner.pk)
    assert line.figures.reposts == 1


# --- closing a quarter ----------------------------------------------------------------------------


@pytest.fixture
def q1_played(operator, partner, partner_login, other_partner, other_partner_login):
    """Q1 2025 with three partners: reads 1000, 800 and nothing; tiers 一等奖 ×1, 二等奖 ×2 from 0."""
    third, third_login = make_partner(operator, "泌阳大小事", username="zmt3")
    services.save_rule(
        actor=operator,
        weight_quota=40,
        weight_reads=30,
        weight_adopted=20,
        weight_tasks=10,
        adopted_full=3,
        tiers=[{"name": "一等奖", "count": 1, "min_score": 0}, {"name": "二等奖", "count": 2, "min_score": 0}],
    )
    services.set_quota(actor=operator, partner=partner, quarter=q1(), posts=2, originals=1)
    post(partner_login, partner, url="https://mp.example.com/a/1", reads=600)
    post(partner_login, partner, url="https://mp.example.com/a/2", reads=400, day=dt.date(2025, 3, 31))
    post(other_partner_login, other_partner, url="https://mp.example.com/b/1", reads=800)
    return {"quarter": q1(), "third": third, "third_login": third_login}


def test_closing_freezes_the_ranking_as_computed(operator, q1_played):
    quarter = q1_played["quarter"]
    expected = scoring.score_lines(quarter)
    scores = services.close_quarter(actor=operator, quarter=quarter, issuer="泌阳县融媒体中心")
    stored = list(Score.objects.filter(quarter=quarter).order_by("rank", "partner__name"))
    assert len(scores) == len(stored) == len(expected) == 3
    assert [(s.partner_id, s.total, s.rank, s.tier, s.breakdown) for s in stored] == [
        (x.partner_id, x.total, x.rank, x.tier, x.breakdown()) for x in expected
    ]
    quarter.refresh_from_db()
    assert (quarter.status, quarter.closed_by) == (Quarter.Status.CLOSED, operator)
    assert quarter.rule == scoring.rule_dict(scoring.current_rule())
    assert [(x.partner_name, x.total, x.rank, x.tier) for x in scoring.ranking(quarter)] == [
        (x.partner_name, x.total, x.rank, x.tier) for x in expected
    ]
    line = AuditLog.objects.get(action="partner.quarter_close")
    assert (line.actor, line.from_state, line.to_state, line.subject_id) == (operator, "open", "closed", str(quarter.pk))
    assert line.summary == "Closed 2025 Q1: 3 partners ranked, 2 awards"


def test_closing_awards_the_tiers_with_unique_certificate_numbers(operator, partner, other_partner, q1_played):
    quarter = q1_played["quarter"]
    services.close_quarter(actor=operator, quarter=quarter, issuer="泌阳县融媒体中心")
    awards = list(Honour.objects.filter(quarter=quarter).order_by("certificate_no"))
    assert [(h.partner, h.kind, h.title, h.issuer) for h in awards] == [
        (partner, Honour.Kind.AWARD, "2025 Q1 self-media cooperation 一等奖", "泌阳县融媒体中心"),
        (other_partner, Honour.Kind.AWARD, "2025 Q1 self-media cooperation 二等奖", "泌阳县融媒体中心"),
    ]
    numbers = [h.certificate_no for h in awards]
    assert numbers == ["ZMT-2025Q1-001", "ZMT-2025Q1-002"]
    assert not Honour.objects.filter(partner=q1_played["third"]).exists()


def test_closing_tells_each_partners_logins_its_place(operator, partner_login, other_partner_login, q1_played):
    services.close_quarter(actor=operator, quarter=q1_played["quarter"])
    top = texts(partner_login)[-1]
    assert top.startswith("2025 Q1 closed: you ranked 1 of 3 with ") and top.endswith("Award: 一等奖.")
    assert texts(other_partner_login)[-1].startswith("2025 Q1 closed: you ranked 2 of 3 with ")
    assert texts(q1_played["third_login"])[-1] == "2025 Q1 closed: you ranked 3 of 3 with 0.0 points."


def test_a_quarter_that_has_not_ended_cannot_be_closed(operator, partner):
    quarter = services.current_quarter()
    with pytest.raises(StateConflict):
        services.close_quarter(actor=operator, quarter=quarter)
    quarter.refresh_from_db()
    assert quarter.status == Quarter.Status.OPEN
    assert not Score.objects.exists()


def test_a_quarter_closes_once(operator, chief, q1_played):
    quarter = q1_played["quarter"]
    services.close_quarter(actor=operator, quarter=quarter)
    with pytest.raises(StateConflict):
        services.close_quarter(actor=chief, quarter=quarter)
    assert Score.objects.count() == 3
    assert Honour.objects.count() == 2
    assert AuditLog.objects.filter(action="partner.quarter_close").count() == 1


def test_only_managers_close_a_quarter(editor, reporter, partner_login, q1_played):
    for person in (editor, reporter, partner_login):
        with pytest.raises(NotAllowed):
            services.close_quarter(actor=person, quarter=q1_played["quarter"])
    assert not Score.objects.exists()


def test_a_closed_quarters_quotas_and_posts_no_longer_change(operator, partner, partner_login, q1_played):
    quarter = q1_played["quarter"]
    services.close_quarter(actor=operator, quarter=quarter)
    with pytest.raises(StateConflict):
        services.set_quota(actor=operator, partner=partner, quarter=quarter, posts=9)
    for person in (operator, partner_login):
        with pytest.raises(StateConflict):
            post(person, partner, url="https://mp.example.com/a/3", day=dt.date(2025, 3, 1))
        with pytest.raises(StateConflict):
            post(person, partner, url="https://mp.example.com/a/1", reads=99999)  # update of a Q1 post
        with pytest.raises(StateConflict):
            post(person, partner, url="https://mp.example.com/a/1", day=timezone.localdate())  # moved out of Q1
    with pytest.raises(StateConflict):
        services.delete_post(actor=operator, post=Post.objects.get(url="https://mp.example.com/a/1"))
    assert Quota.objects.get().posts == 2
    assert sorted(Post.objects.values_list("reads", flat=True)) == [400, 600, 800]
