"""The one moderation model: the same policies, queue, actions, reports, standing and audit for
comments, topic posts and chat messages."""

import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from rongmei.community import chat, moderation, selectors, services, topics
from rongmei.community.models import ChatMessage, Comment, FanStanding, Like, ModerationPolicy, Report, TopicPost
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.fans.models import FanNotification
from rongmei.fans.services import Throttled

S = Comment.Status


@pytest.fixture
def one_of_each(story, topic, open_room, fan, premoderation_off):
    """A published comment, topic post and chat message by ``fan``."""
    return {
        "comment": services.submit_comment(fan=fan, story_id=story.pk, body="夏南牛节办得真热闹"),
        "post": topics.submit_post(fan=fan, topic=topic, body="我家的牛犊满月了"),
        "message": chat.post_message(fan=fan, room_id=open_room.pk, body="今天谁去湖边"),
    }


# --- policies ---------------------------------------------------------------------------------------


def test_each_place_has_its_policy(story, topic, premod_topic, open_room, operator, fan):
    assert services.submit_comment(fan=fan, story_id=story.pk, body="先审后发").status == S.PENDING  # the setting's default
    assert topics.submit_post(fan=fan, topic=topic, body="先发后审").status == S.APPROVED
    assert topics.submit_post(fan=fan, topic=premod_topic, body="先审后发").status == S.PENDING
    assert chat.post_message(fan=fan, room_id=open_room.pk, body="先发后审").status == S.APPROVED
    moderation.set_place_policy(actor=operator, place=open_room, premoderated=True)
    assert chat.post_message(fan=fan, room_id=open_room.pk, body="现在先审").status == S.PENDING
    moderation.set_comment_policy(actor=operator, premoderated=False)
    assert ModerationPolicy.objects.get().premoderated is False
    assert services.submit_comment(fan=fan, story_id=story.pk, body="现在先发").status == S.APPROVED
    assert AuditLog.objects.filter(action="community.policy").count() == 2


def test_a_fan_cannot_change_a_policy_nor_moderate(one_of_each, fan, reporter):
    for actor in (reporter, None):
        with pytest.raises(NotAllowed):
            moderation.set_comment_policy(actor=actor, premoderated=False)
        for item in one_of_each.values():
            with pytest.raises(NotAllowed):
                moderation.remove(actor=actor, item=item, reason="不行")


def test_word_hits_hold_even_in_a_post_moderated_place(topic, open_room, fan, words):
    post = topics.submit_post(fan=fan, topic=topic, body="顶级的牛肉")
    message = chat.post_message(fan=fan, room_id=open_room.pk, body="顶级的牛肉")
    assert post.status == message.status == S.PENDING and post.flagged and message.flagged


# --- the queue ------------------------------------------------------------------------------------


def test_the_queue_lists_every_kind_hidden_and_flagged_first(story, premod_topic, open_room, fan, other_fan, operator, words):
    moderation.set_place_policy(actor=operator, place=open_room, premoderated=True)
    start = timezone.now() - dt.timedelta(hours=3)
    with freeze_time(start):
        comment = services.submit_comment(fan=fan, story_id=story.pk, body="一条评论")
    with freeze_time(start + dt.timedelta(hours=1)):
        post = topics.submit_post(fan=fan, topic=premod_topic, body="顶级花菇")  # flagged
    with freeze_time(start + dt.timedelta(hours=2)):
        message = chat.post_message(fan=other_fan, room_id=open_room.pk, body="聊天消息")
    rows = list(selectors.review_queue())
    assert [(k, pk) for k, pk, *_ in rows] == [("post", post.pk), ("comment", comment.pk), ("message", message.pk)]
    assert [(k, pk) for k, pk, *_ in selectors.review_queue(kinds=("message",))] == [("message", message.pk)]
    assert [(k, pk) for k, pk, *_ in selectors.review_queue(kinds=("post",), place_id=premod_topic.pk)] == [("post", post.pk)]
    items = selectors.load(rows)
    assert [type(i) for i in items] == [TopicPost, Comment, ChatMessage]
    assert selectors.review_counts() == {"total": 3, "flagged": 1, "hidden": 0}


