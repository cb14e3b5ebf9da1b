"""The public pages of live rooms: the list (/live/) and the H5 player page (/live/<id>/) in each
state, with its poster and replay files; who sees the chat input and the host controls."""

import datetime as dt
import os
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rongmei.fans.auth import SESSION_KEY
from rongmei.fans.models import Fan
from rongmei.live import services, views_public
from rongmei.live.models import ChatMessage, LiveRoom
from rongmei.media.models import Asset, Rendition
from rongmei.portal.models import Column

pytestmark = pytest.mark.django_db

State = LiveRoom.State
NOW = timezone.now()


@pytest.fixture(autouse=True)
def _english(english):
    """Pages are read by their English msgids."""


def notice(html: str) -> str:
    """The text over the player (the state message), without the script's words in attributes."""
    return re.search(r'<div class="live-notice"[^>]*>(.*?)</div>', html, re.S).group(1)


def make_room(operator, title="第十五届中国牛业发展大会", *, state=State.SCHEDULED, hours=1, **fields) -> LiveRoom:
    room = services.create_room(actor=operator, title=title, scheduled_at=NOW + dt.timedelta(hours=hours))
    LiveRoom.objects.filter(pk=room.pk).update(state=state, **fields)
    room.refresh_from_db()
    return room


@pytest.fixture
def fan(db):
    return Fan.objects.create(phone="+8613800138000", nickname="老李")


@pytest.fixture
def fan_client(client, fan):
    session = client.session
    session[SESSION_KEY] = fan.pk
    session.save()
    return client


@pytest.fixture
def replay_asset(operator, settings):
    """A video asset with its MP4, HLS 360p and poster renditions made (files on disk)."""
    asset = Asset.objects.create(
        kind="video", original="assets/x.mp4", original_name="x.mp4", sha256="0" * 64, size=1, mime="video/mp4", uploaded_by=operator
    )
    folder = os.path.join(settings.MEDIA_ROOT, "renditions", str(asset.pk))
    os.makedirs(os.path.join(folder, "hls", "hls_360"), exist_ok=True)
    for rel, data in (("video.mp4", b"0123456789"), ("hls/master.m3u8", b"#EXTM3U\n"), ("poster.jpg", b"\xff\xd8jpg")):
        with open(os.path.join(folder, rel), "wb") as f:
            f.write(data)
    prefix = f"renditions/{asset.pk}/"
    Rendition.objects.create(asset=asset, kind="mp4", file=prefix + "video.mp4", status="done")
    Rendition.objects.create(asset=asset, kind="hls_360", file=prefix + "hls/hls_360/index.m3u8", status="done")
    Rendition.objects.create(asset=asset, kind="poster", file=prefix + "poster.jpg", status="done")
    return asset


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_live_rooms_first_then_upcoming_soonest_first_then_replays(client, operator):
    later = make_room(operator, "三天后的曲艺大赛", hours=72)
    soon = make_room(operator, "一小时后的直播", hours=1)
    live = make_room(operator, "正在直播的大会", state=State.LIVE, hours=-1, started_at=NOW, views_total=321)
    replay = make_room(operator, "昨天的回放", state=State.REPLAY, hours=-24, views_total=30000)
    ended = make_room(operator, "刚结束的直播", state=State.ENDED, hours=-2)

    response = client.get("/live/")
    assert response.status_code == 200
    html = response.content.decode()
    order = [int(n) for n in re.findall(r'class="live-card state-\w+" data-room="(\d+)"', html)]
    assert order == [live.pk, soon.pk, later.pk, ended.pk, replay.pk]
    assert 'data-state="live"' in html and "Live now" in html
    assert "321 views" in html and "30000 views" in html
    assert f"/live/{live.pk}/" in html and reverse("live:poster", args=[soon.pk]) in html
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]


def test_the_list_says_so_when_there_is_nothing(client):
    response = client.get("/live/")
    assert response.status_code == 200 and "No live streams yet." in response.content.decode()


def test_the_list_takes_a_fixed_number_of_queries(client, operator, django_assert_max_num_queries):
    column = Column.objects.create(name="直播", slug="zhibo", kind=Column.Kind.ARTICLES)
    for i in range(6):
        make_room(operator, f"直播{i}", state=[State.LIVE, State.SCHEDULED, State.REPLAY][i % 3], hours=i - 3, column=column)
    with django_assert_max_num_queries(6):
        client.get("/live/")


