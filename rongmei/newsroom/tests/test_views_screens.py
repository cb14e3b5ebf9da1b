"""Leads, plans, assignments and notifications screens: who may act, and bad input keeps what was typed."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rongmei.core.models import Notification, Place
from rongmei.newsroom import services
from rongmei.newsroom.models import Assignment, Lead, Plan, Story
from rongmei.newsroom.tests.test_views_common import approved_plan_with_assignment, as_user, tomorrow_at
from rongmei.testing import factories


def test_filing_a_lead_with_a_place_and_attachments(people):
    town = Place.objects.create(name="泌水街道")
    village = Place.objects.create(name="花园社区", kind="village", parent=town)
    client = as_user(people["reporter"])
    files = [SimpleUploadedFile("现场.jpg", b"jpeg"), SimpleUploadedFile("录音.mp3", b"mp3")]
    response = client.post(
        reverse("newsroom:lead_create"),
        {
            "title": "花园社区老旧小区改造",
            "description": "居民反映改造进度",
            "source": "citizen_tip",
            "place": village.pk,
            "attachments": files,
        },
    )
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert lead.place == village and lead.attachments.count() == 2
    page = client.get(reverse("newsroom:lead", args=[lead.pk])).content.decode()
    assert "现场.jpg" in page and "泌水街道·花园社区" in page


def test_a_too_short_lead_title_shows_the_error_and_keeps_the_description(people):
    client = as_user(people["reporter"])
    response = client.post(reverse("newsroom:lead_create"), {"title": "短", "description": "这段描述不能丢", "source": "reporter"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "field-error" in page and "这段描述不能丢" in page
    assert not Lead.objects.exists()


def test_similar_leads_are_badged_in_the_inbox_and_listed_with_a_score(people):
    for title in ("铜山湖夏南牛节将开幕", "夏南牛节铜山湖开幕在即"):
        services.create_lead(actor=people["reporter"], title=title, description="夏南牛节在铜山湖开幕，游客上万。")
    client = as_user(people["editor"])
    page = client.get(reverse("newsroom:leads")).content.decode()
    assert "badge-similar" in page
    lead = Lead.objects.first()
    assert "%" in client.get(reverse("newsroom:lead", args=[lead.pk])).content.decode()
    assert client.get(reverse("newsroom:leads") + "?status=discarded").content.decode().count("badge-similar") == 0


def test_discarding_a_lead_needs_a_reason_and_the_right_person(people):
    lead = services.create_lead(actor=people["reporter"], title="盘古山景区门票调整", description="网友爆料")
    url = reverse("newsroom:lead_discard", args=[lead.pk])
    assert as_user(people["reporter2"]).post(url, {"discard-reason": "重复"}).status_code == 403
    client = as_user(people["reporter"])
    assert client.post(url, {"discard-reason": ""}).status_code == 400
    assert client.post(url, {"discard-reason": "重复线索"}).status_code == 302
    assert Lead.objects.get().status == Lead.Status.DISCARDED


def test_a_plan_coverage_without_deadline_is_an_error_that_keeps_the_title(people):
    client = as_user(people["reporter"])
    response = client.post(
        reverse("newsroom:plan_create"),
        {"team": people["team"].pk, "planned_date": "2026-06-01", "title": "泌阳花菇丰收", "cov_video": "on"},
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode() and "泌阳花菇丰收" in response.content.decode()
    assert not Plan.objects.exists()


def test_proposing_a_plan_outside_ones_team_is_403(people):
    response = as_user(people["outsider"]).post(
        reverse("newsroom:plan_create"), {"team": people["team"].pk, "planned_date": "2026-06-01", "title": "别组的选题"}
    )
    assert response.status_code == 403


def test_only_the_team_lead_or_chief_decides_a_plan(people):
    plan = services.propose_plan(
        actor=people["reporter"],
        team=people["team"],
        title="铜山湖冬捕",
        planned_date=tomorrow_at().date(),
        coverages=[("text", tomorrow_at(), "")],
    )
    assert as_user(people["reporter"]).post(reverse("newsroom:plan_approve", args=[plan.pk])).status_code == 403
    assert as_user(people["other_lead"]).post(reverse("newsroom:plan_reject", args=[plan.pk]), {"reject-note": "不要"}).status_code == 403
    lead = as_user(people["column_lead"])
    assert lead.post(reverse("newsroom:plan_reject", args=[plan.pk]), {"reject-note": ""}).status_code == 400
    assert lead.post(reverse("newsroom:plan_reject", args=[plan.pk]), {"reject-note": "时机不对"}).status_code == 302
    assert Plan.objects.get().status == Plan.Status.REJECTED


def test_adding_a_coverage_and_dispatching_it(people):
    plan = factories.approved_plan(people["reporter"], people["column_lead"], people["team"])
    lead = as_user(people["column_lead"])
    deadline = tomorrow_at(20).strftime("%Y-%m-%dT%H:%M")
    url = reverse("newsroom:plan_add_coverage", args=[plan.pk])
    assert lead.post(url, {"coverage-kind": "video", "coverage-deadline": deadline}).status_code == 302
    video = plan.coverages.get(kind="video")
    dispatch = reverse("newsroom:coverage_dispatch", args=[plan.pk, video.pk])
    assert as_user(people["reporter"]).post(dispatch, {f"c{video.pk}-assignee": people["photographer"].pk}).status_code == 403
    assert lead.post(dispatch, {f"c{video.pk}-assignee": ""}).status_code == 400
    assert lead.post(dispatch, {f"c{video.pk}-assignee": people["photographer"].pk}).status_code == 302
    assert Assignment.objects.get().assignee == people["photographer"]


def test_declining_an_assignment_needs_a_reason_and_only_the_assignee_answers(people):
    _plan, assignment = approved_plan_with_assignment(people, accept=False)
    url = reverse("newsroom:assignment_decline", args=[assignment.pk])
    assert as_user(people["reporter2"]).post(url, {"reason": "忙"}).status_code == 403
    assert as_user(people["reporter2"]).get(reverse("newsroom:assignment", args=[assignment.pk])).status_code == 403
    client = as_user(people["reporter"])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "在外地采访"}).status_code == 302
    assert Assignment.objects.get().status == Assignment.Status.DECLINED


def test_all_assignments_are_for_dispatchers_only(people):
    approved_plan_with_assignment(people)
    assert as_user(people["reporter"]).get(reverse("newsroom:assignments") + "?all=1").status_code == 403
    page = as_user(people["column_lead"]).get(reverse("newsroom:assignments") + "?all=1").content.decode()
    assert "王小记" in page


def test_dispatch_board_shows_who_is_busy_and_who_is_free(people):
    approved_plan_with_assignment(people)
    page = as_user(people["column_lead"]).get(reverse("newsroom:dispatch") + f"?date={tomorrow_at().date().isoformat()}").content.decode()
    busy, free = page.split('id="busy"')[1], page.split('id="free"')[1].split('id="busy"')[0]
    assert "王小记" in busy and "陈二记" in free


def test_calendar_shows_plans_and_coverages_by_week_and_day(people):
    plan = factories.approved_plan(people["reporter"], people["column_lead"], people["team"])
    client = as_user(people["reporter"])
    assert plan.title in client.get(reverse("newsroom:calendar")).content.decode()
    day = plan.planned_date.isoformat()
    page = client.get(reverse("newsroom:calendar") + f"?view=day&date={day}").content.decode()
    assert plan.title in page and "view=day&amp;date=" in page


def test_home_shows_my_assignments_reviews_and_drafts(people):
    approved_plan_with_assignment(people, accept=False)
    factories.story_in_review(people["reporter2"], people["team"], headline="等初审的稿件标题")
    page = as_user(people["editor"]).get(reverse("newsroom:home")).content.decode()
    assert "等初审的稿件标题" in page
    page = as_user(people["reporter"]).get(reverse("newsroom:home")).content.decode()
    assert "第十五届中国牛业发展大会筹备" in page


def test_notifications_are_listed_and_marked_read(people):
    approved_plan_with_assignment(people, accept=False)
    client = as_user(people["reporter"])
    assert "第十五届中国牛业发展大会筹备" in client.get(reverse("newsroom:notifications")).content.decode()
    assert client.post(reverse("newsroom:notifications_read")).status_code == 302
    assert not Notification.objects.filter(recipient=people["reporter"], read_at__isnull=True).exists()


def test_board_has_columns_by_state_with_review_level(people):
    factories.draft_story(people["reporter"], people["team"], headline="草稿中的稿件")
    factories.story_in_review(people["reporter"], people["team"], headline="审核中的稿件")
    factories.signed_off_story(
        people["reporter"], people["team"], [people["editor"], people["column_lead"], people["chief"]], headline="已签发的稿件"
    )
    page = as_user(people["editor"]).get(reverse("newsroom:board")).content.decode()
    assert "board-draft" in page and "草稿中的稿件" in page
    review_col = page.split("board-in_review")[1].split("board-approved")[0]
    assert "审核中的稿件" in review_col
    assert "First review" in review_col or "初审" in review_col
    assert "已签发的稿件" in page.split("board-approved")[1]
    other = as_user(people["editor"]).get(reverse("newsroom:board") + f"?team={people['other_team'].pk}").content.decode()
    assert "草稿中的稿件" not in other


def test_story_create_form_keeps_input_on_error_and_is_403_outside_the_team(people):
    client = as_user(people["reporter"])
    response = client.post(reverse("newsroom:story_create"), {"team": people["team"].pk, "headline": "", "intro": "导语留着"})
    assert response.status_code == 200 and "导语留着" in response.content.decode()
    assert (
        as_user(people["outsider"]).post(reverse("newsroom:story_create"), {"team": people["team"].pk, "headline": "别组稿件"}).status_code
        == 403
    )
    assert client.post(reverse("newsroom:story_create"), {"team": people["team"].pk, "headline": "新写的稿件"}).status_code == 302
    assert Story.objects.get().headline == "新写的稿件"