@pytest.mark.parametrize("kind", ["comment", "post", "message"])
def test_approve_reject_remove_each_kind_with_audit_and_notice(kind, story, premod_topic, open_room, fan, operator):
    moderation.set_place_policy(actor=operator, place=open_room, premoderated=True)

    def new():
        if kind == "comment":
            return services.submit_comment(fan=fan, story_id=story.pk, body="待审核的内容")
        if kind == "post":
            return topics.submit_post(fan=fan, topic=premod_topic, body="待审核的内容")
        return chat.post_message(fan=fan, room_id=open_room.pk, body="待审核的内容")

    prefix = moderation.SPECS[kind].audit
    first, second = new(), new()
    assert first.status == S.PENDING
    first = moderation.approve(actor=operator, item=first)
    assert first.status == S.APPROVED and first.moderated_by == operator
    assert AuditLog.objects.filter(action=f"{prefix}.approve", subject_id=str(first.pk)).exists()
    with pytest.raises(StateConflict):
        moderation.approve(actor=operator, item=first)
    with pytest.raises(DomainError) as exc:
        moderation.reject(actor=operator, item=second, reason="  ")
    assert exc.value.field == "reason"
    second = moderation.reject(actor=operator, item=second, reason="与主题无关")
    assert second.status == S.REJECTED and second.reason == "与主题无关"
    first = moderation.remove(actor=operator, item=first, reason="广告")
    assert first.status == S.REMOVED
    assert AuditLog.objects.filter(action=f"{prefix}.reject").count() == 1
    assert AuditLog.objects.filter(action=f"{prefix}.remove").count() == 1
    notes = FanNotification.objects.filter(fan=fan)
    assert notes.filter(kind=f"{kind}.rejected", text__contains="与主题无关").exists()
    assert notes.filter(kind=f"{kind}.removed", text__contains="广告").exists()


# --- reports and auto-hide ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["comment", "post", "message"])
def test_reports_hide_an_item_at_n_and_a_moderator_restores_it(kind, one_of_each, fans, operator, settings, other_fan):
    settings.RONGMEI = {**settings.RONGMEI, "COMMUNITY_AUTO_HIDE_REPORTS": 3}
    item = one_of_each[kind]
    moderation.report(fan=fans[0], kind=kind, item_id=item.pk, category="spam", note="卖东西")
    with pytest.raises(StateConflict) as exc:
        moderation.report(fan=fans[0], kind=kind, item_id=item.pk, category="abuse")
    assert exc.value.code == "already_reported"
    item = moderation.report(fan=fans[1], kind=kind, item_id=item.pk, category="abuse")
    assert not item.hidden and item.report_count == 2
    item = moderation.report(fan=fans[2], kind=kind, item_id=item.pk, category="rumor")
    assert item.hidden and item.report_count == 3
    assert AuditLog.objects.filter(action=f"{moderation.SPECS[kind].audit}.hide").exists()
    assert FanNotification.objects.filter(fan=item.fan, kind=f"{kind}.hidden").exists()
    # Hidden from everyone but its author; no more reports, likes on it.
    with pytest.raises(moderation.ItemNotFound):
        moderation.report(fan=fans[3], kind=kind, item_id=item.pk, category="spam")
    with pytest.raises(moderation.ItemNotFound):
        moderation.toggle_like(fan=other_fan, kind=kind, item_id=item.pk)
    # In the queue with its reports.
    (row,) = [r for r in selectors.review_queue() if r[0] == kind]
    (loaded,) = selectors.load([row])
    assert [r.category for r in loaded.open_reports] == ["spam", "abuse", "rumor"]
    item = moderation.restore(actor=operator, item=item)
    assert not item.hidden and item.report_count == 0 and item.status == S.APPROVED
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert AuditLog.objects.filter(action=f"{moderation.SPECS[kind].audit}.restore").exists()
    with pytest.raises(StateConflict):
        moderation.restore(actor=operator, item=item)


def test_a_hidden_item_can_be_removed_and_a_fan_cannot_report_their_own(one_of_each, fans, fan, operator, settings):
    settings.RONGMEI = {**settings.RONGMEI, "COMMUNITY_AUTO_HIDE_REPORTS": 1}
    with pytest.raises(DomainError) as exc:
        moderation.report(fan=fan, kind="post", item_id=one_of_each["post"].pk, category="spam")
    assert exc.value.code == "own_item"
    with pytest.raises(DomainError) as exc:
        moderation.report(fan=fans[0], kind="post", item_id=one_of_each["post"].pk, category="nonsense")
    assert exc.value.field == "category"
    post = moderation.report(fan=fans[0], kind="post", item_id=one_of_each["post"].pk, category="vulgar")
    assert post.hidden
    post = moderation.remove(actor=operator, item=post, reason="低俗")
    assert post.status == S.REMOVED and not post.hidden
    assert Report.objects.get().resolution == "removed"


def test_the_default_auto_hide_is_five_reports(one_of_each, fans):
    comment = one_of_each["comment"]
    for i in range(4):
        comment = moderation.report(fan=fans[i], kind="comment", item_id=comment.pk, category="spam")
    assert not comment.hidden
    assert moderation.report(fan=fans[4], kind="comment", item_id=comment.pk, category="spam").hidden


# --- likes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["comment", "post", "message"])
def test_a_like_toggles_once_per_fan(kind, one_of_each, other_fan, fans):
    item = one_of_each[kind]
    assert moderation.toggle_like(fan=other_fan, kind=kind, item_id=item.pk) == (True, 1)
    assert moderation.toggle_like(fan=fans[0], kind=kind, item_id=item.pk) == (True, 2)
    assert moderation.toggle_like(fan=other_fan, kind=kind, item_id=item.pk) == (False, 1)
    assert Like.objects.filter(kind=kind, item_id=item.pk).count() == 1


