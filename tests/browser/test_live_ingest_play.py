"""Issue 6's done-when, end to end: a test stream pushed with ffmpeg to the RTMP ingest (the real
nginx with Debian's RTMP module, run from deploy/nginx.conf, its publish callbacks answered by the
app on the live server, the room's transcoder making the HLS ladder) plays on the room's H5 page in
a phone-sized Chromium, hls.js loading the playlists from nginx; the stream key shows nowhere on
the page nor in what the page loads; when the push stops the room ends, the replay is built by the
task worker from the recording, and the reloaded page plays the replay.

Skipped when nginx, its RTMP module or ffmpeg is missing (failed instead when the environment
variable CI is set), like the browser fixture does for Chromium.
"""

from __future__ import annotations

import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rongmei.live import ingest, services
from rongmei.live.models import LiveRoom
from rongmei.live.tests._video import wait_until
from rongmei.testing.ingest import push, rtmp_ingest, stop_push
from rongmei.testing.ingest import require as require_ingest
from tests.browser.conftest import run_task_worker, wait_for_js
from tests.browser.phone import PHONE_WINDOW

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

State = LiveRoom.State

SEGMENT_SECONDS = 1  # short segments: the first one is out (and playable) sooner
PUSH_SECONDS = 15  # at most: the push is stopped as soon as the live checks have passed
VIDEO = "document.getElementById('live-video')"
# Chromium 14x and later plays HLS by itself, and the page then leaves hls.js aside; the phones that
# need hls.js (Android WeChat's older Chromium) cannot. Saying "no" to HLS here makes the page take
# the hls.js path: its playlists and segments fetched by script across origins (nginx's CORS).
HLS_JS_ONLY = """(() => {
  const canPlayType = HTMLMediaElement.prototype.canPlayType;
  HTMLMediaElement.prototype.canPlayType = function (type) {
    return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
  };
})();"""


@pytest.fixture
def rtmp(live_server, settings):
    """The ingest, with the app pointed at it: HLS written where this nginx serves it, the player
    given this nginx's /hls/ address. No reconnect grace: the end of the push is final, so the
    replay is scheduled at once (as when an operator ends the event)."""
    require_ingest(fail_in_ci=True)
    with rtmp_ingest(live_server.url) as server:
        settings.RONGMEI_LIVE = {
            **settings.RONGMEI_LIVE,
            "ROOT": server.live_root,
            "HLS_BASE_URL": server.hls_base_url,
            "SEGMENT_SECONDS": SEGMENT_SECONDS,
            "RECONNECT_GRACE_SECONDS": 0,
        }
        yield server


@pytest.fixture
def phone_page(browser, live_server):
    """A page in a phone-sized browser context on the live server; the chat and notification
    sockets answer nothing (no ASGI server here), so the page never talks to the app behind the
    test's back."""
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", service_workers="block", **PHONE_WINDOW
    )
    context.set_default_timeout(15_000)
    context.add_init_script("navigator.sendBeacon = function () { return true; };")
    context.add_init_script(HLS_JS_ONLY)
    page = context.new_page()
    page.route_web_socket(re.compile(r"/ws/"), lambda ws: None)
    yield page
    context.close()


def play_muted(page) -> None:
    page.evaluate(f"() => {{ const v = {VIDEO}; v.muted = true; return v.play(); }}")


def current_time(page) -> float:
    return page.evaluate(f"{VIDEO}.currentTime")


def state_of(room) -> str:
    return LiveRoom.objects.values_list("state", flat=True).get(pk=room.pk)


def test_a_stream_pushed_to_the_rtmp_ingest_plays_on_the_phone_page_and_its_replay_after_the_end(rtmp, phone_page, operator):
    timings: dict[str, float] = {}
    started = time.monotonic()

    def mark(name: str) -> None:
        timings[name] = round(time.monotonic() - started, 1)

    room = services.create_room(actor=operator, title="第十五届中国牛业发展大会", scheduled_at=timezone.now())
    key = room.stream_key
    page = phone_page
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))

    # An encoder (OBS) publishes 720p + a tone to rtmp://…/live/<key>.
    encoder = push(rtmp.publish_url(room), PUSH_SECONDS, size="1280x720")
    try:
        assert wait_until(lambda: state_of(room) == State.LIVE, timeout=15), "the publish callback did not put the room live"
        transcoder_log = ingest.run_dir() / f"{room.pk}.log"
        assert wait_until(lambda: ingest.is_playing(room.pk), timeout=20, step=0.1), transcoder_log.read_text(errors="replace")
        mark("first segment")

        response = page.goto(f"/live/{room.pk}/")
        assert response.ok
        assert key not in response.text()
        expect(page.locator("#live-room")).to_have_attribute("data-state", "live")
        expect(page.locator("#live-room")).to_have_attribute("data-hls-live", f"{rtmp.hls_base_url}{room.pk}/index.m3u8")
        expect(page.locator("#live-room")).to_have_attribute("data-stream", "playing", timeout=20_000)
        play_muted(page)
        wait_for_js(page, f"{VIDEO}.currentTime > 2", timeout=20_000)
        mark("live plays 2 s")
        assert page.evaluate(f"{VIDEO}.videoHeight") in (720, 360)
        assert page.locator("#live-video").get_attribute("data-player") == "hls.js"
        assert state_of(room) == State.LIVE
        # hls.js loaded the ladder and its segments from nginx, not through the app.
        hls_prefix = f"GET {rtmp.hls_base_url}{room.pk}/"
        assert any(r.startswith(hls_prefix) and ".ts" in r for r in requests), requests
        assert key not in page.content()
    finally:
        # The encoder stops: nginx calls on_publish_done and the room ends.
        stop_push(encoder)
    assert wait_until(lambda: state_of(room) == State.ENDED, timeout=15), "the publish-done callback did not end the room"
    mark("ended")
    leaks = [r for r in requests if key in r]
    assert not leaks, leaks

    # After the end the replay is built from the recording by the task worker (the end was final:
    # no reconnect grace). The schedule is committed by the callback's request just after the
    # state changed, so the worker may find nothing the first time.
    for _attempt in range(10):
        run_task_worker()
        if state_of(room) == State.REPLAY:
            break
        time.sleep(0.2)
    assert state_of(room) == State.REPLAY, "no replay was built"
    mark("replay built")
    room.refresh_from_db()
    assert room.replay_asset is not None and room.replay_asset.kind == "video"

    # The page, reloaded, shows the replay player, its files from /live/<id>/replay/, and plays.
    requests.clear()
    response = page.reload()
    assert response.ok and key not in response.text()
    expect(page.locator("#live-room")).to_have_attribute("data-state", "replay")
    video = page.locator("#live-video")
    expect(video).to_be_visible()
    replay_prefix = f"/live/{room.pk}/replay/"
    sources = [video.get_attribute("data-hls") or "", video.get_attribute("data-mp4") or ""]
    assert all(s.startswith(replay_prefix) for s in sources), sources  # the HLS ladder, the MP4 as the fallback
    play_muted(page)
    wait_for_js(page, f"{VIDEO}.currentTime > 1", timeout=20_000)
    start = current_time(page)
    wait_for_js(page, f"{VIDEO}.currentTime > {start} + 0.5", timeout=20_000)  # it advances
    mark("replay plays")
    assert video.get_attribute("data-player") == "hls.js"
    assert any(replay_prefix in r for r in requests), requests
    assert not [r for r in requests if key in r]
    print(f"\nlive ingest → phone page → replay, seconds from the push: {timings}")
