import json

import pytest
from django.test import Client

from rongmei.accounts import services as account_services
from rongmei.media import services
from rongmei.media.models import Asset, Rendition, UploadSession
from rongmei.testing.factories import draft_story

from .conftest import jpeg_bytes, png_bytes, render_all, upload

API = "/api/v1/media"


class Caller:
    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _t, raw = account_services.create_token(actor=user, name="test")
            self.headers["Authorization"] = f"Bearer {raw}"

    def json(self, method, path, body=None, *, raw=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return self.client.generic(method, API + path, data=data, content_type="application/json", headers=self.headers)

    def put(self, path, data: bytes):
        return self.client.generic("PUT", API + path, data=data, content_type="application/octet-stream", headers=self.headers)


def test_a_resumable_upload_through_the_api(reporter, settings):
    api = Caller(reporter)
    data = jpeg_bytes((320, 200))
    r = api.json("POST", "/uploads", {"file_name": "photo.jpg", "size": len(data), "title": "铜山湖日出"})
    assert r.status_code == 201, r.content
    up = r.json()
    assert (up["received"], up["complete"]) == (0, False)
    uid = up["id"]
    half = len(data) // 2
    assert api.put(f"/uploads/{uid}?offset=0", data[:half]).json()["received"] == half
    # A chunk sent again after a lost reply: 409 with the offset to continue from.
    r = api.put(f"/uploads/{uid}?offset=0", data[:half])
    assert r.status_code == 409
    assert (r.json()["code"], r.json()["offset"]) == ("wrong_offset", half)
    assert api.json("GET", f"/uploads/{uid}").json()["received"] == half
    assert api.put(f"/uploads/{uid}?offset={half}", data[half:]).json()["complete"] is True
    r = api.json("POST", f"/uploads/{uid}/finish")
    assert r.status_code == 201, r.content
    asset = r.json()
    assert (asset["kind"], asset["title"], asset["mime"]) == ("image", "铜山湖日出", "image/jpeg")
    assert {x["kind"] for x in asset["renditions"]} == set(services.RENDITIONS_BY_KIND["image"])
    assert all(x["status"] == "pending" for x in asset["renditions"])
    assert api.json("GET", f"/uploads/{uid}").status_code == 400  # gone


def test_a_bad_file_is_refused_at_finish_with_a_message(reporter):
    api = Caller(reporter)
    data = b"just some text, not a picture" * 10
    uid = api.json("POST", "/uploads", {"file_name": "x.jpg", "size": len(data)}).json()["id"]
    api.put(f"/uploads/{uid}?offset=0", data)
    r = api.json("POST", f"/uploads/{uid}/finish")
    assert r.status_code == 400
    assert r.json()["code"] == "bad_file" and "not supported" in r.json()["detail"]
    assert not Asset.objects.exists() and not UploadSession.objects.exists()


def test_upload_limits_and_bad_input_are_never_a_500(reporter, settings):
    settings.RONGMEI_MEDIA_MAX_BYTES = 1000
    api = Caller(reporter)
    r = api.json("POST", "/uploads", {"file_name": "big.mp4", "size": 5000})
    assert (r.status_code, r.json()["code"]) == (400, "too_large")
    for body in ({"file_name": "", "size": 10}, {"file_name": "a", "size": 0}, {"file_name": "a", "size": 2**70}, {"size": 1}):
        assert api.json("POST", "/uploads", body).status_code == 422, body
    assert api.json("POST", "/uploads", raw="{nope").status_code == 400
    assert api.json("GET", "/uploads/not-a-uuid").status_code == 422
    assert api.json("GET", "/uploads/00000000-0000-0000-0000-000000000000").status_code == 400
    uid = api.json("POST", "/uploads", {"file_name": "a.jpg", "size": 10}).json()["id"]
    assert api.put(f"/uploads/{uid}?offset=-1", b"x").status_code == 422
    assert api.put(f"/uploads/{uid}?offset=0", b"").status_code == 400
    assert api.put(f"/uploads/{uid}?offset=0", b"x" * 11).status_code == 400
    assert api.json("POST", f"/uploads/{uid}/finish").status_code == 409
    assert api.json("DELETE", f"/uploads/{uid}").status_code == 204
    assert api.json("POST", "/uploads", {"file_name": "a", "size": 10, "story_id": 999999}).status_code == 400


def test_who_may_use_the_upload_api(reporter, outsider, team, db):
    from rongmei.accounts.models import Role, User
    from rongmei.testing.personas import make_user

    citizen = make_user("citizen9", "市民", Role.REPORTER)
    User.objects.filter(pk=citizen.pk).update(role="app_user")
    anonymous = Caller()
    assert anonymous.json("POST", "/uploads", {"file_name": "a", "size": 10}).status_code == 401
    story = draft_story(reporter, team)
    r = Caller(outsider).json("POST", "/uploads", {"file_name": "a", "size": 10, "story_id": story.pk})
    assert r.status_code == 403
    uid = Caller(reporter).json("POST", "/uploads", {"file_name": "a", "size": 10}).json()["id"]
    # Another person cannot see or write the reporter's session.
    assert Caller(outsider).put(f"/uploads/{uid}?offset=0", b"x" * 10).status_code == 400
    assert UploadSession.objects.get().received == 0


def test_the_browser_session_needs_the_csrf_token_for_chunks(reporter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reporter)
    r = client.post(API + "/uploads", data=json.dumps({"file_name": "a", "size": 10}), content_type="application/json")
    assert r.status_code == 403


def test_list_search_and_detail(reporter, editor):
    a = upload(reporter, png_bytes(), "lake.png", title="铜山湖")
    services.update_asset(actor=reporter, asset=a, tags=["湖", "风景"])
    upload(editor, jpeg_bytes((100, 100)), "cow.jpg", title="夏南牛")
    render_all(a)
    api = Caller(editor)
    page = api.json("GET", "/assets").json()
    assert page["count"] == 2
    assert api.json("GET", "/assets?q=铜山").json()["items"][0]["id"] == a.pk
    assert api.json("GET", "/assets?tag=风景").json()["count"] == 1
    assert api.json("GET", "/assets?kind=video").json()["count"] == 0
    assert api.json("GET", "/assets?mine=true").json()["count"] == 1
    assert api.json("GET", "/assets?kind=nope").status_code == 422
    assert api.json("GET", "/assets?limit=100000").status_code == 422
    lake = next(x for x in page["items"] if x["id"] == a.pk)
    assert lake["thumbnail_url"].endswith("thumb_320/thumb_320.jpg")
    detail = api.json("GET", f"/assets/{a.pk}").json()
    assert detail["metadata"]["width"] == 400 and detail["can_edit"] is True
    assert all(r["status"] == "done" and r["url"] for r in detail["renditions"])
    assert api.json("GET", "/assets/999999").status_code == 404
    assert api.json("GET", f"/assets/{2**70}").status_code == 422


def test_tags_focal_point_and_retry_by_who_may(reporter, editor, outsider, photographer):
    asset = upload(reporter, jpeg_bytes((400, 300)), "a.jpg")
    render_all(asset)
    api, other = Caller(editor), Caller(outsider)
    assert api.json("PATCH", f"/assets/{asset.pk}", {"tags": ["夏南牛"]}).json()["tags"] == ["夏南牛"]
    assert other.json("PATCH", f"/assets/{asset.pk}", {"tags": ["x"]}).status_code == 403
    assert api.json("PATCH", f"/assets/{asset.pk}", {"title": "  "}).status_code == 400
    assert api.json("PATCH", f"/assets/{asset.pk}", {"tags": ["x" * 31]}).status_code == 422
    r = api.json("PUT", f"/assets/{asset.pk}/focal-point", {"x": 0.2, "y": 0.8})
    assert r.status_code == 200 and (r.json()["focal_x"], r.json()["focal_y"]) == (0.2, 0.8)
    statuses = {x["kind"]: x["status"] for x in r.json()["renditions"]}
    assert statuses["wechat_cover_235"] == "pending" and statuses["web_1280_jpg"] == "done"
    assert api.json("PUT", f"/assets/{asset.pk}/focal-point", {"x": 1.5, "y": 0}).status_code == 422
    assert Caller(photographer).json("PUT", f"/assets/{asset.pk}/focal-point", {"x": 0.1, "y": 0.1}).status_code == 403
    rendition = asset.renditions.get(kind="thumb_320")
    Rendition.objects.filter(pk=rendition.pk).update(status="failed", error="坏了")
    r = api.json("POST", f"/assets/{asset.pk}/renditions/{rendition.pk}/retry")
    assert (r.status_code, r.json()["status"], r.json()["error"]) == (200, "pending", "")
    assert other.json("POST", f"/assets/{asset.pk}/renditions/{rendition.pk}/retry").status_code == 403
    assert api.json("POST", f"/assets/{asset.pk}/renditions/999999/retry").status_code == 404


def test_attach_and_detach_through_the_api(reporter, editor, outsider, team):
    story = draft_story(reporter, team)
    asset = upload(editor, png_bytes(), "a.png")
    r = Caller(reporter).json("POST", f"/assets/{asset.pk}/stories", {"story_id": story.pk, "caption": "铜山湖"})
    assert r.status_code == 201 and r.json()["headline"] == story.headline
    assert Caller(reporter).json("POST", f"/assets/{asset.pk}/stories", {"story_id": story.pk}).status_code == 409
    assert Caller(outsider).json("DELETE", f"/assets/{asset.pk}/stories/{story.pk}").status_code == 403
    assert Caller(editor).json("GET", f"/assets?story={story.pk}").json()["count"] == 1
    assert Caller(editor).json("DELETE", f"/assets/{asset.pk}/stories/{story.pk}").status_code == 204
    assert Caller(editor).json("POST", f"/assets/{asset.pk}/stories", {"story_id": 999999}).status_code == 400


@pytest.mark.parametrize("path", ["/uploads", "/assets"])
def test_the_openapi_document_lists_the_media_operations(path, reporter):
    doc = Client().get("/api/v1/openapi.json").json()
    assert any(p.startswith("/api/v1/media" + path) for p in doc["paths"])