def test_nothing_unpublished_or_unknown_can_be_liked(story, fan, other_fan):
    pending = services.submit_comment(fan=fan, story_id=story.pk, body="还没审")
    for kind, pk in (("comment", pending.pk), ("comment", 999999), ("post", "abc"), ("message", -1)):
        with pytest.raises(moderation.ItemNotFound):
            moderation.toggle_like(fan=other_fan, kind=kind, item_id=pk)
    with pytest.raises(DomainError):
        moderation.toggle_like(fan=other_fan, kind="bogus", item_id=1)
    with pytest.raises(moderation.LoginRequired):
        moderation.toggle_like(fan=None, kind="comment", item_id=pending.pk)


# --- standing ---------------------------------------------------------------------------------------


def test_after_k_turned_down_items_everything_is_held_until_staff_lift_it(story, topic, open_room, fan, operator, premoderation_off):
    kinds = [
        services.submit_comment(fan=fan, story_id=story.pk, body="一"),
        topics.submit_post(fan=fan, topic=topic, body="二"),
        chat.post_message(fan=fan, room_id=open_room.pk, body="三"),
    ]
    moderation.remove(actor=operator, item=kinds[0], reason="无关")
    moderation.remove(actor=operator, item=kinds[1], reason="无关")
    assert not moderation.held_for_review(fan)
    moderation.remove(actor=operator, item=kinds[2], reason="无关")
    assert moderation.held_for_review(fan)
    standing = FanStanding.objects.get(fan=fan)
    assert standing.automatic and "3" in standing.note
    assert AuditLog.objects.filter(action="fan.premoderate", actor__isnull=True).exists()
    moderation.clear_rates(fan)
    # Held everywhere, whatever the place's policy.
    assert services.submit_comment(fan=fan, story_id=story.pk, body="四").status == S.PENDING
    assert topics.submit_post(fan=fan, topic=topic, body="五").status == S.PENDING
    assert chat.post_message(fan=fan, room_id=open_room.pk, body="六").status == S.PENDING
    moderation.set_standing(actor=operator, fan=fan, premoderated=False, note="已沟通")
    assert not moderation.held_for_review(fan)
    assert AuditLog.objects.filter(action="fan.lift_premoderation").exists()
    assert topics.submit_post(fan=fan, topic=topic, body="七").status == S.APPROVED
    # The old rejections no longer count: one more does not hold them again.
    moderation.remove(actor=operator, item=TopicPost.objects.get(body="七"), reason="无关")
    assert not moderation.held_for_review(fan)


def test_rejections_older_than_30_days_do_not_count(story, fan, operator):
    with freeze_time(timezone.now() - dt.timedelta(days=40)):
        for body in ("一", "二"):
            moderation.reject(actor=operator, item=services.submit_comment(fan=fan, story_id=story.pk, body=body), reason="无关")
        moderation.clear_rates(fan)
    moderation.reject(actor=operator, item=services.submit_comment(fan=fan, story_id=story.pk, body="三"), reason="无关")
    assert not moderation.held_for_review(fan)


def test_a_ban_rejects_pending_items_of_every_kind(story, premod_topic, fan, operator):
    comment = services.submit_comment(fan=fan, story_id=story.pk, body="一")
    post = topics.submit_post(fan=fan, topic=premod_topic, body="二")
    done = moderation.ban_fan(actor=operator, fan=fan, reason="广告")
    assert {(i.KIND, i.pk) for i in done} == {("comment", comment.pk), ("post", post.pk)}
    assert AuditLog.objects.get(action="fan.ban").data["rejected_posts"] == [post.pk]
    fan.refresh_from_db()
    with pytest.raises(NotAllowed):
        topics.submit_post(fan=fan, topic=premod_topic, body="三")


# --- rate limits ------------------------------------------------------------------------------------


def test_likes_and_reports_are_rate_limited(one_of_each, other_fan, fans):
    item = one_of_each["post"]
    for _i in range(30):
        moderation.toggle_like(fan=other_fan, kind="post", item_id=item.pk)
    with pytest.raises(Throttled) as exc:
        moderation.toggle_like(fan=other_fan, kind="post", item_id=item.pk)
    assert exc.value.status == 429 and exc.value.retry_after > 0
    posts = [topics.submit_post(fan=fans[0], topic=item.topic, body=f"帖子{i}") for i in range(5)]
    with pytest.raises(Throttled):
        topics.submit_post(fan=fans[0], topic=item.topic, body="第六条")
    for p in posts:
        moderation.report(fan=other_fan, kind="post", item_id=p.pk, category="spam")
    with pytest.raises(Throttled):
        moderation.report(fan=other_fan, kind="comment", item_id=one_of_each["comment"].pk, category="spam")
