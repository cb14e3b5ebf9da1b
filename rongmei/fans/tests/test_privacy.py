"""A person's own data on the public app: the download (/me/data/, GET /public/me/data) holds theirs
and nobody else's; deleting the account (/me/delete/, POST /public/me/deletion) needs a fresh code
and a confirmation, anonymises their personal data, keeps public content as a deleted user's, ends
the login and is audited."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rongmei.community.models import Comment
from rongmei.core.models import AuditLog
from rongmei.fans import privacy
from rongmei.fans.models import Fan, Favorite, SmsCode
from rongmei.fans.tests.conftest import last_code, log_in_as
from rongmei.inquiries.models import Inquiry
from rongmei.practice.models import LedgerEntry, ServiceRequest, Volunteer

PHONE = "+8613800138000"
OTHER_PHONE = "+8613800138099"


@pytest.fixture(autouse=True)
def _no_limits(settings):
    from rongmei.testing.inquiries import NO_SUBMISSION_LIMITS

    settings.RONGMEI_INQUIRIES = {**settings.RONGMEI_INQUIRIES, **NO_SUBMISSION_LIMITS}


@pytest.fixture
def world(db, reporter, team):
    """Two app users, each with a question, a comment, a volunteer record with hours, a service request."""
    from rongmei.testing.factories import draft_story
    from rongmei.testing.inquiries import ask

    story = draft_story(reporter, team)
    people = {}
    for key, phone, name, title in (
        ("me", PHONE, "李明", "幸福路小区门口污水横流无人管"),
        ("other", OTHER_PHONE, "王芳", "春水镇中学门口的路灯坏了"),
    ):
        fan = Fan.objects.create(phone=phone, nickname=f"{name}的昵称")
        inquiry = ask(fan, title=title)
        comment = Comment.objects.create(story=story, fan=fan, body=f"{name}的评论", status="approved", ip_address="10.0.0.1")
        volunteer = Volunteer.objects.create(fan=fan, real_name=name, consent_version="1", consented_at=timezone.now())
        LedgerEntry.objects.create(volunteer=volunteer, kind="hours", amount=2, key=f"t:{key}", note="敬老院义诊")
        service = ServiceRequest.objects.create(resident=fan, category="理发", description="上门理发", address=f"{name}家的地址")
        Favorite.objects.create(fan=fan, story=story)
        people[key] = {"fan": fan, "inquiry": inquiry, "comment": comment, "volunteer": volunteer, "service": service}
    return people


# --- the download -------------------------------------------------------------------------------------


def test_the_export_holds_my_data_and_nothing_of_anybody_else(world):
    data = privacy.export_own_data(fan=world["me"]["fan"])
    text = json.dumps(data, ensure_ascii=False)
    assert data["account"]["mobile_number"] == PHONE
    assert [q["receipt"] for q in data["inquiries"]["questions"]] == [world["me"]["inquiry"].receipt]
    assert data["inquiries"]["questions"][0]["phone"] == PHONE
    assert [c["text"] for c in data["community"]["comments"]] == ["李明的评论"]
    assert data["practice"]["volunteer"]["real_name"] == "李明"
    assert Decimal(data["practice"]["volunteer"]["service_hours"]) == 2
    assert data["practice"]["service_requests"][0]["address"] == "李明家的地址"
    assert len(data["account"]["favorites"]) == 1
    for theirs in ("王芳", "13800138099", world["other"]["inquiry"].receipt, "春水镇"):
        assert theirs not in text
    assert AuditLog.objects.filter(action="privacy.export", subject_id=str(world["me"]["fan"].pk)).exists()


def test_the_page_downloads_a_json_file(client, world):
    log_in_as(client, world["me"]["fan"])
    assert client.get(reverse("fans:my_data")).status_code == 200
    response = client.post(reverse("fans:my_data"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    assert data["practice"]["volunteer"]["real_name"] == "李明"


def test_the_download_needs_a_login(client, world):
    response = client.post(reverse("fans:my_data"))
    assert response.status_code == 302 and reverse("fans:login") in response["Location"]
    assert client.get("/api/v1/public/me/data").status_code == 401


def test_the_api_gives_my_data(client, world):
    log_in_as(client, world["me"]["fan"])
    response = client.get("/api/v1/public/me/data")
    assert response.status_code == 200
    assert response.json()["account"]["mobile_number"] == PHONE
    assert "王芳" not in response.content.decode()


def test_my_account_page_links_to_my_data(client, world):
    log_in_as(client, world["me"]["fan"])
    html = client.get(reverse("fans:profile")).content.decode()
    assert reverse("fans:my_data") in html and reverse("fans:delete_account") in html


# --- deletion -------------------------------------------------------------------------------------------


def _delete_through_the_page(client, *, confirm: bool = True, code: str | None = None):
    response = client.post(reverse("fans:delete_account"), {"action": "send"})
    assert response.status_code == 200, response.content.decode()
    data = {"action": "delete", "code": code or last_code(PHONE)}
    if confirm:
        data["confirm"] = "1"
    return client.post(reverse("fans:delete_account"), data)


def test_deleting_the_account_anonymises_my_data_and_keeps_public_content(client, world):
    me, other = world["me"], world["other"]
    log_in_as(client, me["fan"])
    response = _delete_through_the_page(client)
    assert response.status_code == 302

    fan = Fan.objects.get(pk=me["fan"].pk)
    assert fan.deleted_at is not None
    assert (fan.phone, fan.phone_hash, fan.nickname) == ("", None, "")
    assert fan.display_name == "Deleted user"
    assert not Favorite.objects.filter(fan=fan).exists()
    assert not SmsCode.objects.filter(phone=PHONE).exists()

    inquiry = Inquiry.objects.get(pk=me["inquiry"].pk)
    assert inquiry.phone == "" and inquiry.fan_id is None and inquiry.anonymised_at is not None
    assert "13912345678" not in inquiry.body and inquiry.public_body == me["inquiry"].public_body

    comment = Comment.objects.get(pk=me["comment"].pk)
    assert comment.body == "李明的评论" and comment.ip_address is None and comment.fan.display_name == "Deleted user"

    volunteer = Volunteer.objects.get(pk=me["volunteer"].pk)
    assert volunteer.real_name == "" and volunteer.status == Volunteer.Status.SUSPENDED and volunteer.ledger.count() == 1
    service = ServiceRequest.objects.get(pk=me["service"].pk)
    assert service.address == "" and service.state == ServiceRequest.State.CANCELLED

    # Nothing of the other person changed.
    assert Fan.objects.get(pk=other["fan"].pk).phone == OTHER_PHONE
    assert Inquiry.objects.get(pk=other["inquiry"].pk).phone == OTHER_PHONE
    assert Volunteer.objects.get(pk=other["volunteer"].pk).real_name == "王芳"
    assert ServiceRequest.objects.get(pk=other["service"].pk).address == "王芳家的地址"

    line = AuditLog.objects.get(action="privacy.delete_account", subject_id=str(fan.pk))
    assert "138" not in line.summary and line.data["inquiries"]["questions"] == 1


def test_after_deletion_the_login_is_gone_and_the_number_registers_anew(client, world):
    me = world["me"]["fan"]
    log_in_as(client, me)
    _delete_through_the_page(client)
    assert client.get(reverse("fans:profile")).status_code == 302  # logged out
    log_in_as(client, Fan.objects.get(pk=me.pk))  # an old session cookie is worth nothing either
    assert client.get("/api/v1/public/me").status_code == 401

    from django.core.cache import cache

    from rongmei.fans import services

    cache.clear()  # the one-code-a-minute limit per number
    services.request_code(phone=PHONE, ip=None)
    fan, registered = services.verify_code(phone=PHONE, code=last_code(PHONE), ip=None)
    assert registered and fan.pk != me.pk


def test_deletion_needs_the_confirmation(client, world):
    log_in_as(client, world["me"]["fan"])
    response = _delete_through_the_page(client, confirm=False)
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert Fan.objects.get(pk=world["me"]["fan"].pk).deleted_at is None


def test_deletion_needs_the_right_code_of_its_own_purpose(client, world):
    from rongmei.fans import services

    log_in_as(client, world["me"]["fan"])
    # A login code is no deletion code.
    services.request_code(phone=PHONE, ip=None)
    login_code = last_code(PHONE)
    response = client.post(reverse("fans:delete_account"), {"action": "delete", "code": login_code, "confirm": "1"})
    assert response.status_code == 400 and "Get a code first" in response.content.decode()

    from django.core.cache import cache

    cache.clear()  # the one-code-a-minute limit per number
    client.post(reverse("fans:delete_account"), {"action": "send"})
    wrong = "000000" if last_code(PHONE) != "000000" else "111111"
    response = client.post(reverse("fans:delete_account"), {"action": "delete", "code": wrong, "confirm": "1"})
    assert response.status_code == 400 and "The code is wrong" in response.content.decode()
    assert Fan.objects.get(pk=world["me"]["fan"].pk).deleted_at is None


def test_the_api_deletes_the_account_with_a_code_and_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    log_in_as(client, world["me"]["fan"])
    token = client.get("/api/v1/public/me").json()["csrf_token"]
    assert client.post("/api/v1/public/me/deletion-codes").status_code == 403  # no CSRF token
    assert client.post("/api/v1/public/me/deletion-codes", HTTP_X_CSRFTOKEN=token).status_code == 201
    body = {"code": last_code(PHONE), "confirm": False}
    response = client.post("/api/v1/public/me/deletion", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400
    body["confirm"] = True
    response = client.post("/api/v1/public/me/deletion", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 204
    assert Fan.objects.get(pk=world["me"]["fan"].pk).deleted_at is not None
    assert client.get("/api/v1/public/me").status_code == 401


def test_the_deletion_pages_need_a_login(client, db):
    response = client.get(reverse("fans:delete_account"))
    assert response.status_code == 302 and reverse("fans:login") in response["Location"]


def test_a_deleted_account_cannot_be_deleted_twice(world):
    from rongmei.core.exceptions import StateConflict

    fan = world["me"]["fan"]
    fan.deleted_at = timezone.now() - dt.timedelta(days=1)
    fan.save(update_fields=["deleted_at"])
    with pytest.raises(StateConflict):
        privacy.request_deletion_code(fan=fan, ip=None)


def test_deleting_the_account_removes_my_photos_and_the_name_on_my_chat_lines(client, world, operator, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    from rongmei.inquiries.models import Attachment
    from rongmei.live import services as live
    from rongmei.live.models import ChatMessage

    me, other = world["me"], world["other"]
    mine = Attachment(inquiry=me["inquiry"], side=Attachment.Side.CITIZEN, name="身份证.jpg", size=3)
    mine.file.save("id-card.jpg", ContentFile(b"jpg"), save=True)
    theirs = Attachment(inquiry=other["inquiry"], side=Attachment.Side.CITIZEN, name="路灯.jpg", size=3)
    theirs.file.save("lamp.jpg", ContentFile(b"jpg"), save=True)
    storage = mine.file.storage
    room = live.create_room(actor=operator, title="牛业大会直播", scheduled_at=timezone.now())
    line = ChatMessage.objects.create(room=room, fan=me["fan"], name="李明的昵称", body="夏南牛加油")
    kept = ChatMessage.objects.create(room=room, fan=other["fan"], name="王芳的昵称", body="好看")

    exported = privacy_export(me["fan"])
    assert [m["text"] for m in exported["live"]["chat_messages"]] == ["夏南牛加油"]

    log_in_as(client, me["fan"])
    with django_capture_on_commit_callbacks(execute=True):
        assert _delete_through_the_page(client).status_code == 302
    assert not Attachment.objects.filter(pk=mine.pk).exists() and not storage.exists(mine.file.name)
    assert Attachment.objects.filter(pk=theirs.pk).exists() and storage.exists(theirs.file.name)
    line.refresh_from_db()
    assert line.fan_id is None and line.name != "李明的昵称" and line.body == "夏南牛加油"
    kept.refresh_from_db()
    assert (kept.fan_id, kept.name) == (other["fan"].pk, "王芳的昵称")


def privacy_export(fan):
    from rongmei.core import privacy as personal_data

    return personal_data.export_all(fan)
