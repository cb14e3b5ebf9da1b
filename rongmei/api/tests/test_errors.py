"""Bad input gets a 4xx JSON answer with a message people can read, never a 500."""

from __future__ import annotations

import pytest

from rongmei.core.models import SensitiveWord, WordCategory


def _bad_cases(w, p):
    team = p["team"].pk
    draft, review = w["draft"].pk, w["in_review"].pk
    return [
        ("POST", "/leads", {}),
        ("POST", "/leads", {"title": 5, "description": ["x"]}),
        ("POST", "/leads", {"title": "短", "description": "太短的标题"}),
        ("POST", "/leads", {"title": "x" * 81, "description": "说明"}),
        ("POST", "/leads", {"title": "铜山湖游客增长", "description": "说明", "source": "rumour"}),
        ("POST", "/leads", {"title": "铜山湖游客增长", "description": "说明", "team_id": 99999}),
        ("POST", "/leads", "not json"),
        ("GET", "/leads?limit=abc", None),
        ("GET", "/leads?limit=100000", None),
        ("GET", "/leads?status=lost", None),
        ("GET", "/leads/99999", None),
        ("GET", "/leads?team=99999", None),
        ("POST", f"/leads/{w['lead'].pk}/discard", {"reason": "   "}),
        ("POST", f"/leads/{w['lead'].pk}/plan", {"team_id": team, "planned_date": "2026-13-40"}),
        ("POST", f"/leads/{w['lead'].pk}/plan", {"team_id": team, "planned_date": "2026-01-01", "channels": ["myspace"]}),
        (
            "POST",
            "/plans",
            {"team_id": team, "title": "铜山湖观鸟", "planned_date": "2026-01-01", "coverages": [{"kind": "hologram", "deadline": "x"}]},
        ),
        ("POST", f"/plans/{w['proposed_plan'].pk}/reject", {}),
        ("POST", f"/plans/{w['approved_plan'].pk}/approve", None),
        ("POST", f"/plans/{w['proposed_plan'].pk}/coverages", {"kind": "text"}),
        ("POST", "/assignments", {"coverage_id": w["coverage"].pk, "assignee_id": 99999}),
        ("POST", "/assignments", {"coverage_id": "abc", "assignee_id": p["reporter"].pk}),
        ("POST", f"/assignments/{w['assignment'].pk}/decline", {"reason": ""}),
        ("GET", "/dispatch?day=yesterday", None),
        ("POST", "/stories", {"team_id": team, "headline": ""}),
        ("POST", "/stories", {"team_id": team, "headline": "标题", "keywords": "not a list"}),
        ("PATCH", f"/stories/{draft}", {"headline": None}),
        ("PATCH", f"/stories/{draft}", {"intro": "x" * 1001}),
        ("GET", f"/stories/{draft}/versions/7", None),
        ("GET", "/stories/abc", None),
        ("POST", f"/stories/{draft}/approve", {"comment": "好"}),
        ("POST", f"/stories/{review}/approve", {"version": 9}),
        ("POST", f"/stories/{review}/return", {"reason": "改", "comments": [{"text": "这里", "quote": "不存在的句子"}]}),
        ("POST", f"/stories/{review}/return", {"comments": []}),
        ("POST", f"/stories/{review}/submit", None),
        ("POST", f"/stories/{draft}/comments", {"text": "还没有版本"}),
        ("POST", f"/stories/{draft}/check", {"version": 3}),
        ("DELETE", "/tokens/99999", None),
        ("POST", "/notifications/read", {"ids": "all"}),
    ]


def test_bad_input_gets_a_4xx_json_message_and_never_a_500(world, people, as_user):
    # The callers: people who may do the thing, so the refusal is about the input, not the person.
    who = {"/plans/": "column_lead", "/assignments": "column_lead", "/dispatch": "chief", "approve": "editor", "return": "editor"}
    callers = {}
    for method, path, body in _bad_cases(world, people):
        persona = next((name for key, name in who.items() if key in path), "reporter")
        if persona not in callers:
            callers[persona] = as_user(people[persona])
        caller = callers[persona]
        response = caller(method, path, raw_body=body) if isinstance(body, str) else caller(method, path, body)
        assert 400 <= response.status_code < 500, (method, path, response.status_code, response.content)
        data = response.json()
        assert data["detail"] and isinstance(data["detail"], str), (method, path, data)
        assert data["code"]


def test_a_validation_error_names_every_bad_field(people, as_user):
    response = as_user(people["reporter"])("POST", "/leads", {"title": 5})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"title", "description"} <= fields


def test_a_wrong_state_is_a_409_conflict(world, people, as_user):
    response = as_user(people["column_lead"])("POST", f"/plans/{world['approved_plan'].pk}/approve")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_a_stale_version_is_refused_with_its_own_code(world, people, as_user):
    response = as_user(people["editor"])("POST", f"/stories/{world['in_review'].pk}/approve", {"version": 9})
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"


def test_a_service_error_names_the_field(people, as_user):
    response = as_user(people["reporter"])("POST", "/leads", {"title": "短", "description": "太短的标题"})
    assert response.status_code == 400
    assert response.json()["field"] == "title"


@pytest.fixture
def blocked_word(db):
    category = WordCategory.objects.create(name="测试禁用", severity=WordCategory.Severity.BLOCK)
    SensitiveWord.objects.create(category=category, word="夏南牛")
    return "夏南牛"


def test_sensitive_words_stop_submission_with_422_and_the_hits(people, as_user, blocked_word):
    caller = as_user(people["reporter"])
    story = caller(
        "POST", "/stories", {"team_id": people["team"].pk, "headline": "铜山湖畔新生活", "body": "<p>夏南牛养殖户的新生活</p>"}
    ).json()
    response = caller("POST", f"/stories/{story['id']}/submit")
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "sensitive_words"
    assert data["hits"][0]["word"] == blocked_word
    kept = caller("GET", f"/stories/{story['id']}").json()
    assert kept["state"] == "draft" and "夏南牛" in kept["body"]


def test_check_reports_hits_with_offsets_into_the_scanned_text(world, people, as_user, blocked_word):
    response = as_user(people["reporter"])("POST", f"/stories/{world['draft'].pk}/check")
    data = response.json()
    assert response.status_code == 200
    assert data["blocking"] is True
    hit = data["hits"][0]
    assert data["text"][hit["start"] : hit["end"]] == blocked_word
    clean = as_user(people["reporter"])("POST", f"/stories/{world['draft'].pk}/check", {"body": "<p>铜山湖</p>", "headline": "盘古山"})
    assert clean.json()["hits"] == []
