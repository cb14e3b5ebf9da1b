"""In a real browser (the system Chromium through Playwright): the article's HLS through hls.js
where the browser has no HLS of its own, and the vertical feed playing the video in view, muted,
sound on a tap, more screens from the API. Real media made by ffmpeg."""

from __future__ import annotations

import os
import re
import shutil
import subprocess  # noqa: S404 - ffmpeg makes the test media

import pytest
from django.conf import settings

from rongmei.portal import selectors
from rongmei.portal.tests.conftest import add_video, publish, signed_off

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("RONGMEI_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NO_NATIVE_HLS = """
const original = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? "" : original.call(this, type);
};
"""


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM) or shutil.which("ffmpeg") is None:
        pytest.skip("needs the system chromium and ffmpeg")
    from playwright.sync_api import expect, sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # sync Playwright keeps a loop running in this thread
    expect.set_options(timeout=15_000)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def quiet_context(browser, **options):
    """A browser context without the background requests a test cannot wait for (service worker,
    beacons, the notifications socket), which could collide with the test's database."""
    context = browser.new_context(service_workers="block", **options)
    context.route_web_socket(re.compile(r"/ws/"), lambda ws: None)
    context.add_init_script("navigator.sendBeacon = function () { return true; };")
    return context


def ffmpeg(*args: str, cwd) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], cwd=cwd, check=True, timeout=120)  # noqa: S603, S607


def real_media(asset_id: int) -> None:
    """Replace the placeholder renditions with a 4-second H.264/AAC clip, its HLS rung and master."""
    folder = settings.MEDIA_ROOT / "renditions" / str(asset_id)
    source = ["-f", "lavfi", "-i", "testsrc=size=360x640:rate=25", "-f", "lavfi", "-i", "sine=frequency=440", "-t", "4"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac", "-shortest"]
    ffmpeg(*source, *codecs, "-movflags", "+faststart", "video.mp4", cwd=folder / "mp4")
    shutil.copyfile(folder / "mp4" / "video.mp4", folder / "vertical_916" / "vertical.mp4")
    ffmpeg(*source, *codecs, "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod",
           "-hls_segment_filename", "seg_%05d.ts", "index.m3u8", cwd=folder / "hls_720")  # fmt: skip
    (folder / "hls" / "master.m3u8").write_text(
        '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.42c01e,mp4a.40.2",RESOLUTION=360x640\n'
        "../hls_720/index.m3u8\n"
    )


def video_story(reporter, team, reviewers, headline):
    from rongmei.distribution.models import Channel

    # A transactional test before this one may have flushed the channel the migrations made.
    Channel.objects.get_or_create(code="website", defaults={"name": "网站"})
    story = signed_off(reporter, team, reviewers, headline=headline)
    asset = add_video(story, reporter, kinds=("mp4", "hls_720", "vertical_916"))
    real_media(asset.pk)
    return publish(story, reviewers)


def test_hls_plays_through_hls_js_where_the_browser_has_no_hls(browser, live_server, reporter, team, reviewers):
    story = video_story(reporter, team, reviewers, "盘古山红叶竖屏短视频")
    context = quiet_context(browser)
    context.add_init_script(NO_NATIVE_HLS)
    page = context.new_page()
    segments = []
    # hls.js fetches segments itself (xhr/fetch); this Chromium's own HLS may have peeked at one
    # before the script ran (a browser without HLS would not have).
    page.on("request", lambda r: segments.append(r.url) if r.url.endswith(".ts") and r.resource_type in ("xhr", "fetch") else None)
    page.goto(f"{live_server.url}/news/{story.pk}/")
    video = page.locator("video.article-video")
    page.wait_for_function("() => document.querySelector('video.article-video').getAttribute('data-player') === 'hls.js'")
    assert segments == []  # nothing loads before the reader presses play
    page.evaluate("() => { const v = document.querySelector('video.article-video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video.article-video').currentTime > 0.5")
    assert segments and video.evaluate("v => v.src.startsWith('blob:')")  # Media Source, fed by hls.js
    context.close()


def test_the_feed_plays_the_video_in_view_muted_and_a_tap_turns_the_sound_on(browser, live_server, monkeypatch, reporter, team, reviewers):
    monkeypatch.setattr(selectors, "VIDEO_PAGE", 1)  # the second screen comes from the API
    first = video_story(reporter, team, reviewers, "跟着镜头游铜山湖")
    second = video_story(reporter, team, reviewers, "盘古山红叶竖屏短视频")
    context = quiet_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/public/videos" in r.url else None)
    page.goto(f"{live_server.url}/video/")
    slides = page.locator(".video-slide")
    assert page.locator(".video-more").count() == 0  # the script reads on by itself
    page.wait_for_function("() => document.querySelectorAll('.video-slide').length === 2")
    assert len(asked) == 1 and "cursor=" in asked[0]
    assert slides.nth(0).get_attribute("data-id") == str(second.pk) and slides.nth(1).get_attribute("data-id") == str(first.pk)
    top = page.locator(".video-slide").nth(0).locator("video")
    page.locator("#video-feed").scroll_into_view_if_needed()
    page.wait_for_function("() => { const v = document.querySelector('.video-slide video'); return !v.paused && v.currentTime > 0.2; }")
    assert top.evaluate("v => v.muted && !v.hasAttribute('controls')")
    assert page.locator(".video-slide").nth(0).locator(".video-sound").is_visible()
    top.click()
    page.wait_for_function("() => !document.querySelector('.video-slide video').muted")
    assert not page.locator(".video-slide").nth(0).locator(".video-sound").is_visible()
    # swipe on: the next one plays (with sound, the reader asked for it), the first pauses
    page.locator("#video-feed").evaluate("feed => feed.scrollTo(0, feed.clientHeight)")
    page.wait_for_function(
        "() => { const v = document.querySelectorAll('.video-slide video'); return v[0].paused && !v[1].paused && v[1].currentTime > 0.2; }"
    )
    assert page.locator(".video-slide").nth(1).locator(".video-title a").inner_text() == "跟着镜头游铜山湖"
    context.close()
