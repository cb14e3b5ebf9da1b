"""Helpers for calling the real API URLs as a persona, by token or by browser session."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from rongmei.accounts import services as account_services
from rongmei.accounts.models import Role, User
from rongmei.testing.personas import make_user

API = "/api/v1"


class Caller:
    """Calls /api/v1/… with ``Authorization: Bearer`` for one person (or anonymously)."""

    def __init__(self, user=None, *, automation: bool = False):
        self.user = user
        self.client = Client()
        self.headers = {}
        if user is not None:
            # automation: the token may publish and retract (no second factor; accounts/stepup.py).
            _token, raw = account_services.create_token(actor=user, name="test", automation=automation)
            self.headers["Authorization"] = f"Bearer {raw}"

    def __call__(self, method: str, path: str, body=None, *, raw_body: str | None = None):
        data = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
        response = self.client.generic(method, API + path, data=data, content_type="application/json", headers=self.headers)
        return response


@pytest.fixture
def as_user():
    """as_user(person)(method, path, body) → response; as_user(None) calls anonymously."""
    return Caller


@pytest.fixture
def stranger(db):
    """An active account whose role is not newsroom staff (later issues add such roles)."""
    user = make_user("citizen1", "市民甲", Role.REPORTER)
    User.objects.filter(pk=user.pk).update(role="app_user")
    user.refresh_from_db()
    return user


@pytest.fixture
def admin_user(db):
    return make_user("adminx", "管理员", Role.ADMIN)


@pytest.fixture
def world(people):
    """One object in each state, made through the real services, for the endpoint tests."""
    import datetime as dt

    from django.utils import timezone

    from rongmei.newsroom import services
    from rongmei.testing import factories

    p = people
    lead = services.create_lead(actor=p["reporter"], title="铜山湖夏南牛节将开幕", description="夏南牛节下周在铜山湖开幕。", team=p["team"])
    proposed = services.propose_plan(
        actor=p["reporter"],
        team=p["team"],
        title="盘古山秋季旅游节",
        planned_date=timezone.localdate(),
        coverages=[("photo", timezone.now() + dt.timedelta(days=2), "")],
    )
    approved = services.propose_plan(
        actor=p["reporter2"],
        team=p["team"],
        title="第十五届中国牛业发展大会筹备",
        planned_date=timezone.localdate(),
        coverages=[("text", timezone.now() + dt.timedelta(days=1), "")],
    )
    services.approve_plan(actor=p["column_lead"], plan=approved)
    coverage = approved.coverages.get()
    assignment = services.assign(actor=p["column_lead"], coverage=coverage, assignee=p["reporter"])
    draft = factories.draft_story(p["reporter"], p["team"])
    in_review = factories.story_in_review(p["reporter2"], p["team"], headline="泌阳花菇远销海外市场")
    return {
        "lead": lead,
        "proposed_plan": proposed,
        "approved_plan": approved,
        "coverage": coverage,
        "assignment": assignment,
        "draft": draft,
        "in_review": in_review,
    }
