import pytest

from rongmei.fans import selectors, services
from rongmei.fans.models import ColumnFollow
from rongmei.fans.tests.conftest import log_in_as, make_fan
from rongmei.portal.models import Column


@pytest.fixture
def columns(db):
    return {
        "toutiao": Column.objects.create(name="头条", slug="toutiao", icon="📰", sort_order=10),
        "meili": Column.objects.create(name="魅力泌阳", slug="meili", sort_order=20),
        "hidden": Column.objects.create(name="隐藏栏目", slug="hidden", active=False),
        "hall": Column.objects.create(name="办事大厅", slug="hall", kind=Column.Kind.LINKS, link="https://example.org/"),
    }


def test_a_fan_follows_and_unfollows_columns_idempotently(columns):
    fan = make_fan()
    services.follow(fan=fan, column_slug="meili")
    services.follow(fan=fan, column_slug="toutiao")
    services.follow(fan=fan, column_slug="toutiao")
    assert [f.column.slug for f in selectors.followed_columns(fan)] == ["toutiao", "meili"]  # the app's order
    services.unfollow(fan=fan, column_slug="toutiao")
    services.unfollow(fan=fan, column_slug="toutiao")
    assert list(ColumnFollow.objects.values_list("column__slug", flat=True)) == ["meili"]


@pytest.mark.parametrize("slug", ["hidden", "hall", "nope", "", "a" * 41, "头条", "x\x00y", "../toutiao"])
def test_hidden_link_and_unknown_columns_cannot_be_followed(columns, slug):
    with pytest.raises(services.NotFound) as refused:
        services.follow(fan=make_fan(), column_slug=slug)
    assert refused.value.status == 404 and refused.value.field == "column"


def test_a_hidden_column_leaves_the_list(columns):
    fan = make_fan()
    services.follow(fan=fan, column_slug="meili")
    Column.objects.filter(slug="meili").update(active=False)
    assert list(selectors.followed_columns(fan)) == []


def test_the_api_follows_lists_and_unfollows(client, columns):
    assert client.get("/api/v1/public/me/follows").status_code == 401
    assert client.put("/api/v1/public/me/follows/toutiao").json()["code"] == "not_logged_in"
    log_in_as(client, make_fan())
    assert client.put("/api/v1/public/me/follows/toutiao").status_code == 204
    assert client.put("/api/v1/public/me/follows/toutiao").status_code == 204
    (item,) = client.get("/api/v1/public/me/follows").json()
    assert item["slug"] == "toutiao" and item["name"] == "头条" and item["icon"] == "📰" and item["url"] == "/column/toutiao/"
    for slug in ("hidden", "hall", "nope", "%00"):
        response = client.put(f"/api/v1/public/me/follows/{slug}")
        assert response.status_code == 404 and response.json()["detail"] == "This column does not exist or is not shown any more."
    assert client.delete("/api/v1/public/me/follows/toutiao").status_code == 204
    assert client.get("/api/v1/public/me/follows").json() == []


def test_the_column_state_tells_a_reader_whether_they_follow(client, columns):
    services.follow(fan=make_fan("+8613800138009"), column_slug="toutiao")
    anonymous = client.get("/api/v1/public/columns/toutiao/state")
    assert anonymous.status_code == 200 and anonymous["Cache-Control"] == "private, no-store"
    assert anonymous.json() == {"logged_in": False, "following": False, "followers": 1, "unread_notifications": 0, "csrf_token": ""}
    fan = log_in_as(client, make_fan())
    services.follow(fan=fan, column_slug="toutiao")
    body = client.get("/api/v1/public/columns/toutiao/state").json()
    assert body["logged_in"] is True and body["following"] is True and body["followers"] == 2 and body["csrf_token"]
    assert client.get("/api/v1/public/columns/hidden/state").status_code == 404


def test_following_through_the_pages_without_javascript(client, columns):
    page = client.get("/column/toutiao/").content.decode()
    # The column page is the same for everyone: a hook, a plain link, the script.
    assert 'id="column-actions"' in page and 'data-column="toutiao"' in page and 'href="/me/follows/toutiao/"' in page
    assert "js/fan-actions.js" in page
    assert client.get("/me/follows/toutiao/").url == "/me/login/?next=/me/follows/toutiao/"
    fan = log_in_as(client, make_fan())
    confirm = client.get("/me/follows/toutiao/").content.decode()
    assert 'name="follow" value="1"' in confirm and "头条" in confirm
    done = client.post("/me/follows/toutiao/", {"follow": "1"})
    assert done.url == "/column/toutiao/" and ColumnFollow.objects.filter(fan=fan).count() == 1
    assert 'name="follow" value="0"' in client.get("/me/follows/toutiao/").content.decode()
    profile = client.get("/me/").content.decode()
    assert 'id="follows"' in profile and "头条" in profile
    # Unfollow from the profile, and back to the profile (never off the site).
    assert client.post("/me/follows/toutiao/", {"follow": "0", "next": "/me/"}).url == "/me/"
    assert client.post("/me/follows/toutiao/", {"follow": "1", "next": "https://evil.example/"}).url == "/column/toutiao/"
    assert client.get("/me/follows/hidden/").status_code == 404
