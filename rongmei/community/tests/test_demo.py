from rongmei.community.demo import seed_demo
from rongmei.community.models import Comment
from rongmei.core import safety
from rongmei.core.models import SensitiveWord, WordCategory
from rongmei.testing import factories


def test_seed_demo_writes_published_and_waiting_comments_once(operator, reporter, team, reviewers):
    ads = WordCategory.objects.create(name="广告违禁词", severity="flag")
    SensitiveWord.objects.create(category=ads, word="顶级")
    safety.lists_changed()
    assert seed_demo() == 0  # nothing live to comment on yet
    factories.published_story(reporter, team, reviewers, headline="铜山湖景区迎来客流高峰")
    factories.published_story(reporter, team, reviewers, headline="泌阳花菇喜获丰收")
    assert seed_demo() == 6
    S = Comment.Status
    assert Comment.objects.filter(status=S.APPROVED).count() == 4
    assert Comment.objects.filter(status=S.APPROVED, reply_to__isnull=False).count() == 1
    waiting = Comment.objects.filter(status=S.PENDING)
    assert waiting.count() == 2 and waiting.filter(flagged=True).count() == 1
    assert seed_demo() == 0 and Comment.objects.count() == 6


def test_seed_demo_writes_topics_a_volunteer_room_and_a_reported_post_once(operator):
    from rongmei.community import selectors
    from rongmei.community.demo import seed_conversation
    from rongmei.community.models import ChatMessage, ChatRoom, Topic, TopicPost

    assert seed_demo() == 0  # no live story: no comments, but the rest is there
    assert Topic.objects.count() == 2 and TopicPost.objects.filter(status="approved", hidden=False).count() == 5
    room = ChatRoom.objects.get()
    assert room.members_only and room.members.count() == 3 and ChatMessage.objects.filter(room=room).count() == 3
    hidden = TopicPost.objects.get(hidden=True)
    assert hidden.report_count == 5
    assert ("post", hidden.pk) in [(k, pk) for k, pk, *_ in selectors.review_queue()]
    assert TopicPost.objects.filter(pictures__isnull=False).distinct().count() == 2
    assert seed_conversation() == 0 and Topic.objects.count() == 2
