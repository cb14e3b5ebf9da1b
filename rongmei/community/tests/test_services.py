import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from rongmei.community import selectors, services
from rongmei.community.models import Comment
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.fans.models import Fan, FanNotification
from rongmei.fans.services import Throttled
from rongmei.testing import factories

S = Comment.Status


def submit(fan, story, body="铜山湖的夏南牛节办得真热闹，明年还来！", **kwargs):
    return services.submit_comment(fan=fan, story_id=story.pk, body=body, **kwargs)


# --- writing -------------------------------------------------------------------------------------


def test_a_new_comment_waits_for_review_and_only_its_author_sees_it(story, fan, other_fan):
    comment = submit(fan, story, body="  夏南牛节办得真热闹  ")
    assert comment.status == S.PENDING and comment.body == "夏南牛节办得真热闹" and not comment.flagged
    assert [c.pk for c in selectors.thread(story, fan=fan).items] == [comment.pk]
    assert selectors.thread(story, fan=other_fan).items == []
    assert selectors.thread(story).items == [] and selectors.thread(story).count == 0


def test_without_premoderation_a_clean_comment_is_published_at_once(story, fan, other_fan, words, premoderation_off):
    comment = submit(fan, story)
    assert comment.status == S.APPROVED
    assert [c.pk for c in selectors.thread(story, fan=other_fan).items] == [comment.pk]
    assert selectors.thread(story).count == 1


def test_a_comment_with_sensitive_words_is_held_and_flagged_never_refused(story, fan, words, premoderation_off):
    comment = submit(fan, story, body="这是顶级的牛肉，有人代开发票吗")
    assert comment.status == S.PENDING and comment.flagged
    assert [(h["word"], h["category"], h["severity"]) for h in comment.hits] == [
        ("顶级", "广告违禁词", "flag"),
        ("代开发票", "严重违规", "block"),
    ]
    runs = selectors.highlighted(comment)
    assert [(text, hit.word if hit else None) for text, hit in runs] == [
        ("这是", None),
        ("顶级", "顶级"),
        ("的牛肉，有人", None),
        ("代开发票", "代开发票"),
        ("吗", None),
    ]


@pytest.mark.parametrize("body", ["", "   \n ", "\x00\x07"])
def test_an_empty_comment_is_refused_with_a_message_on_the_body(story, fan, body):
    with pytest.raises(DomainError) as exc:
        submit(fan, story, body=body)
    assert exc.value.field == "text" and "Write something" in exc.value.message
    assert not Comment.objects.exists()


def test_a_comment_may_have_500_characters_after_trimming_but_not_501(story, fan):
    assert len(submit(fan, story, body="  " + "牛" * 500 + "  ").body) == 500
    with pytest.raises(DomainError) as exc:
        submit(fan, story, body="牛" * 501)
    assert exc.value.field == "text" and "at most 500 characters (now 501)" in exc.value.message


def test_only_live_articles_take_comments(fan, reporter, team, reviewers, chief):
    from rongmei.distribution import services as distribution

    for story_id in (factories.signed_off_story(reporter, team, reviewers).pk, 2**62):
        with pytest.raises(services.ArticleNotFound) as exc:
            services.submit_comment(fan=fan, story_id=story_id, body="你好")
        assert exc.value.status == 404
    live = factories.published_story(reporter, team, reviewers)
    assert submit(fan, live).pk
    distribution.retract(actor=chief, story=live, reason="事实有误")
    with pytest.raises(services.ArticleNotFound):
        submit(fan, live)


def test_a_banned_or_missing_fan_cannot_comment(story, fan):
    with pytest.raises(services.LoginRequired):
        services.submit_comment(fan=None, story_id=story.pk, body="你好")
    Fan.objects.filter(pk=fan.pk).update(banned=True)
    fan.refresh_from_db()
    with pytest.raises(NotAllowed):
        submit(fan, story)


def test_replies_go_to_published_comments_of_the_same_article_one_level_deep(story, fan, other_fan, operator, reporter, team, reviewers):
    parent = submit(fan, story)
    with pytest.raises(DomainError) as exc:
        submit(other_fan, story, reply_to_id=parent.pk)  # still pending
    assert exc.value.field == "reply_to"
    services.approve(actor=operator, comment=parent)
    reply = submit(other_fan, story, body="同感", reply_to_id=parent.pk)
    assert reply.reply_to_id == parent.pk
    services.approve(actor=operator, comment=reply)
    deeper = submit(fan, story, body="谢谢", reply_to_id=reply.pk)
    assert deeper.reply_to_id == parent.pk  # a reply to a reply joins the thread
    elsewhere = factories.published_story(reporter, team, reviewers, headline="泌阳花菇丰收")
    with pytest.raises(DomainError):
        services.submit_comment(fan=fan, story_id=elsewhere.pk, body="跑题", reply_to_id=parent.pk)


# --- rate limits ---------------------------------------------------------------------------------


