"""deploy/nginx.conf in front of the ad pictures (/ops/i/<creative>/?v=…): the real nginx keeps
them as long as the view's Cache-Control says, one copy for WebP browsers and one for the others,
so readers' pictures do not go through Django each time."""

from __future__ import annotations

import shutil

import pytest

from rongmei.advertising.models import AdSlot
from rongmei.advertising.tests.serving_support import campaign, picture  # noqa: F401
from rongmei.portal.tests.test_nginx import get, nginx, website  # noqa: F401

pytestmark = [
    pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (scripts/setup_system.sh installs it)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def banner(transactional_db):
    """A transaction=True test flushes the tables, the slots of the data migration with them."""
    return AdSlot.objects.get_or_create(code="banner", defaults={"name": "横幅", "width": 750, "height": 200})[0]


def test_nginx_caches_ad_pictures_per_url_and_webp_or_not(nginx, banner, ad_client, sales):  # noqa: F811
    creative = campaign(ad_client, sales).creatives.get()
    creative.asset = picture(sales, kinds=("web_1280_webp", "web_1280_jpg"), title="缓存")
    creative.save()
    url = f"{nginx.url}/ops/i/{creative.pk}/?v={creative.asset_id}"
    webp = {"Accept": "image/avif,image/webp,*/*"}

    first, second = get(url, webp), get(url, {"Accept": "image/webp,*/*;q=0.8"})
    assert first[0] == second[0] == 200 and first[2] == second[2]
    assert (first[1]["X-Cache"], second[1]["X-Cache"]) == ("MISS", "HIT")
    assert first[1]["Content-Type"] == "image/webp"
    assert first[1]["Cache-Control"].startswith("public, max-age=")

    jpeg = get(url, {"Accept": "image/png,*/*"})
    assert (jpeg[0], jpeg[1]["X-Cache"], jpeg[1]["Content-Type"]) == (200, "MISS", "image/jpeg")
    assert get(url, {"Accept": "*/*"})[1]["X-Cache"] == "HIT"

    # Another ?v= (another asset) is another picture.
    assert get(f"{nginx.url}/ops/i/{creative.pk}/?v=0", webp)[1]["X-Cache"] == "MISS"