# --- the player page in each state ---------------------------------------------------------------


def test_a_room_not_started_shows_its_poster_and_start_time_and_no_stream(client, operator):
    room = make_room(operator, hours=5, description="牛业大会的第一天。")
    response = client.get(f"/live/{room.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>第十五届中国牛业发展大会</h1>" in html and "牛业大会的第一天。" in html
    assert 'data-state="scheduled"' in html and 'id="live-countdown"' in html
    assert "The live stream has not started yet." in notice(html)
    assert f'poster="{reverse("live:poster", args=[room.pk])}"' in html
    assert 'type="application/vnd.apple.mpegurl"' not in html  # nothing to play yet
    assert f'data-start="{int(room.scheduled_at.timestamp())}000"' in html


def test_a_live_room_plays_its_hls_stream(client, operator, settings):
    settings.RONGMEI_LIVE = {"HLS_BASE_URL": "http://127.0.0.1:8088/hls/"}
    room = make_room(operator, state=State.LIVE, hours=0, started_at=NOW)
    html = client.get(f"/live/{room.pk}/").content.decode()
    url = views_public.live_hls_url(room)
    assert f'data-hls-live="{url}"' in html
    assert f'<source src="{url}" type="application/vnd.apple.mpegurl">' in html
    assert "Live now" in html and 'id="live-poster"' in html


def test_the_stream_address_comes_from_the_ingest(operator, settings):
    room = make_room(operator)
    settings.RONGMEI_LIVE = {**settings.RONGMEI_LIVE, "HLS_BASE_URL": "http://hls.example:8088/hls/"}
    assert views_public.live_hls_url(room) == f"http://hls.example:8088/hls/{room.pk}/index.m3u8"


def test_the_stream_key_never_reaches_the_page(client, operator, monkeypatch):
    from rongmei.live import ingest

    room = make_room(operator, state=State.LIVE, hours=0)
    assert room.stream_key not in client.get(f"/live/{room.pk}/").content.decode()
    # a wrong ingest must not leak it
    monkeypatch.setattr(ingest, "hls_url", lambda r: f"/hls/{r.stream_key}/index.m3u8")
    html = client.get(f"/live/{room.pk}/").content.decode()
    assert room.stream_key not in html and 'data-hls-live=""' in html


def test_an_ended_room_shows_the_poster_and_says_the_replay_is_coming(client, operator):
    room = make_room(operator, state=State.ENDED, hours=-2, views_total=50000)
    html = client.get(f"/live/{room.pk}/").content.decode()
    assert "The live stream has ended. The replay is being prepared." in notice(html)
    assert 'type="application/vnd.apple.mpegurl"' not in html
    assert "50000 views" in html


def test_a_replay_plays_the_replay_assets_hls_and_mp4(client, operator, replay_asset):
    room = make_room(operator, state=State.REPLAY, hours=-24, replay_asset=replay_asset)
    html = client.get(f"/live/{room.pk}/").content.decode()
    hls = reverse("live:replay_file", args=[room.pk, "hls/master.m3u8"])
    mp4 = reverse("live:replay_file", args=[room.pk, "video.mp4"])
    assert f'data-hls="{hls}"' in html and f'<source src="{mp4}" type="video/mp4">' in html
    assert f'poster="{reverse("live:replay_file", args=[room.pk, "poster.jpg"])}"' in html
    assert "The replay is being prepared." not in notice(html)
    assert f'data-replay-chat="{reverse("live:replay_chat", args=[room.pk])}"' in html  # the kept chat flies again
    response = client.get(mp4, HTTP_RANGE="bytes=2-5")
    assert response.status_code == 206 and b"".join(response.streaming_content) == b"2345"
    assert client.get(hls)["Content-Type"] == "application/vnd.apple.mpegurl"


def test_replay_files_are_served_only_for_a_published_replay_and_only_from_its_folder(client, operator, replay_asset):
    room = make_room(operator, state=State.ENDED, hours=-24, replay_asset=replay_asset)
    assert client.get(reverse("live:replay_file", args=[room.pk, "video.mp4"])).status_code == 404
    LiveRoom.objects.filter(pk=room.pk).update(state=State.REPLAY)
    assert client.get(reverse("live:replay_file", args=[room.pk, "video.mp4"])).status_code == 200
    assert client.get(f"/live/{room.pk}/replay/../../../etc/passwd").status_code == 404
    assert client.get(f"/live/{room.pk}/replay/hls/%2e%2e/%2e%2e/x").status_code == 404


def test_a_replay_whose_files_are_not_made_yet_says_so(client, operator, replay_asset):
    Rendition.objects.filter(asset=replay_asset).update(status="running")
    room = make_room(operator, state=State.REPLAY, hours=-24, replay_asset=replay_asset)
    html = client.get(f"/live/{room.pk}/").content.decode()
    assert "The replay is being prepared." in notice(html) and "data-hls=" not in html


def test_unknown_rooms_are_404(client):
    assert client.get("/live/999999/").status_code == 404
    assert client.get("/live/999999/poster").status_code == 404
    assert client.get("/live/999999/replay/video.mp4").status_code == 404


# --- poster and share meta ---------------------------------------------------------------------------


def test_without_a_cover_the_poster_is_a_drawn_placeholder_with_the_title_escaped(client, operator):
    room = make_room(operator, "<曲艺>&大赛")
    response = client.get(reverse("live:poster", args=[room.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert "&lt;曲艺&gt;&amp;大赛" in body and "<曲艺>" not in body
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_the_cover_is_the_poster_and_the_share_image(client, operator, settings):
    room = make_room(operator, cover="live/covers/2026/11/c.jpg")
    os.makedirs(os.path.join(settings.MEDIA_ROOT, "live/covers/2026/11"), exist_ok=True)
    with open(os.path.join(settings.MEDIA_ROOT, "live/covers/2026/11/c.jpg"), "wb") as f:
        f.write(b"\xff\xd8cover")
    response = client.get(reverse("live:poster", args=[room.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"\xff\xd8cover"
    html = client.get(f"/live/{room.pk}/").content.decode()
    assert f'<meta property="og:image" content="http://testserver{reverse("live:poster", args=[room.pk])}">' in html


def test_share_meta_and_the_column_link(client, operator):
    column = Column.objects.create(name="魅力泌阳", slug="meili", kind=Column.Kind.ARTICLES)
    room = make_room(operator, column=column, description="泌阳县第七届曲艺大赛决赛。")
    html = client.get(f"/live/{room.pk}/").content.decode()
    assert '<meta property="og:title" content="第十五届中国牛业发展大会">' in html
    assert '<meta property="og:description" content="泌阳县第七届曲艺大赛决赛。">' in html
    assert f'<link rel="canonical" href="http://testserver/live/{room.pk}/">' in html
    assert 'href="/column/meili/"' in html


# --- chat on the page -------------------------------------------------------------------------------


def test_the_last_visible_messages_are_drawn_into_the_page_oldest_first(client, operator, fan):
    room = make_room(operator, state=State.LIVE, hours=0)
    ChatMessage.objects.create(room=room, fan=fan, name="老李", body="第一条")
    ChatMessage.objects.create(room=room, fan=fan, name="老李", body="待审的", status=ChatMessage.Status.PENDING)
    ChatMessage.objects.create(room=room, fan=fan, name="老李", body="删掉的", status=ChatMessage.Status.REMOVED)
    ChatMessage.objects.create(room=room, user=operator, name="主持人", body="欢迎大家", kind="host", highlighted=True)
    html = client.get(f"/live/{room.pk}/").content.decode()
    assert html.index("第一条") < html.index("欢迎大家")
    assert "待审的" not in html and "删掉的" not in html
    assert 'class="chat-msg is-host is-highlighted"' in html


def test_the_pinned_announcement_shows_when_there_is_one(client, operator):
    room = make_room(operator, pinned_text="今晚八点抽奖")
    html = client.get(f"/live/{room.pk}/").content.decode()
    assert "今晚八点抽奖" in html and re.search(r'id="live-pinned" data-testid="pinned"\s*>', html)
    room2 = make_room(operator, "另一场")
    assert re.search(r'id="live-pinned" data-testid="pinned" hidden', client.get(f"/live/{room2.pk}/").content.decode())


def test_anonymous_readers_get_a_login_link_back_to_the_room_and_a_shared_cache(client, operator):
    room = make_room(operator)
    response = client.get(f"/live/{room.pk}/")
    html = response.content.decode()
    assert f'href="{reverse("fans:login")}?next=/live/{room.pk}/"' in html
    assert 'id="chat-input"' not in html and 'id="live-host"' not in html
    assert "public" in response["Cache-Control"]
    assert 'data-host="0"' in html


def test_app_users_get_the_input_and_a_private_page(fan_client, operator, fan):
    room = make_room(operator)
    response = fan_client.get(f"/live/{room.pk}/")
    html = response.content.decode()
    assert 'id="chat-input"' in html and 'maxlength="200"' in html and 'data-testid="chat-login"' not in html
    assert 'id="live-host"' not in html
    assert f'data-fan="{fan.pk}"' in html
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_only_room_managers_get_the_host_controls(client, operator, reporter):
    room = make_room(operator, chat_slow_seconds=10, chat_premoderated=True)
    client.force_login(reporter)
    html = client.get(f"/live/{room.pk}/").content.decode()
    assert 'id="live-host"' not in html and 'data-host="0"' in html
    client.force_login(operator)
    response = client.get(f"/live/{room.pk}/")
    html = response.content.decode()
    assert 'id="live-host"' in html and 'data-host="1"' in html and 'id="chat-input"' in html
    assert 'name="slow" min="0" max="600" value="10"' in html and re.search(r'name="premod"\s+checked', html)
    assert "private" in response["Cache-Control"]


def test_a_closed_chat_disables_the_input_for_app_users(fan_client, operator):
    room = make_room(operator, chat_open=False)
    assert re.search(r'id="chat-input"[^>]*disabled', fan_client.get(f"/live/{room.pk}/").content.decode())


def test_the_page_never_counts_views_or_writes(client, operator):
    room = make_room(operator, state=State.LIVE, hours=0, views_total=7)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/live/{room.pk}/")
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    room.refresh_from_db()
    assert room.views_total == 7


def test_the_page_takes_a_fixed_number_of_queries_however_many_messages(client, operator, fan, replay_asset, django_assert_max_num_queries):
    column = Column.objects.create(name="直播", slug="zhibo", kind=Column.Kind.ARTICLES)
    room = make_room(operator, state=State.REPLAY, hours=-3, column=column, replay_asset=replay_asset)
    for i in range(40):
        ChatMessage.objects.create(room=room, fan=fan, name="老李", body=f"消息{i}")
    with django_assert_max_num_queries(5):
        response = client.get(f"/live/{room.pk}/")
    assert response.content.decode().count('class="chat-msg') == 40


def test_every_word_on_the_page_is_marked_for_translation(client, operator):
    """The Chinese comes from the catalogue: the templates hold English msgids and the
    JavaScript's words arrive as data-i18n attributes rendered by {% translate %}."""
    from django.utils import translation

    room = make_room(operator)
    with translation.override("zh-hans"):
        html = client.get(f"/live/{room.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for name in ("connecting", "reconnecting", "waiting", "countdown", "ended", "pending", "slow", "danmaku-on", "danmaku-off"):
        assert f"data-i18n-{name}=" in html
    template_dir = os.path.join(os.path.dirname(views_public.__file__), "templates", "live")
    for name in os.listdir(template_dir):
        with open(os.path.join(template_dir, name), encoding="utf-8") as f:
            text = f.read()
        assert "{% load i18n" in text, name
        # No Chinese typed into the templates: it all comes from the catalogue.
        assert not re.search(r"[\u4e00-\u9fff]", text), name


def test_a_phone_on_the_county_network_gets_the_hls_address_of_the_host_it_reached(operator, settings, rf):
    room = make_room(operator)
    settings.ALLOWED_HOSTS = ["*"]
    settings.RONGMEI_LIVE = {**settings.RONGMEI_LIVE, "HLS_BASE_URL": "http://127.0.0.1:8088/hls/"}
    phone = rf.get("/", HTTP_HOST="192.168.1.20:8000")
    assert views_public.live_hls_url(room, phone) == f"http://192.168.1.20:8088/hls/{room.pk}/index.m3u8"
    here = rf.get("/", HTTP_HOST="127.0.0.1:8000")
    assert views_public.live_hls_url(room, here) == f"http://127.0.0.1:8088/hls/{room.pk}/index.m3u8"
    settings.RONGMEI_LIVE = {**settings.RONGMEI_LIVE, "HLS_BASE_URL": "/hls/"}
    assert views_public.live_hls_url(room, phone) == f"/hls/{room.pk}/index.m3u8"