def test_a_fan_may_write_five_comments_a_minute(story, fan):
    start = timezone.now()
    with freeze_time(start):
        for i in range(5):
            submit(fan, story, body=f"第{i}条")
        with pytest.raises(Throttled) as exc:
            submit(fan, story)
    assert exc.value.status == 429 and "too fast" in exc.value.message and 0 < exc.value.retry_after <= 60
    with freeze_time(start + dt.timedelta(seconds=61)):
        assert submit(fan, story).pk
    assert Comment.objects.count() == 6


def test_a_fan_may_write_fifty_comments_a_day(story, fan):
    start = timezone.now()
    for i in range(50):
        with freeze_time(start + dt.timedelta(minutes=2 * i)):
            submit(fan, story, body=f"第{i}条")
    with freeze_time(start + dt.timedelta(hours=3)), pytest.raises(Throttled) as exc:
        submit(fan, story)
    assert "one day allows" in exc.value.message and "hours" in exc.value.message


def test_one_address_may_send_twenty_comments_a_minute_whoever_writes(story):
    # Five fans, four comments each: none reaches their own limit, the address reaches its own.
    fans = [Fan.objects.create(phone=f"+861380000{i:04d}") for i in range(5)]
    with freeze_time(timezone.now()):
        for i in range(20):
            submit(fans[i % 5], story, body=f"第{i}条", ip="10.0.0.7")
        with pytest.raises(Throttled) as exc:
            submit(Fan.objects.create(phone="+8613900000000"), story, ip="10.0.0.7")
        assert "your network" in exc.value.message
        assert submit(Fan.objects.create(phone="+8613900000001"), story, ip="10.0.0.8").pk


def test_refused_comments_do_not_count_against_the_limit(story, fan):
    with freeze_time(timezone.now()):
        for _i in range(10):
            with pytest.raises(DomainError):
                submit(fan, story, body=" ")
        assert submit(fan, story).pk


def test_a_junk_address_is_not_stored(story, fan):
    assert submit(fan, story, ip="not-an-ip").ip_address is None
    assert submit(fan, story, ip="2001:db8::1").ip_address == "2001:db8::1"


# --- moderation ----------------------------------------------------------------------------------


def test_approving_publishes_audits_and_tells_the_author(story, fan, operator):
    comment = submit(fan, story)
    services.approve(actor=operator, comment=comment)
    comment.refresh_from_db()
    assert comment.status == S.APPROVED and comment.moderated_by == operator and comment.moderated_at is not None
    log = AuditLog.objects.get(action="comment.approve")
    assert log.actor == operator and log.subject_id == str(comment.pk) and (log.from_state, log.to_state) == ("pending", "approved")
    note = FanNotification.objects.get(fan=fan)
    assert note.kind == "comment.approved" and "铜山湖夏南牛节开幕" in note.text and note.url == f"/news/{story.pk}/#comments"
    assert [c.pk for c in selectors.thread(story).items] == [comment.pk]


def test_rejecting_needs_a_reason_which_the_author_reads(story, fan, editor):
    comment = submit(fan, story)
    with pytest.raises(DomainError) as exc:
        services.reject(actor=editor, comment=comment, reason="  ")
    assert exc.value.field == "reason"
    comment.refresh_from_db()
    assert comment.status == S.PENDING and not AuditLog.objects.filter(action="comment.reject").exists()
    services.reject(actor=editor, comment=comment, reason="与报道内容无关")
    comment.refresh_from_db()
    assert comment.status == S.REJECTED and comment.reason == "与报道内容无关"
    assert AuditLog.objects.get(action="comment.reject").data["reason"] == "与报道内容无关"
    note = FanNotification.objects.get(fan=fan)
    assert note.kind == "comment.rejected" and "与报道内容无关" in note.text
    own = selectors.thread(story, fan=fan).items
    assert [(c.status, c.reason) for c in own] == [(S.REJECTED, "与报道内容无关")]


def test_a_published_comment_can_be_removed_with_a_reason(story, fan, chief):
    comment = submit(fan, story)
    with pytest.raises(StateConflict):
        services.remove(actor=chief, comment=comment, reason="x")  # not published yet
    services.approve(actor=chief, comment=comment)
    services.remove(actor=chief, comment=comment, reason="涉及他人隐私")
    comment.refresh_from_db()
    assert comment.status == S.REMOVED and comment.reason == "涉及他人隐私"
    assert selectors.thread(story).items == []
    assert FanNotification.objects.filter(fan=fan).values_list("kind", flat=True)[0] == "comment.removed"


def test_a_decided_comment_cannot_be_decided_again(story, fan, operator, editor):
    comment = submit(fan, story)
    services.approve(actor=operator, comment=comment)
    with pytest.raises(StateConflict):
        services.approve(actor=editor, comment=comment)
    with pytest.raises(StateConflict):
        services.reject(actor=editor, comment=comment, reason="晚了")
    assert AuditLog.objects.filter(action__startswith="comment.").count() == 1


