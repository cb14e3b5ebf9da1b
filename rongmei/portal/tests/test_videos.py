"""Short video (短视频): the vertical feed page and API; the article's HLS video, audio and
gallery; public media served with the types and byte ranges players need."""

import re

import pytest

from rongmei.accounts.models import Team
from rongmei.portal import selectors
from rongmei.portal.models import Column
from rongmei.portal.tests.conftest import add_photo, live_story, signed_off

ALL = ("mp4", "poster", "hls_720", "vertical_916")


@pytest.fixture
def videos(reporter, team, reviewers):
    """Newest first: a vertical cut, an MP4 only, and a story without video in between."""
    first = live_story(reporter, team, reviewers, headline="跟着镜头游铜山湖", video=("mp4", "poster"))
    live_story(reporter, team, reviewers, headline="没有视频的稿件")
    second = live_story(reporter, team, reviewers, headline="盘古山红叶竖屏短视频", video=ALL)
    return [second, first]


def test_the_feed_has_the_live_stories_with_a_video_and_prefers_the_vertical_cut(client, reporter, team, reviewers, videos):
    signed_off(reporter, team, reviewers, headline="签发未发布的视频稿件")
    body = client.get("/api/v1/public/videos").json()
    assert [i["id"] for i in body["items"]] == [v.pk for v in videos] and body["next_cursor"] is None
    vertical, plain = body["items"]
    assert vertical["vertical"] is True and vertical["src"].endswith("/vertical_916/vertical.mp4")
    assert vertical["hls"] == f"/news/media/{vertical['src'].split('/')[3]}/hls/master.m3u8"
    assert plain["vertical"] is False and plain["src"].endswith("/mp4/video.mp4") and plain["hls"] == ""
    assert plain["poster"].endswith("/poster/poster.jpg") and plain["url"] == f"/news/{videos[1].pk}/"


def test_the_feed_pages_through_every_video_once(client, reporter, team, reviewers):
    made = [live_story(reporter, team, reviewers, headline=f"泌阳短视频第{n}条", video=("mp4",)).pk for n in range(5)]
    seen, cursor = [], None
    for _page in range(5):
        body = client.get("/api/v1/public/videos?limit=2" + (f"&cursor={cursor}" if cursor else "")).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))


def test_a_video_column_shows_its_teams_videos_as_a_vertical_feed(client, reporter, team, reviewers, videos):
    other = Team.objects.create(name="电视新闻", slug="tv-test")
    column = Column.objects.create(name="短视频", slug="video", kind=Column.Kind.VIDEO)
    column.teams.add(team)
    Column.objects.create(name="电视", slug="tv", kind=Column.Kind.VIDEO).teams.add(other)
    html = client.get("/column/video/").content.decode()
    assert html.count('class="video-slide"') == 2 and 'id="video-feed"' in html and "js/video-feed.js" in html
    assert 'data-column="video"' in html and "muted" in html and "playsinline" in html
    assert [i["id"] for i in client.get("/api/v1/public/videos?column=video").json()["items"]] == [v.pk for v in videos]
    assert client.get("/api/v1/public/videos?column=tv").json()["items"] == []
    assert client.get("/api/v1/public/videos?column=nope").status_code == 404
    Column.objects.create(name="头条", slug="toutiao")
    assert client.get("/api/v1/public/videos?column=toutiao").status_code == 404  # not a video column


def test_the_video_page_reads_on_with_a_link_where_script_is_off(client, reporter, team, reviewers, monkeypatch):
    monkeypatch.setattr(selectors, "VIDEO_PAGE", 2)
    for n in range(3):
        live_story(reporter, team, reviewers, headline=f"泌阳短视频第{n}条", video=("mp4",))
    html = client.get("/video/").content.decode()
    assert html.count('class="video-slide"') == 2
    cursor = re.search(r'data-next="([^"]+)"', html).group(1)
    assert f'href="/video/?cursor={cursor}"' in html
    html = client.get(f"/video/?cursor={cursor}").content.decode()
    assert html.count('class="video-slide"') == 1 and "泌阳短视频第0条" in html and 'data-next=""' in html


