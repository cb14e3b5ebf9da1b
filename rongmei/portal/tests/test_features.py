"""The home page: carousel (轮播) and pinned headlines (头条) that operators arrange."""

import datetime as dt
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from rongmei.core.audit import history
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.portal import selectors, services
from rongmei.portal.models import Feature
from rongmei.portal.tests.conftest import jpeg_bytes, live_story, signed_off

NOW = timezone.now()


def upload(data: bytes, name: str = "banner.jpg") -> ContentFile:
    return ContentFile(data, name=name)


@pytest.fixture
def story(reporter, team, reviewers):
    return live_story(reporter, team, reviewers, headline="第十五届中国牛业发展大会在泌阳开幕", photo=True)


def test_an_operator_features_a_story_and_the_change_is_audited(operator, story):
    feature = services.add_feature(actor=operator, story=story, slot=Feature.Slot.HEADLINE, title="牛业盛会开幕")
    (entry,) = history(feature)
    assert entry.action == "portal.feature_saved" and entry.actor == operator and entry.data["slot"] == "headline"
    services.remove_feature(actor=operator, feature=feature)
    assert not Feature.objects.exists()


def test_a_reporter_may_not_arrange_the_home_page(reporter, story, english):
    with pytest.raises(NotAllowed) as e:
        services.add_feature(actor=reporter, story=story)
    assert "Only operators" in e.value.message
    assert not Feature.objects.exists()


def test_a_draft_cannot_be_featured_and_a_window_must_end_after_it_starts(operator, reporter, team, story, english):
    from rongmei.testing import factories

    draft = factories.draft_story(reporter, team)
    with pytest.raises(DomainError) as e:
        services.add_feature(actor=operator, story=draft)
    assert e.value.field == "story" and "signed-off or published" in e.value.message
    with pytest.raises(DomainError) as e:
        services.add_feature(actor=operator, story=story, starts_at=NOW, ends_at=NOW - dt.timedelta(hours=1))
    assert e.value.field == "ends_at"
    services.add_feature(actor=operator, story=story)
    with pytest.raises(DomainError) as e:
        services.add_feature(actor=operator, story=story)
    assert "already featured" in e.value.message


def test_the_database_refuses_a_window_that_ends_before_it_starts(story):
    with pytest.raises(IntegrityError), transaction.atomic():
        Feature.objects.create(story=story, starts_at=NOW, ends_at=NOW - dt.timedelta(minutes=1))


def test_the_home_page_shows_carousel_and_headlines_in_the_operators_order(client, operator, reporter, team, reviewers, story, monkeypatch):
    from rongmei.portal import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 1)
    other = live_story(reporter, team, reviewers, headline="夏南牛带富一方：羊册镇养殖户算起增收账", photo=True)
    services.add_feature(actor=operator, story=story, sort_order=20)
    services.add_feature(actor=operator, story=other, sort_order=10, title="羊册镇养殖户的增收账")
    services.add_feature(actor=operator, story=story, slot=Feature.Slot.HEADLINE)
    home = selectors.home()
    assert [i["id"] for i in home["carousel"]] == [other.pk, story.pk]
    assert home["carousel"][0]["title"] == "羊册镇养殖户的增收账" and home["carousel"][1]["title"] == story.headline
    assert [i["id"] for i in home["headlines"]] == [story.pk]
    html = client.get("/").content.decode()
    assert html.index('class="carousel"') < html.index('class="headlines"') < html.index('class="story-list"')
    assert "羊册镇养殖户的增收账" in html and 'aria-roledescription="carousel"' in html
    # the carousel is on the first page only
    assert 'class="carousel"' not in client.get("/?page=2").content.decode()


def test_only_live_stories_in_their_window_show(operator, reporter, team, reviewers, story):
    from rongmei.distribution import services as distribution

    unpublished = signed_off(reporter, team, reviewers, headline="签发未发布的稿件")
    later = live_story(reporter, team, reviewers, headline="明天才上首页的稿件", photo=True)
    ended = live_story(reporter, team, reviewers, headline="昨天下首页的稿件", photo=True)
    hidden = live_story(reporter, team, reviewers, headline="运营关掉的稿件", photo=True)
    services.add_feature(actor=operator, story=story, slot=Feature.Slot.HEADLINE)
    services.add_feature(actor=operator, story=unpublished, slot=Feature.Slot.HEADLINE)
    services.add_feature(actor=operator, story=later, slot=Feature.Slot.HEADLINE, starts_at=NOW + dt.timedelta(days=1))
    services.add_feature(actor=operator, story=ended, slot=Feature.Slot.HEADLINE, ends_at=NOW - dt.timedelta(hours=1))
    services.add_feature(actor=operator, story=hidden, slot=Feature.Slot.HEADLINE, active=False)
    assert [i["id"] for i in selectors.home()["headlines"]] == [story.pk]
    # when the window opens
    tomorrow = selectors.home(NOW + dt.timedelta(days=1, minutes=1))
    assert {i["id"] for i in tomorrow["headlines"]} == {story.pk, later.pk}
    assert selectors.next_home_change(NOW) == later.portal_features.get().starts_at
    # a retraction takes the story off the home page
    distribution.retract(actor=reviewers[-1], story=story, reason="数据有误")
    assert selectors.home()["headlines"] == []