def test_a_rejection_by_mistake_can_be_undone_by_approving(story, fan, operator):
    comment = submit(fan, story)
    services.reject(actor=operator, comment=comment, reason="误判")
    services.approve(actor=operator, comment=comment)
    comment.refresh_from_db()
    assert comment.status == S.APPROVED and comment.reason == ""


@pytest.mark.parametrize("who", ["reporter", "photographer", "column_lead"])
def test_people_who_are_not_moderators_may_not_moderate(story, fan, people, who, operator):
    actor = people[who]
    comment = submit(fan, story)
    for call in (
        lambda: services.approve(actor=actor, comment=comment),
        lambda: services.reject(actor=actor, comment=comment, reason="不行"),
        lambda: services.approve_many(actor=actor, comment_ids=[comment.pk]),
        lambda: services.ban_fan(actor=actor, fan=fan, reason="不行"),
    ):
        with pytest.raises(NotAllowed):
            call()
    services.approve(actor=operator, comment=comment)
    with pytest.raises(NotAllowed):
        services.remove(actor=actor, comment=comment, reason="不行")
    comment.refresh_from_db()
    fan.refresh_from_db()
    assert comment.status == S.APPROVED and not fan.banned
    assert AuditLog.objects.filter(action__in=["comment.reject", "comment.remove", "fan.ban"]).count() == 0


def test_the_audit_line_and_the_notification_share_the_decisions_transaction(story, fan, operator, monkeypatch):
    comment = submit(fan, story)

    def broken(*args, **kwargs):
        raise RuntimeError("notification store down")

    from rongmei.community import moderation  # the decisions of every kind are made there

    monkeypatch.setattr(moderation, "notify_fan", broken)
    with pytest.raises(RuntimeError):
        services.approve(actor=operator, comment=comment)
    comment.refresh_from_db()
    assert comment.status == S.PENDING and not AuditLog.objects.filter(action="comment.approve").exists()


def test_approving_several_at_once_skips_the_ones_already_decided(story, fan, other_fan, operator):
    a, b, c = submit(fan, story, body="一"), submit(other_fan, story, body="二"), submit(fan, story, body="三")
    services.reject(actor=operator, comment=b, reason="广告")
    done = services.approve_many(actor=operator, comment_ids=[a.pk, b.pk, c.pk, 999999])
    assert [x.pk for x in done] == [a.pk, c.pk]
    assert set(Comment.objects.values_list("pk", "status")) == {(a.pk, S.APPROVED), (b.pk, S.REJECTED), (c.pk, S.APPROVED)}
    assert FanNotification.objects.filter(kind="comment.approved").count() == 2
    with pytest.raises(DomainError):
        services.approve_many(actor=operator, comment_ids=[])


def test_banning_a_fan_rejects_their_pending_comments_and_stops_new_ones(story, fan, other_fan, operator):
    published = submit(fan, story, body="好")
    services.approve(actor=operator, comment=published)
    waiting = [submit(fan, story, body="加我微信"), submit(fan, story, body="加我QQ")]
    someone_else = submit(other_fan, story)
    with pytest.raises(DomainError) as exc:
        services.ban_fan(actor=operator, fan=fan, reason="")
    assert exc.value.field == "reason"
    rejected = services.ban_fan(actor=operator, fan=fan, reason="反复发布广告")
    assert sorted(c.pk for c in rejected) == sorted(c.pk for c in waiting)
    fan.refresh_from_db()
    assert fan.banned and fan.ban_reason == "反复发布广告"
    assert set(Comment.objects.filter(fan=fan).values_list("status", flat=True)) == {S.APPROVED, S.REJECTED}
    assert Comment.objects.get(pk=someone_else.pk).status == S.PENDING
    ban = AuditLog.objects.get(action="fan.ban")
    assert ban.subject_type == "fans.fan" and ban.data["rejected_comments"] == [c.pk for c in waiting]
    assert AuditLog.objects.filter(action="comment.reject").count() == 2
    with pytest.raises(NotAllowed):
        submit(fan, story)
    with pytest.raises(StateConflict):
        services.ban_fan(actor=operator, fan=fan, reason="再封一次")


# --- the queue -----------------------------------------------------------------------------------


def test_the_queue_puts_flagged_comments_first_then_the_oldest(story, fan, other_fan, words):
    start = timezone.now() - dt.timedelta(hours=1)
    with freeze_time(start):
        old_clean = submit(fan, story, body="第一条")
    with freeze_time(start + dt.timedelta(minutes=10)):
        new_clean = submit(other_fan, story, body="第二条")
    with freeze_time(start + dt.timedelta(minutes=20)):
        flagged = submit(fan, story, body="顶级好牛肉")
    assert [c.pk for c in selectors.queue()] == [flagged.pk, old_clean.pk, new_clean.pk]
    assert [c.pk for c in selectors.queue(flagged_only=True)] == [flagged.pk]
    row = selectors.queue().get(pk=flagged.pk)
    assert row.fan_total == 2 and row.fan_turned_down == 0


def test_lone_surrogates_are_dropped_from_the_text(story, fan):
    assert submit(fan, story, body="好\ud800评论").body == "好评论"
