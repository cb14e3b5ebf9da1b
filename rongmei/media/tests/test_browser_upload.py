"""The upload page in a real browser: two files dropped in, sent in chunks with progress bars,
one chunk's connection dropped on the way; the client asks the server and resumes."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rongmei.media.models import Asset
from tests.browser.conftest import browser, log_in, new_context  # noqa: F401 - the browser fixtures

from .conftest import jpeg_bytes, render_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_upload_with_progress_survives_a_dropped_chunk(log_in, people, settings, video_bytes):  # noqa: F811
    settings.RONGMEI_MEDIA_CHUNK_BYTES = 64 * 1024
    photo = jpeg_bytes((1600, 1200))
    page = log_in(people["reporter"])
    dropped = []

    def drop_once(route):
        # The second chunk of the video "loses its connection" once, after reaching the server
        # (so the server has it and the client, not knowing, must ask before going on).
        if "offset=65536" in route.request.url and not dropped and route.request.method == "PUT":
            dropped.append(route.request.url)
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r"/api/v1/media/uploads/[0-9a-f-]+\?offset="), drop_once)
    page.goto(reverse("media:upload"))
    expect(page.locator("#uploader")).to_be_visible()
    expect(page.locator("#plain-upload")).to_be_hidden()
    page.locator("#file-input").set_input_files(
        [
            {"name": "clip.mp4", "mimeType": "video/mp4", "buffer": video_bytes},
            {"name": "铜山湖.jpg", "mimeType": "image/jpeg", "buffer": photo},
        ]
    )
    items = page.locator("#upload-list .upload-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_class(re.compile(r"\bdone\b"), timeout=30_000)
    expect(items.nth(1)).to_have_class(re.compile(r"\bdone\b"), timeout=30_000)
    assert items.nth(0).locator("progress").evaluate("p => p.value") == 100
    assert dropped, "the dropped chunk was not simulated"
    video = Asset.objects.get(kind="video")
    image = Asset.objects.get(kind="image")
    with video.original.open("rb") as f:
        assert f.read() == video_bytes
    with image.original.open("rb") as f:
        assert f.read() == photo
    assert image.original_name == "铜山湖.jpg"
    items.nth(1).locator("a").click()
    page.wait_for_url(re.compile(re.escape(reverse("media:asset", args=[image.pk])) + "$"))
    # Once made, a click on the picture sets the focal point.
    render_all(image)
    page.reload()
    box = page.locator("#focal-image").bounding_box()
    with page.expect_navigation():  # the form is posted and the page comes back
        page.locator("#focal-image").click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.5})
    expect(page.locator("#focal-dot")).to_have_attribute("style", re.compile(r"left:\s*25%"))
    image.refresh_from_db()
    assert abs(image.focal_x - 0.25) < 0.02 and abs(image.focal_y - 0.5) < 0.02
