import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from rongmei.community import services
from rongmei.community.models import Comment
from rongmei.core.models import AuditLog
from rongmei.fans.models import FanNotification
from rongmei.newsroom.tests.test_views_common import as_user

S = Comment.Status
QUEUE = "/newsroom/moderation/"


def submit(fan, story, body):
    return services.submit_comment(fan=fan, story_id=story.pk, body=body)


@pytest.fixture
def waiting(story, fan, other_fan, words):
    """Three pending comments: two clean ones an hour apart, then a flagged one."""
    start = timezone.now() - dt.timedelta(hours=2)
    with freeze_time(start):
        old = submit(fan, story, "夏南牛节办得真热闹")
    with freeze_time(start + dt.timedelta(hours=1)):
        new = submit(other_fan, story, "明年还来铜山湖")
    with freeze_time(start + dt.timedelta(hours=1, minutes=30)):
        flagged = submit(fan, story, "泌阳顶级的牛肉")
    return {"old": old, "new": new, "flagged": flagged}


def test_the_queue_shows_flagged_comments_first_with_the_words_marked(operator, waiting, story):
    page = as_user(operator).get(QUEUE)
    assert page.status_code == 200
    html = page.content.decode()
    positions = [html.index(f'id="comment-{waiting[k].pk}"') for k in ("flagged", "old", "new")]
    assert positions == sorted(positions)
    assert '<mark class="flag" title="广告违禁词">顶级</mark>' in html
    assert f'href="/news/{story.pk}/"' in html and "铜山湖夏南牛节开幕" in html
    assert "138****0001" in html and "铜山湖的风" in html  # nickname and masked number
    assert "2 comments in all" in html


def test_the_filters_narrow_the_list(operator, waiting, story, fan):
    client = as_user(operator)
    flagged_only = client.get(QUEUE, {"flagged": "on"}).content.decode()
    assert f'id="comment-{waiting["flagged"].pk}"' in flagged_only and f'id="comment-{waiting["old"].pk}"' not in flagged_only
    services.approve(actor=operator, comment=waiting["old"])
    approved = client.get(QUEUE, {"status": "approved", "article": story.pk}).content.decode()
    assert f'id="comment-{waiting["old"].pk}"' in approved and f'id="comment-{waiting["new"].pk}"' not in approved
    everything = client.get(QUEUE, {"status": "all"}).content.decode()
    assert all(f'id="comment-{c.pk}"' in everything for c in waiting.values())
    assert client.get(QUEUE, {"status": "bogus", "article": "x", "page": "999"}).status_code == 200


def test_an_operator_approves_a_comment_with_a_plain_form(operator, waiting, fan):
    client = as_user(operator)
    comment = waiting["old"]
    response = client.post(QUEUE + "?flagged=", {"action": "approve", "comment": comment.pk})
    assert response.status_code == 302 and response["Location"] == QUEUE + "?flagged="
    comment.refresh_from_db()
    assert comment.status == S.APPROVED and comment.moderated_by == operator
    assert AuditLog.objects.filter(action="comment.approve", subject_id=str(comment.pk), actor=operator).exists()
    assert FanNotification.objects.filter(fan=fan, kind="comment.approved").exists()
    assert "The comment is published" in client.get(QUEUE).content.decode()


