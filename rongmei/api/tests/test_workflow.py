"""The whole chain through the API: lead → plan → assignment → story → three approvals."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rongmei.testing import factories


def test_a_lead_reaches_sign_off_through_three_distinct_reviewers(people, as_user):
    p = people
    reporter, lead_person = as_user(p["reporter"]), as_user(p["column_lead"])
    lead = reporter(
        "POST", "/leads", {"title": "铜山湖夏南牛节将开幕", "description": "夏南牛节下周在铜山湖开幕。", "team_id": p["team"].pk}
    ).json()
    deadline = (timezone.localtime() + dt.timedelta(days=1)).replace(tzinfo=None).isoformat(timespec="minutes")
    plan = reporter(
        "POST",
        f"/leads/{lead['id']}/plan",
        {
            "team_id": p["team"].pk,
            "planned_date": str(timezone.localdate()),
            "channels": ["app"],
            "coverages": [{"kind": "text", "deadline": deadline}],
        },
    ).json()
    assert plan["channels"] == ["app"] and plan["lead_id"] == lead["id"]
    assert reporter("GET", f"/leads/{lead['id']}").json()["status"] == "planned"
    assert lead_person("POST", f"/plans/{plan['id']}/approve", {"note": "抓紧"}).json()["status"] == "approved"
    coverage = plan["coverages"][0]
    assignment = lead_person("POST", "/assignments", {"coverage_id": coverage["id"], "assignee_id": p["reporter"].pk}).json()
    board = as_user(p["chief"])("GET", f"/dispatch?day={timezone.localdate() + dt.timedelta(days=1)}").json()
    row = next(r for r in board["people"] if r["person"]["id"] == p["reporter"].pk)
    assert row["busy"] is True
    accepted = reporter("POST", f"/assignments/{assignment['id']}/accept").json()
    story_id = accepted["story_id"]
    assert reporter("POST", f"/stories/{story_id}/lock").json()["mine"] is True
    saved = reporter("PATCH", f"/stories/{story_id}", {"body": factories.BODY, "keywords": ["夏南牛", "铜山湖"]}).json()
    assert saved["word_count"] > 0 and saved["reading_minutes"] >= 1
    assert reporter("DELETE", f"/stories/{story_id}/lock").status_code == 204
    assert reporter("POST", f"/stories/{story_id}/submit").json()["state"] == "in_review"
    for person in ("editor", "column_lead", "chief"):
        detail = as_user(p[person])("POST", f"/stories/{story_id}/approve", {"version": 1}).json()
    assert detail["state"] == "approved"
    assert [s["approved_by"]["username"] for s in detail["review"]["chain"]] == ["libj", "zhangzz", "zhaozb"]
    assert detail["review"]["next_level"] is None
    versions = reporter("GET", f"/stories/{story_id}/versions").json()
    assert [v["number"] for v in versions] == [1]
    assert len(reporter("GET", f"/stories/{story_id}/versions/1").json()["approvals"]) == 3
    actions = [e["action"] for e in reporter("GET", f"/stories/{story_id}/audit").json()]
    assert {"plan.propose", "assignment.accept", "story.submit", "story.sign_off"} <= set(actions)
    notes = reporter("GET", "/notifications").json()
    assert notes["unread"] > 0
    assert reporter("POST", "/notifications/read", {}).json()["unread"] == 0


def test_a_return_sends_the_story_back_with_anchored_comments(world, people, as_user):
    story = world["in_review"]
    returned = as_user(people["editor"])(
        "POST",
        f"/stories/{story.pk}/return",
        {"reason": "数据需核实", "comments": [{"text": "来源？", "quote": "同比增长两成"}], "version": 1},
    ).json()
    assert returned["state"] == "draft"
    anchored = [c for c in returned["comments"] if c["quote"]]
    assert anchored and anchored[0]["start"] is not None


def test_list_pages_use_a_fixed_number_of_queries(world, people, as_user, django_assert_max_num_queries):
    for i in range(5):
        factories.story_in_review(people["reporter"], people["team"], headline=f"泌阳花菇远销海外第{i}篇")
    caller = as_user(people["editor"])
    caller("GET", "/me")  # the first call marks the token used
    for path in ("/stories", "/leads", "/plans", "/assignments?all=0"):
        with django_assert_max_num_queries(12):
            assert caller("GET", path).status_code == 200
