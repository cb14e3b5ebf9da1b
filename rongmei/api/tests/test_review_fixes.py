"""Findings of the code review in the API: bounded numbers, dates the services refuse, the byline."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext

from rongmei.core.models import AuditLog
from rongmei.testing import factories

HUGE = 99999999999999999999


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/notifications/read", {"ids": [HUGE]}, "ids.0"),
        ("POST", "/notifications/read", {"ids": [0]}, "ids.0"),
        ("GET", f"/stories/{HUGE}", None, "story_id"),
        ("GET", "/stories/0", None, "story_id"),
        ("GET", f"/leads/{HUGE}", None, "lead_id"),
        ("GET", f"/plans/{HUGE}", None, "plan_id"),
        ("GET", f"/assignments/{HUGE}", None, "assignment_id"),
        ("DELETE", f"/tokens/{HUGE}", None, "token_id"),
        ("GET", f"/stories?team={HUGE}", None, "team"),
        ("GET", f"/leads?offset={HUGE}", None, "offset"),
        ("GET", f"/places?town={HUGE}", None, "town"),
        ("POST", "/assignments", {"coverage_id": 1, "assignee_id": HUGE}, "assignee_id"),
        ("POST", "/leads", {"title": "铜山湖候鸟增多", "description": "湖区候鸟。", "team_id": HUGE}, "team_id"),
        ("POST", "/stories", {"team_id": HUGE, "headline": "铜山湖候鸟增多"}, "team_id"),
        ("GET", "/dispatch?day=9999-12-31", None, "day"),
    ],
)
def test_numbers_and_days_out_of_range_are_a_422_naming_the_field(people, as_user, method, path, body, field):
    response = as_user(people["column_lead"])(method, path, body)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field


def test_story_numbers_out_of_range_are_a_422(people, as_user):
    story = factories.story_in_review(people["reporter"], people["team"])
    editor = as_user(people["editor"])
    assert editor("GET", f"/stories/{story.pk}/versions/{HUGE}").status_code == 422
    assert editor("POST", f"/stories/{story.pk}/approve", {"version": HUGE}).status_code == 422
    assert editor("POST", f"/stories/{story.pk}/return", {"reason": "再核实", "version": HUGE}).status_code == 422
    response = editor("POST", f"/stories/{story.pk}/comments", {"text": "核实", "quote": "牛", "start": 1, "end": HUGE})
    assert response.status_code == 422 and response.json()["field"] == "end"


def test_a_plan_dated_outside_the_supported_years_is_a_400(people, as_user):
    reporter = as_user(people["reporter"])
    response = reporter("POST", "/plans", {"team_id": people["team"].pk, "title": "盘古山文化节筹备", "planned_date": "0001-01-01"})
    assert response.status_code == 400 and response.json()["field"] == "planned_date"
    response = reporter(
        "POST",
        "/plans",
        {
            "team_id": people["team"].pk,
            "title": "盘古山文化节筹备",
            "planned_date": "2026-06-01",
            "coverages": [{"kind": "text", "deadline": "0001-01-01T00:00:00"}],
        },
    )
    assert response.status_code == 400 and response.json()["field"] == "coverages"


def test_an_assignment_due_outside_the_supported_years_is_a_400(people, as_user):
    plan = factories.approved_plan(people["reporter"], people["column_lead"], people["team"])
    body = {"coverage_id": plan.coverages.get().pk, "assignee_id": people["reporter"].pk}
    lead = as_user(people["column_lead"])
    for deadline in ("0001-01-01T00:00:00", "9999-12-31T23:59:59"):
        response = lead("POST", "/assignments", {**body, "deadline": deadline})
        assert response.status_code == 400 and response.json()["field"] == "deadline", deadline
    assert lead("POST", "/assignments", body).status_code == 201


def test_an_author_sets_the_byline_of_a_draft(people, as_user):
    story = factories.draft_story(people["reporter"], people["team"])
    ids = [people["reporter"].pk, people["photographer"].pk]
    response = as_user(people["reporter"])("PUT", f"/stories/{story.pk}/authors", {"author_ids": ids})
    assert response.status_code == 200
    assert {a["id"] for a in response.json()["authors"]} == set(ids)
    assert set(story.authors.values_list("pk", flat=True)) == set(ids)
    assert AuditLog.objects.filter(action="story.authors", actor=people["reporter"]).exists()


def test_the_column_lead_sets_the_byline_and_others_may_not(people, as_user):
    story = factories.draft_story(people["reporter"], people["team"])
    path = f"/stories/{story.pk}/authors"
    body = {"author_ids": [people["reporter2"].pk]}
    assert as_user(people["editor"])("PUT", path, body).status_code == 403
    assert as_user(people["other_lead"])("PUT", path, body).status_code == 403
    assert list(story.authors.all()) == [people["reporter"]]
    assert as_user(people["column_lead"])("PUT", path, body).status_code == 200
    assert list(story.authors.all()) == [people["reporter2"]]


def test_the_byline_is_refused_in_review_empty_unknown_or_not_staff(people, as_user, stranger):
    reporter = as_user(people["reporter"])
    in_review = factories.story_in_review(people["reporter"], people["team"])
    assert reporter("PUT", f"/stories/{in_review.pk}/authors", {"author_ids": [people["reporter"].pk]}).status_code == 409
    draft = factories.draft_story(people["reporter"], people["team"])
    path = f"/stories/{draft.pk}/authors"
    assert reporter("PUT", path, {"author_ids": []}).status_code == 422
    assert reporter("PUT", path, {"author_ids": [HUGE]}).status_code == 422
    unknown = reporter("PUT", path, {"author_ids": [people["reporter"].pk, 987654]})
    assert unknown.status_code == 400 and unknown.json()["field"] == "author_ids"
    outsider = reporter("PUT", path, {"author_ids": [stranger.pk]})
    assert outsider.status_code == 400 and outsider.json()["field"] == "authors"
    assert list(draft.authors.all()) == [people["reporter"]]


def test_the_api_title_goes_through_gettext(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == gettext("Rongmei API")