@pytest.mark.parametrize("cursor", ["garbage", "MjAyNi0xMS0yNnx4", "MjAyNi0xMS0yNlQwMDowMDowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
def test_a_bad_cursor_is_a_clear_400_on_the_page_and_the_api(client, db, cursor, english):
    response = client.get(f"/video/?cursor={cursor}")
    assert response.status_code == 400 and "This page link is not valid" in response.content.decode()
    response = client.get(f"/api/v1/public/videos?cursor={cursor}")
    assert response.status_code == 400 and response.json()["field"] == "cursor"


def test_an_article_with_hls_plays_it_natively_or_through_hls_js_and_falls_back_to_mp4(client, reporter, team, reviewers):
    story = live_story(reporter, team, reviewers, headline="盘古山红叶竖屏短视频", video=ALL, audio=True)
    html = client.get(f"/news/{story.pk}/").content.decode()
    hls = re.search(r'<source src="([^"]+)" type="application/vnd.apple.mpegurl">', html).group(1)
    mp4 = re.search(r'<source src="([^"]+)" type="video/mp4">', html).group(1)
    assert html.index(hls) < html.index(mp4)  # HLS first for the browsers that play it natively
    assert hls.endswith("/hls/master.m3u8") and mp4.endswith("/mp4/video.mp4")
    assert html.index("vendor/hls.light.min.js") < html.index("js/player.js")
    assert '<source src="/news/media/' in html and 'type="audio/mpeg"' in html
    body = client.get(f"/api/v1/public/articles/{story.pk}").json()
    assert body["video"]["hls"] == hls and body["video"]["src"] == mp4 and body["video"]["vertical"].endswith("vertical.mp4")
    assert body["audio"]["src"].endswith("/audio.mp3") and body["audio"]["type"] == "audio/mpeg"


def test_an_article_without_hls_loads_no_hls_js(client, reporter, team, reviewers):
    story = live_story(reporter, team, reviewers, headline="只有MP4的视频稿件", video=("mp4", "poster"))
    html = client.get(f"/news/{story.pk}/").content.decode()
    assert 'type="video/mp4"' in html and "hls.light.min.js" not in html and "player.js" not in html
    plain = live_story(reporter, team, reviewers, headline="没有视频的稿件")
    html = client.get(f"/news/{plain.pk}/").content.decode()
    assert "<video" not in html and "<audio" not in html


def test_the_gallery_swipes_with_captions_when_there_are_several_photos(client, reporter, team, reviewers):
    story = signed_off(reporter, team, reviewers, headline="盘古山红叶节开幕")
    add_photo(story, reporter, title="红叶一", caption="盘古山红叶", order=1)
    add_photo(story, reporter, title="红叶二", caption="游客拍照", order=2)
    from rongmei.portal.tests.conftest import publish

    publish(story, reviewers)
    html = client.get(f"/news/{story.pk}/").content.decode()
    assert 'class="gallery gallery-swipe"' in html
    assert '<span class="gallery-count">1/2</span> 盘古山红叶' in html and '<span class="gallery-count">2/2</span> 游客拍照' in html


def test_hls_playlists_and_segments_are_served_with_their_types(client, reporter, team, reviewers):
    from rongmei.portal.tests.conftest import write_rendition

    story = live_story(reporter, team, reviewers, headline="盘古山红叶竖屏短视频", video=ALL)
    asset = story.story_assets.get().asset_id
    write_rendition(asset, "hls_720/seg_00001.m4s", b"\x00" * 100)
    for path, kind in [
        ("hls/master.m3u8", "application/vnd.apple.mpegurl"),
        ("hls_720/index.m3u8", "application/vnd.apple.mpegurl"),
        ("hls_720/seg_00000.ts", "video/mp2t"),
        ("hls_720/seg_00001.m4s", "video/iso.segment"),
        ("mp4/video.mp4", "video/mp4"),
    ]:
        response = client.get(f"/news/media/{asset}/{path}")
        assert response.status_code == 200 and response["Content-Type"] == kind, path
        assert response["Accept-Ranges"] == "bytes"


def test_media_answer_byte_ranges_as_ios_players_need(client, reporter, team, reviewers):
    story = live_story(reporter, team, reviewers, headline="盘古山红叶竖屏短视频", video=("mp4",))
    asset = story.story_assets.get().asset_id
    url = f"/news/media/{asset}/mp4/video.mp4"
    whole = b"".join(client.get(url).streaming_content)
    size = len(whole)
    response = client.get(url, HTTP_RANGE="bytes=0-1")
    assert response.status_code == 206 and response["Content-Range"] == f"bytes 0-1/{size}"
    assert b"".join(response.streaming_content) == whole[:2] and response["Content-Length"] == "2"
    assert response["Content-Type"] == "video/mp4"
    response = client.get(url, HTTP_RANGE="bytes=100-")
    assert response.status_code == 206 and b"".join(response.streaming_content) == whole[100:]
    response = client.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(response.streaming_content) == whole[-10:]
    response = client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{size}"
    response = client.get(url, HTTP_RANGE="bytes=0-1,5-6")  # several ranges: the whole file
    assert response.status_code == 200


def test_the_video_page_query_count_does_not_grow_with_videos(client, reporter, team, reviewers, django_assert_num_queries):
    for n in range(4):
        live_story(reporter, team, reviewers, headline=f"泌阳短视频第{n}条", video=ALL)
    # the stories, their publications, the videos' renditions, the columns
    with django_assert_num_queries(4):
        html = client.get("/video/").content.decode()
    assert html.count('class="video-slide"') == 4


def test_a_video_not_yet_playable_is_skipped_without_losing_the_next_ones(client, reporter, team, reviewers):
    older = live_story(reporter, team, reviewers, headline="较早的短视频", video=("mp4",))
    live_story(reporter, team, reviewers, headline="只有封面帧的视频", video=("poster",))
    live_story(reporter, team, reviewers, headline="转码未完成的视频", video=("poster",))
    newer = live_story(reporter, team, reviewers, headline="最新的短视频", video=("mp4",))
    first = client.get("/api/v1/public/videos?limit=1").json()
    assert [i["id"] for i in first["items"]] == [newer.pk] and first["next_cursor"]
    second = client.get(f"/api/v1/public/videos?limit=1&cursor={first['next_cursor']}").json()
    assert [i["id"] for i in second["items"]] == [older.pk] and second["next_cursor"] is None


def test_odd_addresses_are_a_404_not_an_error(client, reporter, team, reviewers):
    story = live_story(reporter, team, reviewers, headline="盘古山红叶竖屏短视频", video=("mp4",))
    asset = story.story_assets.get().asset_id
    assert client.get(f"/news/media/{asset}/mp4/vi%00deo.mp4").status_code == 404
    assert client.get("/news/pictures/portal/features/x%00.jpg").status_code == 404
    assert client.get("/video/?column=%E4%B8%93%00").status_code == 404