def test_approving_through_htmx_answers_with_the_row(operator, waiting):
    client = as_user(operator)
    comment = waiting["new"]
    response = client.post(QUEUE, {"action": "approve", "comment": comment.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<article class="card mod-item') and 'name="reason"' in html
    assert "state-approved" in html and "</html>" not in html


def test_rejecting_without_a_reason_is_refused_on_the_comment(chief, waiting):
    client = as_user(chief)
    comment = waiting["old"]
    response = client.post(QUEUE, {"action": "reject", "comment": comment.pk, "reason": "   "})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert "Give the reason" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == S.PENDING
    response = client.post(QUEUE, {"action": "reject", "comment": comment.pk, "reason": "与报道无关"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == S.REJECTED and comment.reason == "与报道无关"


def test_a_refusal_through_htmx_keeps_the_typed_reason(editor, waiting, operator):
    comment = waiting["old"]
    services.approve(actor=operator, comment=comment)
    response = as_user(editor).post(QUEUE, {"action": "reject", "comment": comment.pk, "reason": "已经来不及"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "already been dealt with" in response.content.decode()


def test_removing_a_published_comment(editor, waiting, operator):
    comment = waiting["old"]
    services.approve(actor=operator, comment=comment)
    response = as_user(editor).post(QUEUE + "?status=approved", {"action": "remove", "comment": comment.pk, "reason": "人身攻击"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == S.REMOVED and comment.reason == "人身攻击" and comment.moderated_by == editor


def test_banning_a_fan_from_the_queue(operator, waiting, fan):
    client = as_user(operator)
    without_reason = client.post(QUEUE, {"action": "ban", "comment": waiting["old"].pk, "reason": ""})
    assert without_reason.status_code == 400 and "Give the reason for the ban." in without_reason.content.decode()
    response = client.post(QUEUE, {"action": "ban", "comment": waiting["old"].pk, "reason": "反复发布广告"})
    assert response.status_code == 302
    fan.refresh_from_db()
    assert fan.banned and fan.ban_reason == "反复发布广告"
    assert set(Comment.objects.filter(fan=fan).values_list("status", flat=True)) == {S.REJECTED}
    assert Comment.objects.get(pk=waiting["new"].pk).status == S.PENDING
    assert "2 pending comments were rejected" in client.get(QUEUE).content.decode()


def test_approving_several_at_once(operator, waiting):
    client = as_user(operator)
    ids = [waiting["old"].pk, waiting["flagged"].pk]
    response = client.post(QUEUE, {"action": "approve_many", "ids": [str(i) for i in ids] + ["junk"]})
    assert response.status_code == 302
    assert set(Comment.objects.filter(status=S.APPROVED).values_list("pk", flat=True)) == set(ids)
    assert "2 comments published." in client.get(QUEUE).content.decode()
    nothing = client.post(QUEUE, {"action": "approve_many"})
    assert nothing.status_code == 302 and "Choose at least one comment." in client.get(QUEUE).content.decode()


def test_unknown_actions_and_comments_are_not_500s(operator, waiting):
    client = as_user(operator)
    assert client.post(QUEUE, {"action": "explode", "comment": waiting["old"].pk}).status_code == 302
    assert client.post(QUEUE, {"action": "approve", "comment": "999999"}).status_code == 404
    assert client.post(QUEUE, {"action": "approve", "comment": "abc"}).status_code == 404


@pytest.mark.parametrize("who", ["reporter", "photographer"])
def test_reporters_get_a_403_and_change_nothing(people, who, waiting):
    client = as_user(people[who])
    assert client.get(QUEUE).status_code == 403
    assert client.post(QUEUE, {"action": "approve", "comment": waiting["old"].pk}).status_code == 403
    assert Comment.objects.filter(status=S.PENDING).count() == 3


def test_the_queue_needs_a_login(client, db):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_a_moderator_who_needs_two_factor_is_sent_to_verify_first(client, chief, db):
    client.force_login(chief)  # no verified device in this session
    assert client.get(QUEUE).status_code == 302


def test_the_queue_takes_the_same_queries_however_long_it_is(operator, story, fan, other_fan):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(operator)

    def add(n, prefix):
        for i in range(n):
            cache.clear()  # the rate limits are not under test here
            submit(fan if i % 2 else other_fan, story, f"{prefix}{i}")

    def measure():
        client.get(QUEUE)  # warm the caches (two-factor policy, safety lists)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE).status_code == 200
        return len(queries)

    add(2, "评论")
    few = measure()
    add(12, "更多")
    assert measure() == few
