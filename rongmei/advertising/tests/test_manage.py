"""The advertising pages under /ops/ads/: operations staff and the chief editor see them, a reporter
gets 403; forms keep what was typed; the review box shows the hits with their context; the report
(page, PDF, Excel) adds up the readership events of the campaign's creatives."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from rongmei.advertising import report, services
from rongmei.advertising.models import Campaign
from rongmei.advertising.tests import test_services as shared
from rongmei.advertising.tests.test_services import FLAGGED_TEXT, in_review, make_campaign
from rongmei.analytics.models import Event, Kind, Via
from rongmei.core.models import AuditLog
from rongmei.media.models import Rendition
from rongmei.testing.personas import login_with_second_factor

pytestmark = pytest.mark.django_db

# The picture fixture of the service tests, here too (the people, the client and the slot are in conftest).
picture = shared.picture


def thumbnail_of(asset) -> bytes:
    """A made thumb_320 rendition of the asset, its file under MEDIA_ROOT."""
    data = b"\xff\xd8\xff\xe0thumb"
    folder = os.path.join(settings.MEDIA_ROOT, "renditions", str(asset.pk), "thumb_320")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "thumb_320.jpg"), "wb") as f:
        f.write(data)
    Rendition.objects.create(
        asset=asset, kind="thumb_320", file=f"renditions/{asset.pk}/thumb_320/thumb_320.jpg", status="done", width=320, height=85
    )
    return data


# --- who sees the pages -----------------------------------------------------------------------------------


def test_operations_staff_and_the_chief_editor_see_the_campaign_list(client, sales, chief, ad_client, banner):
    campaign = make_campaign(sales, ad_client, banner)
    for person in (sales, chief):
        login_with_second_factor(client, person)
        page = client.get(reverse("ops:campaigns"))
        assert page.status_code == 200
        assert campaign.name in page.content.decode()
    assert reverse("ops:campaigns") == "/ops/ads/"


@pytest.mark.parametrize(
    "name",
    ["ops:campaigns", "ops:campaign_new", "ops:campaign", "ops:campaign_report", "ops:campaign_report_pdf", "ops:campaign_report_xlsx"],
)
def test_a_reporter_gets_403(client, reporter, sales, ad_client, banner, name):
    campaign = make_campaign(sales, ad_client, banner)
    client.force_login(reporter)
    url = reverse(name) if name in ("ops:campaigns", "ops:campaign_new") else reverse(name, args=[campaign.pk])
    assert client.get(url).status_code == 403


def test_the_chief_editor_does_not_open_the_new_campaign_form(client, chief):
    login_with_second_factor(client, chief)
    assert client.get(reverse("ops:campaign_new")).status_code == 403


def test_the_list_filters_by_state_and_client(client, sales, ad_client, banner, picture):
    from rongmei.business.models import Client

    make_campaign(sales, ad_client, banner, name="草稿中的广告")
    in_review(sales, ad_client, banner, picture, name="审核中的广告")
    other = Client.objects.create(kind="enterprise", name="泌阳县花菇合作社", created_by=sales)
    make_campaign(sales, other, banner, name="花菇的广告")
    client.force_login(sales)
    page = client.get(reverse("ops:campaigns"), {"state": "in_review"}).content.decode()
    assert "审核中的广告" in page and "草稿中的广告" not in page
    page = client.get(reverse("ops:campaigns"), {"client": other.pk}).content.decode()
    assert "花菇的广告" in page and "审核中的广告" not in page
    assert client.get(reverse("ops:campaigns"), {"state": "nonsense", "client": "x"}).status_code == 200


# --- forms ---------------------------------------------------------------------------------------------


def _form(client_pk, slot_pk, **overrides):
    now = timezone.localtime()
    data = {
        "client": client_pk,
        "name": "夏南牛肉年货节",
        "slot": slot_pk,
        "starts_at": f"{now:%Y-%m-%dT%H:%M}",
        "ends_at": f"{now + dt.timedelta(days=10):%Y-%m-%dT%H:%M}",
        "frequency_cap": "3",
    }
    data.update(overrides)
    return data


def test_operations_staff_create_a_campaign(client, sales, ad_client, banner):
    client.force_login(sales)
    assert client.get(reverse("ops:campaign_new")).status_code == 200
    response = client.post(reverse("ops:campaign_new"), _form(ad_client.pk, banner.pk))
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ops:campaign", args=[campaign.pk])
    assert campaign.created_by == sales and campaign.state == Campaign.State.DRAFT
    page = client.get(reverse("ops:campaign_edit", args=[campaign.pk]))
    assert page.status_code == 200 and 'value="夏南牛肉年货节"' in page.content.decode()


def test_a_refused_campaign_form_keeps_what_was_typed(client, english, sales, ad_client, banner):
    client.force_login(sales)
    now = timezone.localtime()
    response = client.post(
        reverse("ops:campaign_new"),
        _form(ad_client.pk, banner.pk, name="我打的名字", ends_at=f"{now - dt.timedelta(days=1):%Y-%m-%dT%H:%M}"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "我打的名字" in page and "The campaign must end after it starts." in page
    assert not Campaign.objects.exists()


def test_a_bad_link_is_refused_on_the_page_and_the_input_kept(client, english, sales, ad_client, banner, picture):
    campaign = make_campaign(sales, ad_client, banner)
    client.force_login(sales)
    response = client.post(
        reverse("ops:campaign_creative_add", args=[campaign.pk]),
        {"asset": picture.pk, "link": "javascript:alert(1)", "alt_text": "我写的文字"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The link must be a page of this site" in page and "我写的文字" in page and "javascript:alert(1)" in page
    response = client.post(
        reverse("ops:campaign_creative_add", args=[campaign.pk]), {"asset": 999999, "link": "/", "alt_text": "我写的文字"}
    )
    assert response.status_code == 400 and "The media library has no picture with this number." in response.content.decode()
    assert campaign.creatives.count() == 0


def test_a_creative_is_added_and_shown_with_its_thumbnail(client, sales, ad_client, banner, picture):
    data = thumbnail_of(picture)
    campaign = make_campaign(sales, ad_client, banner)
    client.force_login(sales)
    page = client.get(reverse("ops:campaign", args=[campaign.pk])).content.decode()
    assert f'value="{picture.pk}"' in page  # the picker lists the library's newest pictures
    response = client.post(
        reverse("ops:campaign_creative_add", args=[campaign.pk]), {"asset": picture.pk, "link": "/column/news/", "alt_text": "夏南牛肉"}
    )
    assert response.status_code == 302
    page = client.get(reverse("ops:campaign", args=[campaign.pk])).content.decode()
    image_url = reverse("ops:campaign_picture", args=[picture.pk])
    assert image_url in page and "夏南牛肉" in page
    image = client.get(image_url)
    assert image.status_code == 200 and b"".join(image.streaming_content) == data


def test_the_review_box_shows_the_hits_and_the_chief_editor_approves_with_a_reason(
    client, english, sales, chief, ad_client, banner, picture
):
    campaign = in_review(sales, ad_client, banner, picture, text=FLAGGED_TEXT)
    client.force_login(sales)
    page = client.get(reverse("ops:campaign", args=[campaign.pk])).content.decode()
    assert '泌阳<mark class="flag">最好</mark>的牛肉，' in page and "广告法禁用语" in page
    assert 'id="approve-form"' not in page  # operations staff do not approve hits
    login_with_second_factor(client, chief)
    page = client.get(reverse("ops:campaign", args=[campaign.pk])).content.decode()
    assert 'id="approve-form"' in page
    response = client.post(reverse("ops:campaign_approve", args=[campaign.pk]), {"note": ""})
    assert response.status_code == 400 and "Reason for approving despite the hits is required." in response.content.decode()
    response = client.post(reverse("ops:campaign_approve", args=[campaign.pk]), {"note": "有评比证书"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.APPROVED and campaign.review_note == "有评比证书"


def test_operations_staff_posting_an_approval_of_hits_get_403(client, sales, sales2, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture, text=FLAGGED_TEXT)
    client.force_login(sales2)
    assert client.post(reverse("ops:campaign_approve", args=[campaign.pk]), {"note": "可以"}).status_code == 403


def test_the_buttons_move_the_campaign(client, sales, ad_client, banner, picture):
    campaign = make_campaign(sales, ad_client, banner)
    services.add_creative(actor=sales, campaign=campaign, asset=picture, link="/", alt_text="夏南牛肉")
    client.force_login(sales)
    client.post(reverse("ops:campaign_submit", args=[campaign.pk]))
    client.post(reverse("ops:campaign_approve", args=[campaign.pk]), {"note": ""})
    client.post(reverse("ops:campaign_pause", args=[campaign.pk]), {"note": "春节停投"})
    client.post(reverse("ops:campaign_resume", args=[campaign.pk]))
    client.post(reverse("ops:campaign_end", args=[campaign.pk]), {"note": ""})
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.ENDED
    response = client.post(reverse("ops:campaign_resume", args=[campaign.pk]), follow=True)
    assert response.status_code == 200 and campaign.name in response.content.decode()  # refused with a message


def test_editing_after_review_is_refused_on_the_page(client, sales, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture)
    client.force_login(sales)
    assert client.get(reverse("ops:campaign_edit", args=[campaign.pk])).status_code == 302
    response = client.post(reverse("ops:campaign_creative_remove", args=[campaign.pk, campaign.creatives.get().pk]))
    assert response.status_code == 302 and campaign.creatives.count() == 1


# --- the report ---------------------------------------------------------------------------------------------


def _event(day, kind, device, creative_id):
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    return Event(day=day, at=at, kind=kind, via=Via.WEB, device=device, creative_id=creative_id)


@pytest.fixture
def counted(settings, sales, ad_client, banner, picture):
    """An approved campaign running since two days ago, with two creatives and readership events."""
    settings.RONGMEI_AD_LINK_HOSTS = ("example.com",)  # its creator approves it: no external-link hit
    campaign = make_campaign(sales, ad_client, banner, days=(-2, 30))
    first = services.add_creative(actor=sales, campaign=campaign, asset=picture, link="/", alt_text="夏南牛肉年货节")
    second = services.add_creative(actor=sales, campaign=campaign, asset=picture, link="https://example.com/", alt_text="=产地直发")
    services.approve(actor=sales, campaign=services.submit_for_review(actor=sales, campaign=campaign))
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    Event.objects.bulk_create(
        [
            _event(yesterday, Kind.AD_VIEW, 1, first.pk),
            _event(yesterday, Kind.AD_VIEW, 2, first.pk),
            _event(yesterday, Kind.AD_VIEW, 2, first.pk),
            _event(yesterday, Kind.AD_CLICK, 2, first.pk),
            _event(today, Kind.AD_VIEW, 5, first.pk),
            _event(today, Kind.AD_VIEW, 6, second.pk),
            _event(today, Kind.AD_CLICK, 6, second.pk),
            _event(today, Kind.AD_VIEW, 7, 999_999),  # another campaign's creative
            _event(today, Kind.VIEW, 8, None),
        ]
    )
    campaign.refresh_from_db()
    return campaign


def test_the_report_adds_up_the_raw_events(counted):
    data = report.report_data(counted)
    assert [line.day for line in data.days] == [timezone.localdate() - dt.timedelta(days=n) for n in (2, 1, 0)]
    by_day = [(line.figures.impressions, line.figures.clicks, line.figures.visitors) for line in data.days]
    assert by_day == [(0, 0, 0), (3, 1, 2), (2, 1, 2)]
    assert (data.totals.impressions, data.totals.clicks, data.totals.visitors) == (5, 2, 4)
    assert data.totals.ctr_text == "40.00%"
    assert [(line.creative.alt_text, line.figures.impressions, line.figures.clicks) for line in data.creatives] == [
        ("夏南牛肉年货节", 4, 1),
        ("=产地直发", 1, 1),
    ]


def test_a_campaign_not_started_has_an_empty_report(sales, ad_client, banner, picture):
    campaign = make_campaign(sales, ad_client, banner, days=(2, 10))
    data = report.report_data(campaign)
    assert data.first is None and data.days == [] and data.totals.ctr_text == "—"


def test_the_report_page_shows_the_totals_to_the_chief_editor(client, chief, counted):
    login_with_second_factor(client, chief)
    page = client.get(reverse("ops:campaign_report", args=[counted.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "40.00%" in body and "泌阳县夏南牛业有限公司" in body


def test_the_pdf_is_a_pdf_and_its_download_is_audited(client, sales, counted):
    client.force_login(sales)
    response = client.get(reverse("ops:campaign_report_pdf", args=[counted.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditLog.objects.filter(action="export.campaign_report", subject_id=str(counted.pk)).exists()
    html = report.report_html(report.report_data(counted))
    assert settings.RONGMEI["CENTER_NAME"] in html and "泌阳县夏南牛业有限公司" in html


def test_the_workbook_holds_the_totals(client, sales, counted):
    from openpyxl import load_workbook

    client.force_login(sales)
    response = client.get(reverse("ops:campaign_report_xlsx", args=[counted.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True) if row and len(row) > 1}
    assert 5 in summary.values() and 2 in summary.values() and "40.00%" in summary.values()
    days = list(book.worksheets[1].iter_rows(values_only=True))
    assert days[-1][1:] == (5, 2, "40.00%", 4)
    creatives = list(book.worksheets[2].iter_rows(values_only=True))
    assert creatives[2][0] == "'=产地直发"  # people's text never becomes a formula


def test_the_list_takes_the_same_queries_for_many_campaigns(client, sales, ad_client, banner, django_assert_max_num_queries):
    for n in range(3):
        make_campaign(sales, ad_client, banner, name=f"广告{n}")
    client.force_login(sales)
    client.get(reverse("ops:campaigns"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("ops:campaigns"))
    for n in range(3, 15):
        make_campaign(sales, ad_client, banner, name=f"广告{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("ops:campaigns"))


def test_an_administrator_switches_a_slot_off_in_the_admin_and_it_serves_nothing(client, db):
    from rongmei.accounts.models import Role
    from rongmei.advertising.models import AdSlot
    from rongmei.core.models import AuditLog
    from rongmei.testing.personas import login_with_second_factor, make_user

    admin_user = make_user("admin7", "管理员", Role.ADMIN)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    login_with_second_factor(client, admin_user)
    slot = AdSlot.objects.get(code="splash")
    url = f"/admin/advertising/adslot/{slot.pk}/change/"
    response = client.post(url, {"name": slot.name, "placement": slot.placement})  # "active" unticked
    assert response.status_code == 302, response.content.decode()[:500]
    slot.refresh_from_db()
    assert slot.active is False
    assert AuditLog.objects.filter(action="advertising.slot_changed", subject_id=str(slot.pk)).exists()
    assert client.get("/api/v1/public/ads?slot=splash").json()["ads"] == []
    assert client.get("/admin/advertising/adslot/add/").status_code == 403
