"""Hot issues (hot.py): clusters of questions about the same place and problem, on real messages and on questions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from freezegun import freeze_time

from rongmei.inquiries import hot, services
from rongmei.inquiries.classify import training_csv_path
from rongmei.inquiries.models import Kind

TZ = ZoneInfo("Asia/Shanghai")
VOTES = Path(training_csv_path()).parent / "messages_with_votes.csv"


def item(qid, title, body="", *, days_ago=0.0, likes=0, shown=True, now=dt.datetime(2026, 10, 30, tzinfo=TZ)):
    return hot.Item(id=qid, title=title, body=body or title, when=now - dt.timedelta(days=days_ago), likes=likes, shown=shown)


# --- the method ------------------------------------------------------------------------------------


def test_decay_halves_per_half_life():
    now = dt.datetime(2026, 10, 30, tzinfo=TZ)
    assert hot.decay(now, now) == 1.0
    assert hot.decay(now - dt.timedelta(days=hot.HALF_LIFE_DAYS), now) == pytest.approx(0.5)
    assert hot.decay(now + dt.timedelta(days=1), now) == 1.0  # the future is not worth more


def test_more_questions_more_support_and_recent_rank_higher():
    now = dt.datetime(2026, 10, 30, tzinfo=TZ)
    one = [item(1, "x", days_ago=1)]
    assert hot.score(one * 3, now) > hot.score(one, now)
    assert hot.score([item(1, "x", likes=50)], now) > hot.score([item(1, "x")], now)
    assert hot.score([item(1, "x", days_ago=1)], now) > hot.score([item(1, "x", days_ago=40)], now)


@pytest.fixture(scope="module")
def real_items():
    if not VOTES.exists():
        pytest.skip("the shared 问政 data are not here")
    items = hot.csv_items(VOTES)
    topics = {i.id for i in items if ("丽发新城" in i.title and "搅拌" in i.title) or ("伊景园滨河苑" in i.title and "车位" in i.title)}
    # The two big real issues and 300 other messages, to keep the test short.
    background = [i for i in items if i.id not in topics][:300]
    return [i for i in items if i.id in topics] + background, topics


def test_real_messages_cluster_into_their_issues(real_items):
    items, topics = real_items
    now = max(i.when for i in items)
    clusters = hot.hot_issues(items, now=now, half_life_days=365, limit=None)
    assert clusters, "no hot issue found"
    big = [c for c in clusters if c.size >= 5]
    assert big
    for c in big:
        on_topic = len(c.ids & topics)
        assert on_topic / c.size >= 0.6 or on_topic == 0, [i.title for i in c.items]
    top = clusters[0]
    assert top.ids & topics
    assert "丽发新城" in top.label or "伊景园" in top.label or "滨河苑" in top.label or "搅拌" in top.label or "车位" in top.label
    assert top.representative in top.items and top.latest == max(i.when for i in top.items)
    # Most messages about the two issues are in some cluster of two or more (59 % measured on
    # this subset; the IDF of 366 messages weighs the issues' own words down).
    clustered = set().union(*(c.ids for c in clusters))
    assert len(topics & clustered) / len(topics) >= 0.5


def test_unrelated_questions_make_no_hot_issue():
    items = [
        item(1, "城关镇幸福路路灯坏了好几个月没人修"),
        item(2, "县一中食堂饭菜价格太贵学生吃不起"),
        item(3, "黄花镇养老保险缴费标准咨询"),
    ]
    assert hot.hot_issues(items) == []


def test_a_cluster_without_a_shown_question_is_left_out_and_labels_use_shown_text():
    now = dt.datetime(2026, 10, 30, tzinfo=TZ)
    secret = "城关镇幸福路东段路灯坏了整条街晚上漆黑一片"
    items = [
        item(1, secret, shown=False),
        item(2, "城关镇幸福路东段路灯坏了晚上漆黑一片", shown=False),
        item(3, "县一中门口早晚高峰交通拥堵严重", shown=True),
        item(4, "县一中门口早晚高峰交通拥堵严重，希望派交警", shown=False),
    ]
    clusters = hot.hot_issues(items, now=now, shown_only=True)
    assert len(clusters) == 1
    assert clusters[0].ids == {3, 4} and clusters[0].representative.id == 3
    assert secret not in clusters[0].label


# --- on questions, for the site --------------------------------------------------------------------


@pytest.fixture
def _quick_services(settings, monkeypatch):
    monkeypatch.setattr(services, "compute_suggestions", lambda inquiry: {"route": {}, "similar": [], "spam": 0.0, "spam_reasons": []})
    settings.RONGMEI_INQUIRIES = {
        **getattr(settings, "RONGMEI_INQUIRIES", {}),
        "FAN_GAP": 0,
        "FAN_DAY": (86400, 1000),
        "ADDRESS_HOUR": (3600, 1000),
    }


def _published(citizen, editor, chief, unit, unit_staff, when, **fields):
    with freeze_time(when):
        q = services.submit(fan=citizen, kind=Kind.COMPLAINT, location="城关镇", **fields)
        services.forward(actor=editor, inquiry=q, unit=unit)
        if not fields.get("is_public", True):
            return q
        services.accept(actor=unit_staff, inquiry=q)
        reply = services.submit_reply(actor=unit_staff, inquiry=q, body="已安排城管和市政部门现场处理，问题已经解决，感谢监督。")
        services.approve_reply(actor=editor, reply=reply)
        services.publish(actor=chief, inquiry=q)
    return q


@pytest.mark.django_db
@pytest.mark.usefixtures("_quick_services")
def test_site_hot_list_counts_private_questions_but_shows_only_public_ones(citizen, other_citizen, editor, chief, unit, unit_staff, client):
    now = dt.datetime.now(TZ)
    body = "幸福路东段菜市场门口每天早上占道经营，摊贩把路都堵死了，车辆行人无法通行，垃圾也没人清理。"
    public = [
        _published(
            citizen, editor, chief, unit, unit_staff, now - dt.timedelta(days=d), title=f"幸福路菜市场门口占道经营堵路{n}", body=body
        )
        for n, d in (("一", 3), ("二", 2))
    ]
    private = _published(
        other_citizen, editor, chief, unit, unit_staff, now - dt.timedelta(days=1),
        title="幸福路菜市场占道经营我家门口秘密", body=body + "我是住在三号楼的王秘密。", is_public=False,
    )  # fmt: skip
    found = hot.site_hot_issues()
    assert len(found) == 1
    issue = found[0]
    assert issue["size"] == 3  # the private question counts
    assert issue["receipt"] in {q.receipt for q in public} and issue["url"] == f"/wenzheng/q/{issue['receipt']}/"
    assert "秘密" not in issue["label"] and "秘密" not in issue["title"]
    assert cache.get(f"inquiries:hot:{hot.WINDOW_DAYS}:{hot.LIMIT}") == found  # cached for the next reader

    html = client.get("/wenzheng/stats/").content.decode()
    assert issue["url"] in html
    assert private.receipt not in html and "秘密" not in html
