"""Special topics (专题): model and services, the topic page, share card and poster, topic columns,
and the public API."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image

from rongmei.core.audit import history
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.distribution.selectors import live_content, published_stories
from rongmei.portal import selectors, services
from rongmei.portal.media import public_media_url
from rongmei.portal.models import Column, Topic, TopicStory
from rongmei.portal.tests.conftest import add_photo, jpeg_bytes, live_story, publish, signed_off

TITLE = "第十五届中国牛业发展大会"


@pytest.fixture
def stories(reporter, team, reviewers):
    return [
        live_story(reporter, team, reviewers, headline="第十五届中国牛业发展大会在泌阳开幕"),
        live_story(reporter, team, reviewers, headline="夏南牛带富一方：羊册镇养殖户算起增收账", photo=True),
        live_story(reporter, team, reviewers, headline="评论｜让“牛产业”跑出乡村振兴加速度"),
    ]


@pytest.fixture
def topic(operator, stories):
    topic = services.create_topic(actor=operator, title=TITLE, summary="千余名嘉宾共话肉牛产业高质量发展。")
    # the operators' order, not the publishing order
    services.set_topic_stories(actor=operator, topic=topic, stories=[stories[2], stories[0], stories[1]])
    return topic


def test_a_topic_gets_a_pinyin_short_name_and_its_changes_are_audited(operator, topic):
    assert topic.slug == "di-shi-wu-jie-zhong-guo-niu-ye-fa-zhan-da-hui"[:40].strip("-")
    other = services.create_topic(actor=operator, title="中国牛业发展大会", slug="")
    assert other.slug != topic.slug
    assert [e.action for e in history(topic)] == ["portal.topic_saved", "portal.topic_stories"]


def test_topic_rules_are_clear(operator, reporter, topic, stories, english):
    with pytest.raises(NotAllowed):
        services.create_topic(actor=reporter, title="记者不能建专题")
    with pytest.raises(DomainError) as e:
        services.create_topic(actor=operator, title=TITLE)
    assert e.value.field == "title" and "already" in e.value.message
    with pytest.raises(DomainError) as e:
        services.create_topic(actor=operator, title="另一个专题", slug=topic.slug)
    assert e.value.field == "slug"
    with pytest.raises(DomainError) as e:
        services.set_topic_stories(actor=operator, topic=topic, stories=[stories[0], stories[0]])
    assert e.value.field == "stories"
    with pytest.raises(DomainError) as e:
        services.set_topic_stories(actor=operator, topic=topic, stories=[stories[0]], cover_story=stories[1])
    assert e.value.field == "cover_story"
    assert TopicStory.objects.filter(topic=topic).count() == 3  # nothing changed


def test_the_topic_page_shows_its_live_stories_in_order_with_a_share_card(client, operator, reporter, team, reviewers, topic, stories):
    pending = signed_off(reporter, team, reviewers, headline="签发未发布的专题稿件")
    services.set_topic_stories(actor=operator, topic=topic, stories=[stories[2], pending, stories[0], stories[1]])
    response = client.get(f"/topic/{topic.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f'href="/news/{s.pk}/"') for s in (stories[2], stories[0], stories[1])]
    assert positions == sorted(positions)
    assert "签发未发布的专题稿件" not in html
    assert f'<meta property="og:title" content="{TITLE}">' in html
    assert 'property="og:image" content="http://testserver/news/media/' in html  # the cover from its story with a photo
    assert f"/topic/{topic.slug}/poster.png" in html
    topic.active = False
    services.save_topic(actor=operator, topic=topic)
    assert client.get(f"/topic/{topic.slug}/").status_code == 404
    assert client.get("/topic/no-such-topic/").status_code == 404


def test_the_cover_is_the_upload_else_the_marked_story_else_the_first_with_a_photo(operator, reporter, team, reviewers, topic, stories):
    def photo_of(story):
        live = published_stories().get(pk=story.pk)
        return public_media_url(selectors.first_picture(live_content(live)))

    # nothing marked: the first story in the topic's order that has a photo
    assert selectors.topic_cover(topic) == photo_of(stories[1])
    # a story marked as the cover wins over the order
    pictured = live_story(reporter, team, reviewers, headline="牛业大会图片新闻", photo=True)
    services.set_topic_stories(actor=operator, topic=topic, stories=[stories[1], pictured], cover_story=pictured)
    assert selectors.topic_cover(topic) == photo_of(pictured) != photo_of(stories[1])
    # an uploaded cover wins over both
    services.save_topic(actor=operator, topic=topic, cover=ContentFile(jpeg_bytes(), name="cover.jpg"))
    assert selectors.topic_cover(topic).startswith("/news/pictures/portal/topics/")


def test_the_topic_poster_is_a_png_with_an_etag(client, topic):
    response = client.get(f"/topic/{topic.slug}/poster.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (750, 1334)
    again = client.get(f"/topic/{topic.slug}/poster.png", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_topic_column_lists_the_topics_or_shows_its_own(client, operator, topic, stories):
    services.create_topic(actor=operator, title="泌阳花菇产业专题", summary="小花菇撑起富民大产业。")
    hidden = services.create_topic(actor=operator, title="停用的专题", active=False)
    Column.objects.create(name="专题", slug="zhuanti", kind=Column.Kind.TOPIC)
    html = client.get("/column/zhuanti/").content.decode()
    assert TITLE in html and "泌阳花菇产业专题" in html and hidden.title not in html
    assert f'href="/topic/{topic.slug}/"' in html
    assert client.get("/topic/").content.decode().count('class="topic-card"') == 2
    Column.objects.create(name="牛业大会", slug="niuye", kind=Column.Kind.TOPIC, topic=topic)
    html = client.get("/column/niuye/").content.decode()
    assert "泌阳花菇产业专题" not in html and f'href="/news/{stories[1].pk}/"' in html


def test_only_a_topic_column_may_show_a_topic(topic):
    column = Column(name="头条", slug="toutiao", kind=Column.Kind.ARTICLES, topic=topic)
    with pytest.raises(ValidationError) as e:
        column.full_clean()
    assert "topic" in e.value.message_dict


def test_the_topics_api(client, operator, topic, stories):
    body = client.get("/api/v1/public/topics").json()
    (card,) = body
    assert card["slug"] == topic.slug and card["count"] == 3 and card["poster"] == f"/topic/{topic.slug}/poster.png"
    detail = client.get(f"/api/v1/public/topics/{topic.slug}").json()
    assert [i["id"] for i in detail["items"]] == [stories[2].pk, stories[0].pk, stories[1].pk]
    assert detail["items"][2]["picture"]["src"].startswith("/news/media/")
    assert client.get("/api/v1/public/topics/nope").status_code == 404
    assert client.get("/api/v1/public/topics/%E4%B8%93%E9%A2%98").status_code == 422  # not a short name


def test_the_topic_page_and_list_query_counts_are_fixed(client, operator, reporter, team, reviewers, topic, django_assert_num_queries):
    more = [live_story(reporter, team, reviewers, headline=f"牛业大会系列报道第{n}篇", photo=True) for n in range(3)]
    services.set_topic_stories(actor=operator, topic=topic, stories=list(topic.stories.all()) + more)
    # topic, its entries, the stories, their publications, thumbnails, cover-story marks, columns
    with django_assert_num_queries(7):
        client.get(f"/topic/{topic.slug}/")
    for n in range(3):
        other = services.create_topic(actor=operator, title=f"专题第{n}个")
        services.set_topic_stories(actor=operator, topic=other, stories=more)
    # topics, their entries, the stories, their publications, columns
    with django_assert_num_queries(5):
        client.get("/topic/")


def test_the_admin_saves_a_topic_with_its_stories_and_one_cover(admin_client, stories, english):
    data = {
        "title": TITLE,
        "slug": "",
        "summary": "大会专题",
        "active": "on",
        "sort_order": 0,
        "entries-TOTAL_FORMS": 2,
        "entries-INITIAL_FORMS": 0,
        "entries-0-story": stories[0].pk,
        "entries-0-sort_order": 10,
        "entries-0-is_cover": "on",
        "entries-1-story": stories[1].pk,
        "entries-1-sort_order": 20,
        "entries-1-is_cover": "on",
    }
    response = admin_client.post("/admin/portal/topic/add/", data)
    assert response.status_code == 200 and "Mark at most one story as the cover." in response.content.decode()
    del data["entries-1-is_cover"]
    response = admin_client.post("/admin/portal/topic/add/", data)
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert topic.slug and [s.pk for s in selectors.topic_stories(topic)] == [stories[0].pk, stories[1].pk]
    assert [e.action for e in history(topic)] == ["portal.topic_saved", "portal.topic_stories"]


def test_a_story_that_gets_a_photo_in_a_correction_gives_the_topic_its_cover(operator, reporter, reviewers, topic, stories):
    from rongmei.newsroom import services as newsroom

    first = stories[0]
    services.set_topic_stories(actor=operator, topic=topic, stories=[first], cover_story=first)
    assert selectors.topic_cover(topic) == ""
    add_photo(first, reporter, title="开幕式")
    newsroom.save_version(actor=reporter, story=first, body="<p>补充开幕式图片。</p>", note="补充图片")
    newsroom.release_lock(actor=reporter, story=first)
    for reviewer in reviewers:
        newsroom.approve(actor=reviewer, story=first)
    first.refresh_from_db()
    publish(first, reviewers)
    assert selectors.topic_cover(topic).startswith("/news/media/")
