"""Who may and who may not, for every endpoint of /api/v1/ (the write rules live in the services)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rongmei.accounts import services as account_services

TOMORROW = (timezone.now() + dt.timedelta(days=1)).isoformat()

# (method, path) of every read; any newsroom staff member may read.
READS = [
    ("GET", lambda w, p: "/me"),
    ("GET", lambda w, p: "/tokens"),
    ("GET", lambda w, p: "/teams"),
    ("GET", lambda w, p: "/channels"),
    ("GET", lambda w, p: "/places"),
    ("GET", lambda w, p: "/notifications"),
    ("GET", lambda w, p: "/leads"),
    ("GET", lambda w, p: f"/leads/{w['lead'].pk}"),
    ("GET", lambda w, p: "/plans"),
    ("GET", lambda w, p: f"/plans/{w['approved_plan'].pk}"),
    ("GET", lambda w, p: "/assignments"),
    ("GET", lambda w, p: f"/assignments/{w['assignment'].pk}"),
    ("GET", lambda w, p: "/stories"),
    ("GET", lambda w, p: f"/stories/{w['in_review'].pk}"),
    ("GET", lambda w, p: f"/stories/{w['in_review'].pk}/versions"),
    ("GET", lambda w, p: f"/stories/{w['in_review'].pk}/versions/1"),
    ("GET", lambda w, p: f"/stories/{w['in_review'].pk}/audit"),
    ("POST", lambda w, p: f"/stories/{w['draft'].pk}/check"),
]


def _read_id(case):
    return case[1]({"lead": _Pk(), "approved_plan": _Pk(), "assignment": _Pk(), "in_review": _Pk(), "draft": _Pk()}, {})


class _Pk:
    pk = "{id}"


@pytest.mark.parametrize("method,path", READS, ids=[f"{m} {_read_id((m, f))}" for m, f in READS])
def test_every_read_needs_a_newsroom_staff_member(world, people, as_user, stranger, method, path):
    url = path(world, people)
    assert as_user(people["outsider"])(method, url).status_code == 200
    anonymous = as_user(None)(method, url)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    refused = as_user(stranger)(method, url)
    assert refused.status_code == 403
    assert refused.json()["detail"]


def _coverage(kind="video"):
    return {"kind": kind, "deadline": TOMORROW, "note": ""}


# (name, method, path, body, who may, status, who may not, status)
WRITES = [
    (
        "file lead",
        "POST",
        lambda w, p: "/leads",
        lambda w, p: {"title": "泌阳花菇丰收季", "description": "花菇大棚迎来采摘高峰。"},
        "reporter",
        201,
        "stranger",
        403,
    ),
    (
        "discard lead",
        "POST",
        lambda w, p: f"/leads/{w['lead'].pk}/discard",
        lambda w, p: {"reason": "重复线索"},
        "reporter",
        200,
        "reporter2",
        403,
    ),
    (
        "plan from lead",
        "POST",
        lambda w, p: f"/leads/{w['lead'].pk}/plan",
        lambda w, p: {
            "team_id": p["team"].pk,
            "planned_date": str(timezone.localdate()),
            "channels": ["app", "wechat_oa"],
            "coverages": [_coverage("text")],
        },
        "reporter",
        201,
        "outsider",
        403,
    ),
    (
        "propose plan",
        "POST",
        lambda w, p: "/plans",
        lambda w, p: {
            "team_id": p["team"].pk,
            "title": "铜山湖冬季观鸟",
            "planned_date": str(timezone.localdate()),
            "coverages": [_coverage()],
        },
        "editor",
        201,
        "outsider",
        403,
    ),
    (
        "approve plan",
        "POST",
        lambda w, p: f"/plans/{w['proposed_plan'].pk}/approve",
        lambda w, p: None,
        "column_lead",
        200,
        "other_lead",
        403,
    ),
    (
        "reject plan",
        "POST",
        lambda w, p: f"/plans/{w['proposed_plan'].pk}/reject",
        lambda w, p: {"note": "角度不新"},
        "chief",
        200,
        "editor",
        403,
    ),
    (
        "add coverage",
        "POST",
        lambda w, p: f"/plans/{w['proposed_plan'].pk}/coverages",
        lambda w, p: _coverage(),
        "reporter",
        201,
        "reporter2",
        403,
    ),
    (
        "dispatch",
        "POST",
        lambda w, p: "/assignments",
        lambda w, p: {"coverage_id": w["coverage"].pk, "assignee_id": p["photographer"].pk},
        "column_lead",
        201,
        "reporter",
        403,
    ),
    ("accept", "POST", lambda w, p: f"/assignments/{w['assignment'].pk}/accept", lambda w, p: None, "reporter", 200, "reporter2", 403),
    (
        "decline",
        "POST",
        lambda w, p: f"/assignments/{w['assignment'].pk}/decline",
        lambda w, p: {"reason": "另有采访"},
        "reporter",
        200,
        "photographer",
        403,
    ),
    ("cancel", "POST", lambda w, p: f"/assignments/{w['assignment'].pk}/cancel", lambda w, p: None, "column_lead", 200, "reporter", 403),
    ("all assignments", "GET", lambda w, p: "/assignments?all=1", lambda w, p: None, "column_lead", 200, "reporter", 403),
    ("dispatch board", "GET", lambda w, p: f"/dispatch?day={timezone.localdate()}", lambda w, p: None, "chief", 200, "editor", 403),
    (
        "start story",
        "POST",
        lambda w, p: "/stories",
        lambda w, p: {"team_id": p["team"].pk, "headline": "夏南牛走上全国餐桌"},
        "reporter2",
        201,
        "outsider",
        403,
    ),
    (
        "autosave",
        "PATCH",
        lambda w, p: f"/stories/{w['draft'].pk}",
        lambda w, p: {"subtitle": "养殖户的新生活"},
        "reporter",
        200,
        "outsider",
        403,
    ),
    (
        "save version",
        "POST",
        lambda w, p: f"/stories/{w['draft'].pk}/versions",
        lambda w, p: {"note": "初稿"},
        "editor",
        201,
        "outsider",
        403,
    ),
    ("submit", "POST", lambda w, p: f"/stories/{w['draft'].pk}/submit", lambda w, p: None, "reporter", 200, "reporter2", 403),
    (
        "approve",
        "POST",
        lambda w, p: f"/stories/{w['in_review'].pk}/approve",
        lambda w, p: {"comment": "同意"},
        "editor",
        200,
        "column_lead",
        403,
    ),
    (
        "return",
        "POST",
        lambda w, p: f"/stories/{w['in_review'].pk}/return",
        lambda w, p: {"reason": "数据需核实", "comments": [{"text": "来源？", "quote": "同比增长两成"}]},
        "editor",
        200,
        "reporter2",
        403,
    ),
    (
        "comment",
        "POST",
        lambda w, p: f"/stories/{w['in_review'].pk}/comments",
        lambda w, p: {"text": "标题可再精炼"},
        "editor",
        201,
        "outsider",
        403,
    ),
    ("lock", "POST", lambda w, p: f"/stories/{w['draft'].pk}/lock", lambda w, p: None, "reporter", 200, "outsider", 403),
    ("release lock", "DELETE", lambda w, p: f"/stories/{w['draft'].pk}/lock", lambda w, p: None, "reporter", 204, "anonymous", 401),
    ("force unlock", "POST", lambda w, p: f"/stories/{w['draft'].pk}/unlock", lambda w, p: None, "column_lead", 204, "reporter2", 403),
    ("read notifications", "POST", lambda w, p: "/notifications/read", lambda w, p: {}, "reporter", 200, "anonymous", 401),
    ("create token", "POST", lambda w, p: "/tokens", lambda w, p: {"name": "脚本"}, "reporter", 201, "stranger", 403),
]


@pytest.mark.parametrize("name,method,path,body,allowed,ok_status,denied,denied_status", WRITES, ids=[c[0] for c in WRITES])
def test_who_may_and_who_may_not(world, people, as_user, stranger, name, method, path, body, allowed, ok_status, denied, denied_status):
    def person(key):
        return {"anonymous": None, "stranger": stranger}.get(key, people.get(key))

    url, payload = path(world, people), body(world, people)
    if name == "create token":
        # Tokens are created from a browser session (a token may not mint tokens): log in.
        from django.test import Client

        client = Client()
        client.force_login(people[allowed])
        response = client.post("/api/v1" + url, payload, content_type="application/json")
    else:
        refused = as_user(person(denied))(method, url, payload)
        assert refused.status_code == denied_status, refused.content
        assert refused.json()["detail"]
        response = as_user(person(allowed))(method, url, payload)
    assert response.status_code == ok_status, response.content
    if name == "create token":
        refused = as_user(stranger)(method, url, payload)
        assert refused.status_code == denied_status


def test_a_token_cannot_create_another_token(people, as_user):
    response = as_user(people["reporter"])("POST", "/tokens", {"name": "再来一个"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_only_the_owner_or_an_admin_may_revoke_a_token(people, as_user, admin_user):
    token, _raw = account_services.create_token(actor=people["reporter"], name="发布脚本")
    assert as_user(people["reporter2"])("DELETE", f"/tokens/{token.pk}").status_code == 403
    assert as_user(admin_user)("DELETE", f"/tokens/{token.pk}").status_code == 204
    again = as_user(people["reporter"])("DELETE", f"/tokens/{token.pk}")
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


def test_the_owner_revokes_their_own_token(people, as_user):
    token, _raw = account_services.create_token(actor=people["reporter"], name="发布脚本")
    assert as_user(people["reporter"])("DELETE", f"/tokens/{token.pk}").status_code == 204


def test_my_assignments_list_only_mine_and_all_shows_the_dispatchers_teams(world, people, as_user):
    mine = as_user(people["reporter"])("GET", "/assignments").json()
    assert [a["id"] for a in mine["items"]] == [world["assignment"].pk]
    assert as_user(people["reporter2"])("GET", "/assignments").json()["count"] == 0
    assert as_user(people["column_lead"])("GET", "/assignments?all=1").json()["count"] == 1
    assert as_user(people["other_lead"])("GET", "/assignments?all=1").json()["count"] == 0
    assert as_user(people["chief"])("GET", "/assignments?all=true").json()["count"] == 1


def test_can_review_tells_the_caller_whether_they_may_review_now(world, people, as_user):
    url = f"/stories/{world['in_review'].pk}"
    for_editor = as_user(people["editor"])("GET", url).json()["review"]
    assert for_editor["can_review"] is True
    assert for_editor["next_level"] == 1
    for_lead = as_user(people["column_lead"])("GET", url).json()["review"]
    assert for_lead["can_review"] is False
    assert for_lead["refusal"]


def test_a_reviewer_may_not_approve_a_second_level_of_the_same_version(world, people, as_user):
    story = world["in_review"]
    editor = as_user(people["editor"])
    assert editor("POST", f"/stories/{story.pk}/approve").status_code == 200
    assert editor("POST", f"/stories/{story.pk}/approve").status_code == 403