def test_a_carousel_entry_needs_a_picture_and_shows_at_most_five(operator, reporter, team, reviewers):
    bare = live_story(reporter, team, reviewers, headline="没有图片的稿件")
    services.add_feature(actor=operator, story=bare)
    assert selectors.home()["carousel"] == []
    services.remove_feature(actor=operator, feature=Feature.objects.get())
    services.add_feature(actor=operator, story=bare, image=upload(jpeg_bytes()))
    (item,) = selectors.home()["carousel"]
    assert item["image"].startswith("/news/pictures/portal/features/")
    for n in range(5):
        services.add_feature(actor=operator, story=live_story(reporter, team, reviewers, headline=f"轮播稿件第{n}篇", photo=True))
    assert len(selectors.home()["carousel"]) == selectors.CAROUSEL_MAX


def test_an_uploaded_picture_is_made_fit_for_phones_and_served_while_shown(client, operator, story, english):
    big = io.BytesIO()
    Image.new("RGBA", (3200, 1800), (10, 20, 30, 128)).save(big, "PNG")
    feature = services.add_feature(actor=operator, story=story, image=upload(big.getvalue(), "大会 banner.png"))
    assert feature.image.name.endswith(".jpg")
    with Image.open(feature.image.path) as im:
        assert im.format == "JPEG" and im.size == (services.PICTURE_MAX_SIDE, 900)
    # a phone photo's EXIF (camera, GPS position) does not reach the public
    tagged = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    Image.new("RGB", (400, 300)).save(tagged, "JPEG", exif=exif.tobytes())
    with Image.open(services.prepare_picture(upload(tagged.getvalue()))) as im:
        assert im.format == "JPEG" and not im.getexif()
    url = selectors.picture_url(feature.image)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    feature.active = False
    services.save_feature(actor=operator, feature=feature)
    assert client.get(url).status_code == 404
    assert client.get("/news/pictures/portal/../../secret.txt").status_code == 404
    with pytest.raises(DomainError) as e:
        services.prepare_picture(upload(b"not a picture at all", "x.jpg"))
    assert e.value.field == "image" and "not a picture" in e.value.message


def test_the_home_api_gives_carousel_and_headlines(client, operator, story):
    services.add_feature(actor=operator, story=story, title="牛业盛会开幕")
    services.add_feature(actor=operator, story=story, slot=Feature.Slot.HEADLINE)
    body = client.get("/api/v1/public/home").json()
    (slide,) = body["carousel"]
    assert slide["id"] == story.pk and slide["title"] == "牛业盛会开幕" and slide["image"].startswith("/news/media/")
    assert slide["url"] == f"/news/{story.pk}/" and slide["picture"]["caption"] == "盘古山红叶"
    assert [h["id"] for h in body["headlines"]] == [story.pk]


def test_the_home_page_query_count_is_fixed_with_features(client, operator, reporter, team, reviewers, django_assert_num_queries):
    for n in range(4):
        story = live_story(reporter, team, reviewers, headline=f"首页稿件第{n}篇", photo=True)
        services.add_feature(actor=operator, story=story)
        services.add_feature(actor=operator, story=story, slot=Feature.Slot.HEADLINE)
    # Paginator COUNT, stories, their publications, thumbnails, columns; the features, their
    # stories, those stories' publications, their thumbnails.
    with django_assert_num_queries(9):
        html = client.get("/").content.decode()
    assert html.count('class="carousel-slide"') == 4 and html.count('class="headline-item') == 4
    assert html.count('class="story-thumb"') == 8  # 4 in the list, 4 headlines


def test_the_admin_features_through_the_service_and_refuses_bad_input_clearly(admin_client, story, english):
    data = {"story": story.pk, "slot": "headline", "title": "", "sort_order": 0, "active": "on"}
    response = admin_client.post("/admin/portal/feature/add/", data)
    assert response.status_code == 302
    feature = Feature.objects.get()
    assert [e.action for e in history(feature)] == ["portal.feature_saved"]
    bad = {**data, "slot": "carousel", "starts_at_0": "2026-11-27", "starts_at_1": "10:00", "ends_at_0": "2026-11-26", "ends_at_1": "10:00"}
    response = admin_client.post("/admin/portal/feature/add/", bad)
    assert response.status_code == 200 and "The end must come after the start." in response.content.decode()
    response = admin_client.post("/admin/portal/feature/add/", {**data, "slot": "carousel", "image": upload(b"junk", "x.jpg")})
    assert response.status_code == 200 and Feature.objects.count() == 1


def test_story_lists_show_the_small_thumbnail_when_made_else_the_web_picture(client, reporter, team, reviewers):
    from rongmei.portal.tests.conftest import add_photo, publish

    small = signed_off(reporter, team, reviewers, headline="有缩略图的稿件")
    add_photo(small, reporter, thumb=True)
    publish(small, reviewers)
    large = live_story(reporter, team, reviewers, headline="只有网页大图的稿件", photo=True)
    live_story(reporter, team, reviewers, headline="没有图片的稿件")
    html = client.get("/").content.decode()
    thumbs = re.findall(r'<img class="story-thumb" src="([^"]+)"', html)
    assert len(thumbs) == 2
    assert thumbs[0].endswith("/web_1280_jpg/web_1280_jpg.jpg") and f"/{large.story_assets.get().asset_id}/" in thumbs[0]
    assert thumbs[1].endswith("/thumb_320/thumb_320.jpg")
    assert client.get(thumbs[1]).status_code == 200
