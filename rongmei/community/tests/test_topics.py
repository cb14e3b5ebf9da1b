"""Topics (话题): creation, posts with pictures, replies, the public pages and the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rongmei.community import moderation, topics
from rongmei.community.models import Topic, TopicPicture, TopicPost
from rongmei.community.tests.conftest import log_in_fan, png
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.models import AuditLog

S = TopicPost.Status


def test_staff_start_topics_and_fans_only_when_the_setting_allows(operator, fan, settings):
    topic = topics.create_topic(actor=operator, slug="tongshan-lake", name="#铜山湖#", description="湖边风景", cover=png(name="c.png"))
    assert topic.name == "铜山湖" and topic.hashtag == "#铜山湖#" and topic.cover.name.endswith(".png")
    assert AuditLog.objects.filter(action="topic.create").exists()
    with pytest.raises(NotAllowed):
        topics.create_topic(fan=fan, slug="mine", name="我的话题")
    settings.RONGMEI = {**settings.RONGMEI, "COMMUNITY_FANS_CREATE_TOPICS": True}
    mine = topics.create_topic(fan=fan, slug="mine", name="我的话题", premoderated=False)
    assert mine.premoderated and mine.created_by_fan == fan
    for slug, field in (("chat", "slug"), ("Bad Slug", "slug"), ("tongshan-lake", "slug")):
        with pytest.raises(DomainError) as exc:
            topics.create_topic(actor=operator, slug=slug, name="别的")
        assert exc.value.field == field
    with pytest.raises(DomainError) as exc:
        topics.create_topic(actor=operator, slug="other", name="铜山湖")
    assert exc.value.field == "name"


def test_a_post_with_pictures_and_a_reply(topic, fan, other_fan):
    post = topics.submit_post(fan=fan, topic=topic, body="牛犊满月", pictures=[png(), png(size=(20, 10), fmt="JPEG", name="b.jpg")])
    assert post.status == S.APPROVED
    assert [(p.width, p.height) for p in post.pictures.all()] == [(8, 8), (20, 10)]
    assert post.pictures.all()[1].image.name.endswith(".jpg")
    photo_only = topics.submit_post(fan=fan, topic=topic, pictures=[png()])
    assert photo_only.body == "" and photo_only.pictures.count() == 1
    reply = topics.submit_post(fan=other_fan, topic=topic, body="真壮实", reply_to_id=post.pk)
    deeper = topics.submit_post(fan=fan, topic=topic, body="谢谢", reply_to_id=reply.pk)
    assert reply.reply_to == post and deeper.reply_to == post  # one level
    with pytest.raises(DomainError) as exc:
        topics.submit_post(fan=fan, topic=topic, body="带图回复", reply_to_id=post.pk, pictures=[png()])
    assert exc.value.field == "pictures"


@pytest.mark.parametrize(
    ("pictures", "code"),
    [
        ([SimpleUploadedFile("a.jpg", b"not a picture")], "not_an_image"),
        ([SimpleUploadedFile("a.jpg", b"")], "not_an_image"),
        ([SimpleUploadedFile("a.png", png().read()[:40])], "not_an_image"),
        ([png() for _i in range(10)], "too_many"),
    ],
)
def test_bad_pictures_are_refused_with_a_code_on_the_pictures_field(topic, fan, pictures, code):
    with pytest.raises(DomainError) as exc:
        topics.submit_post(fan=fan, topic=topic, body="看图", pictures=pictures)
    assert exc.value.field == "pictures" and exc.value.code == code
    assert not TopicPost.objects.exists() and not TopicPicture.objects.exists()


def test_too_large_pictures_and_other_formats_are_refused(topic, fan, settings):
    settings.RONGMEI = {**settings.RONGMEI, "COMMUNITY_MAX_PICTURE_BYTES": 100}
    with pytest.raises(DomainError) as exc:
        topics.submit_post(fan=fan, topic=topic, body="大图", pictures=[png(size=(300, 300))])
    assert exc.value.code == "too_large" and "Picture 1" in exc.value.message
    settings.RONGMEI = {**settings.RONGMEI, "COMMUNITY_MAX_PICTURE_BYTES": 10 * 2**20}
    with pytest.raises(DomainError) as exc:
        topics.submit_post(fan=fan, topic=topic, body="BMP", pictures=[png(fmt="BMP", name="a.bmp")])
    assert exc.value.code == "not_an_image"


def test_the_text_is_checked(topic, fan):
    with pytest.raises(DomainError) as exc:
        topics.submit_post(fan=fan, topic=topic, body="  \x00 ")
    assert exc.value.field == "text" and exc.value.code == "required"
    with pytest.raises(DomainError) as exc:
        topics.submit_post(fan=fan, topic=topic, body="牛" * 1001)
    assert exc.value.code == "too_long"
    with pytest.raises(topics.TopicNotFound):
        topics.submit_post(fan=fan, topic="no-such", body="你好")


# --- pages ----------------------------------------------------------------------------------------


def test_the_topic_pages(client, topic, premod_topic, fan, other_fan):
    topics.submit_post(fan=fan, topic=topic, body="公开的帖子", pictures=[png()])
    hidden = topics.submit_post(fan=fan, topic=premod_topic, body="审核中的帖子")
    listing = client.get("/huati/")
    assert listing.status_code == 200 and "#泌阳夏南牛#" in listing.content.decode()
    page = client.get("/huati/xianan-cattle/").content.decode()
    assert "公开的帖子" in page and "/huati/p/" in page and "Log in to post" in page
    picture = TopicPicture.objects.get()
    response = client.get(f"/huati/p/{picture.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "审核中的帖子" not in client.get("/huati/flowers/").content.decode()
    log_in_fan(client, fan)
    assert "审核中的帖子" in client.get("/huati/flowers/").content.decode()  # the author sees it
    assert client.get("/huati/no-such-topic/").status_code == 404
    assert client.get("/huati/xianan-cattle/", {"cursor": "%%%"}).status_code == 400
    assert hidden.status == S.PENDING


def test_posting_liking_reporting_through_the_page(client, topic, fan, other_fan):
    assert client.post("/huati/xianan-cattle/", {"action": "post", "text": "你好"}).status_code == 302  # to the login page
    log_in_fan(client, fan)
    response = client.post("/huati/xianan-cattle/", {"action": "post", "text": "今天的牛", "pictures": [png()]})
    assert response.status_code == 302
    post = TopicPost.objects.get()
    assert post.pictures.count() == 1
    bad = client.post("/huati/xianan-cattle/", {"action": "post", "text": "坏图", "pictures": [SimpleUploadedFile("x.png", b"xx")]})
    html = bad.content.decode()
    assert bad.status_code == 400 and 'data-field="pictures"' in html and 'data-code="not_an_image"' in html and "坏图" in html
    client2 = log_in_fan(type(client)(), other_fan)
    assert client2.post("/huati/xianan-cattle/", {"action": "like", "id": post.pk}).status_code == 302
    post.refresh_from_db()
    assert post.like_count == 1
    assert client2.post("/huati/xianan-cattle/", {"action": "reply", "reply_to": post.pk, "text": "真好"}).status_code == 302
    assert client2.post("/huati/xianan-cattle/", {"action": "report", "id": post.pk, "category": "spam"}).status_code == 302
    again = client2.post("/huati/xianan-cattle/", {"action": "report", "id": post.pk, "category": "spam"})
    assert again.status_code == 409
    for junk in (
        {"action": "explode"},
        {"action": "like", "id": "abc"},
        {"action": "reply", "reply_to": "x", "text": "a"},
        {"action": "report", "id": post.pk},
    ):
        assert client2.post("/huati/xianan-cattle/", junk).status_code in (400, 404, 409)


# --- API ------------------------------------------------------------------------------------------


def test_the_topics_api(client, topic, fan, other_fan):
    topics.submit_post(fan=fan, topic=topic, body="公开的帖子", pictures=[png()])
    (listed,) = client.get("/api/v1/public/huati").json()
    assert listed["hashtag"] == "#泌阳夏南牛#" and listed["posts"] == 1
    assert client.get("/api/v1/public/huati/xianan-cattle").json()["premoderated"] is False
    assert client.get("/api/v1/public/huati/nope").status_code == 404
    data = client.get("/api/v1/public/huati/xianan-cattle/posts").json()
    assert data["count"] == 1 and data["items"][0]["pictures"][0]["url"].startswith("/huati/p/")
    assert client.post("/api/v1/public/huati/xianan-cattle/posts", {"text": "hi"}).status_code == 401
    log_in_fan(client, other_fan)
    created = client.post("/api/v1/public/huati/xianan-cattle/posts", {"text": "我也来", "pictures": [png()]})
    assert created.status_code == 201 and created.json()["status"] == "approved" and len(created.json()["pictures"]) == 1
    bad = client.post("/api/v1/public/huati/xianan-cattle/posts", {"text": "", "pictures": [SimpleUploadedFile("x.gif", b"GIF89a")]})
    assert bad.status_code == 400 and bad.json()["field"] == "pictures"
    post_id = data["items"][0]["id"]
    like = client.post("/api/v1/public/likes", {"kind": "post", "id": post_id}, content_type="application/json")
    assert like.status_code == 200 and like.json() == {"liked": True, "likes": 1}
    assert client.get("/api/v1/public/huati/xianan-cattle/posts").json()["items"][1]["liked"] is True
    report = client.post("/api/v1/public/reports", {"kind": "post", "id": post_id, "category": "rumor"}, content_type="application/json")
    assert report.status_code == 201 and report.json() == {"reported": True, "hidden": False}
    again = client.post("/api/v1/public/reports", {"kind": "post", "id": post_id, "category": "rumor"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_reported"


def test_moderation_rules_hold_topic_posts_of_held_fans(topic, fan, operator):
    moderation.set_standing(actor=operator, fan=fan, premoderated=True, note="观察")
    assert topics.submit_post(fan=fan, topic=topic, body="一").status == S.PENDING
    assert Topic.objects.get().premoderated is False
