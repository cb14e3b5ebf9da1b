import io

from PIL import Image, ImageFont

from rongmei.portal import share
from rongmei.testing import factories


def test_the_poster_is_a_phone_sized_png_with_a_qr_code_and_is_cached_by_etag(client, reporter, team, reviewers):
    story = factories.published_story(reporter, team, reviewers, headline="泌阳县第十五届中国牛业发展大会开幕" * 3)
    response = client.get(f"/news/{story.pk}/poster.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("L")
    assert image.size == (share.WIDTH, share.HEIGHT)
    # the QR code in the bottom right corner is black and white modules, not blank
    code = image.crop(
        (share.WIDTH - share.MARGIN - 240, share.HEIGHT - share.MARGIN - 240, share.WIDTH - share.MARGIN, share.HEIGHT - share.MARGIN)
    )
    dark = sum(1 for p in code.getdata() if p < 64) / (240 * 240)
    assert 0.2 < dark < 0.7
    again = client.get(f"/news/{story.pk}/poster.png", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    page = client.get(f"/news/{story.pk}/").content.decode()
    assert f"/news/{story.pk}/poster.png" in page and 'property="og:title"' in page


def test_no_poster_for_a_story_not_live_on_the_site(client, reporter, team, reviewers):
    story = factories.signed_off_story(reporter, team, reviewers)
    assert client.get(f"/news/{story.pk}/poster.png").status_code == 404


def test_the_poster_uses_the_chinese_font_and_wraps_long_headlines():
    face = share.font(46, bold=True)
    assert isinstance(face, ImageFont.FreeTypeFont) and "CJK" in face.getname()[0]
    draw = __import__("PIL.ImageDraw", fromlist=["ImageDraw"]).Draw(Image.new("RGB", (10, 10)))
    lines = share.wrap(draw, "泌阳县夏南牛产业链年产值突破一百二十亿元" * 5, face, 600, 3)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(draw.textlength(line, font=face) <= 600 for line in lines)


def test_the_public_site_installs_as_an_app(client, db):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["display"] == "standalone" and data["start_url"] == "/"
    from django.contrib.staticfiles import finders

    for icon in data["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path and Image.open(path).size == tuple(int(n) for n in icon["sizes"].split("x"))
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker["Service-Worker-Allowed"] == "/"
    assert worker["Content-Type"].startswith("application/javascript") and "newsroom" in worker.content.decode()
    home = client.get("/").content.decode()
    assert 'rel="manifest"' in home and "js/public.js" in home
    assert 'rel="manifest"' not in client.get("/accounts/login/").content.decode()  # the newsroom is no app
