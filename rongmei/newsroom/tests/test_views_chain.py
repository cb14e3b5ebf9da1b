"""The whole chain through the screens, as people click it: lead → plan → approve → dispatch →
accept → write → submit → three approvals by three different reviewers."""

from __future__ import annotations

from django.urls import reverse

from rongmei.core.models import AuditLog
from rongmei.newsroom.models import Assignment, Lead, Plan, Story
from rongmei.newsroom.tests.test_views_common import as_user, tomorrow_at
from rongmei.testing import factories


def test_lead_to_sign_off_through_the_screens(people):
    p = people
    reporter = as_user(p["reporter"])
    response = reporter.post(
        reverse("newsroom:lead_create"),
        {
            "title": "铜山湖夏南牛节将开幕",
            "description": "夏南牛节下周在铜山湖开幕，预计游客上万。",
            "source": "hotline",
            "team": p["team"].pk,
        },
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("newsroom:lead", args=[lead.pk])

    deadline = tomorrow_at(18).strftime("%Y-%m-%dT%H:%M")
    response = reporter.post(
        reverse("newsroom:lead_plan", args=[lead.pk]),
        {
            "plan-team": p["team"].pk,
            "plan-planned_date": tomorrow_at().date().isoformat(),
            "plan-title": "夏南牛节现场报道",
            "plan-summary": "开幕式与游客",
            "plan-cov_text": "on",
            "plan-deadline_text": deadline,
            "plan-cov_photo": "on",
            "plan-deadline_photo": deadline,
        },
    )
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("newsroom:plan", args=[plan.pk])
    assert sorted(plan.coverages.values_list("kind", flat=True)) == ["photo", "text"]
    assert Lead.objects.get().status == Lead.Status.PLANNED

    lead_client = as_user(p["column_lead"])
    assert lead_client.post(reverse("newsroom:plan_approve", args=[plan.pk]), {"approve-note": "好"}).status_code == 302
    text = plan.coverages.get(kind="text")
    page = lead_client.get(reverse("newsroom:plan", args=[plan.pk]))
    assert "free today" in page.content.decode() or "空闲" in page.content.decode()
    response = lead_client.post(
        reverse("newsroom:coverage_dispatch", args=[plan.pk, text.pk]),
        {f"c{text.pk}-assignee": p["reporter"].pk, f"c{text.pk}-note": "带上相机"},
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()

    response = reporter.post(reverse("newsroom:assignment_accept", args=[assignment.pk]))
    story = Story.objects.get(assignment=assignment)
    assert response["Location"] == reverse("newsroom:story_edit", args=[story.pk])

    assert reporter.get(reverse("newsroom:story_edit", args=[story.pk])).status_code == 200
    response = reporter.post(
        reverse("newsroom:story_edit", args=[story.pk]),
        {
            "action": "submit",
            "headline": "夏南牛节在铜山湖开幕",
            "intro": "游客上万。",
            "body": factories.BODY,
            "keywords": "夏南牛, 铜山湖",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("newsroom:story", args=[story.pk])
    story.refresh_from_db()
    assert story.state == Story.State.IN_REVIEW and story.keywords == ["夏南牛", "铜山湖"]

    for person in (p["editor"], p["column_lead"], p["chief"]):
        client = as_user(person)
        page = client.get(reverse("newsroom:story", args=[story.pk]))
        assert 'id="approve-form"' in page.content.decode()
        response = client.post(reverse("newsroom:story_approve", args=[story.pk]), {"version": story.current_version.number})
        assert response.status_code == 302
    story.refresh_from_db()
    assert story.state == Story.State.APPROVED
    assert story.signed_off_by == p["chief"]
    assert {a.reviewer for a in story.current_version.approvals.all()} == {p["editor"], p["column_lead"], p["chief"]}

    csv = reporter.get(reverse("newsroom:story_audit_csv", args=[story.pk])).content.decode("utf-8-sig")
    assert csv.count("\n") == AuditLog.objects.filter(subject_type="newsroom.story", subject_id=str(story.pk)).count() + 1
    assert "story.sign_off" in csv


def test_reviewer_who_may_not_review_sees_no_buttons_and_gets_403_on_post(people):
    story = factories.story_in_review(people["reporter"], people["team"])
    client = as_user(people["column_lead"])  # level 1 belongs to an editor
    page = client.get(reverse("newsroom:story", args=[story.pk]))
    assert 'id="approve-form"' not in page.content.decode()
    assert client.post(reverse("newsroom:story_approve", args=[story.pk]), {"version": story.current_version.number}).status_code == 403
    author = as_user(people["reporter"])
    assert author.post(reverse("newsroom:story_approve", args=[story.pk]), {"version": story.current_version.number}).status_code == 403


def test_reviewer_returns_a_story_with_a_reason_and_an_anchored_comment(people):
    story = factories.story_in_review(people["reporter"], people["team"])
    editor = as_user(people["editor"])
    response = editor.post(reverse("newsroom:story_comment", args=[story.pk]), {"text": "数据请核实", "quote": "同比增长两成"})
    assert response.status_code == 302
    comment = story.comments.get()
    assert comment.anchor_start is not None and comment.anchor_end - comment.anchor_start == len("同比增长两成")
    page = editor.get(reverse("newsroom:story", args=[story.pk])).content.decode()
    assert '<mark class="comment-anchor"' in page and "同比增长两成</mark>" in page
    assert editor.post(reverse("newsroom:story_return", args=[story.pk]), {"reason": ""}).status_code == 400
    assert editor.post(reverse("newsroom:story_return", args=[story.pk]), {"reason": "请补充采访"}).status_code == 302
    story.refresh_from_db()
    assert story.state == Story.State.DRAFT
