"""The defects the review of the advertising management side found, each pinned: links into our
own areas (the click URL loops), a pause by the chief editor undone by operations staff, campaigns
past their end shown as approved, the newsroom's library open to operations staff, events of the
grace after a midnight end lost from the report, and external links approved by their creator
alone."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from rongmei.advertising import report, selectors, services
from rongmei.advertising.models import Campaign, Creative
from rongmei.advertising.tests import test_services as shared
from rongmei.advertising.tests.test_manage import thumbnail_of
from rongmei.advertising.tests.test_services import FLAGGED_TEXT, image_asset, in_review, lines, make_campaign
from rongmei.analytics.models import Event, Kind, Via
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.models import AuditLog
from rongmei.testing.personas import login_with_second_factor

pytestmark = pytest.mark.django_db

State = Campaign.State

picture = shared.picture


@pytest.fixture(autouse=True)
def _english(english):
    """Messages are compared by their English msgids."""


def approved(actor, client, slot, picture, **extra) -> Campaign:
    return services.approve(actor=actor, campaign=in_review(actor, client, slot, picture, **extra))


# --- 1. links into our own areas ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "/ops/c/1/",
        "/ops/c/1/?x=1",
        "/ops",
        "/OPS/c/1/",
        "/%6Fps/c/1/",
        "/column/../ops/c/1/",
        "/./api/v1/public/ads",
        "/api/v1/public/ads?slot=banner",
        "/accounts/login/",
        "/admin/",
        "http://127.0.0.1:8000/ops/c/1/",
        "https://localhost/api/v1/public/ads",
    ],
)
def test_a_link_into_the_management_area_the_api_or_the_accounts_is_refused(sales, ad_client, banner, picture, link):
    campaign = make_campaign(sales, ad_client, banner)
    with pytest.raises(DomainError, match="may not lead into the management area") as e:
        services.add_creative(actor=sales, campaign=campaign, asset=picture, link=link, alt_text="夏南牛肉")
    assert e.value.field == "link"
    assert campaign.creatives.count() == 0


def test_the_ads_own_click_url_is_refused(sales, ad_client, banner, picture):
    campaign = make_campaign(sales, ad_client, banner)
    first = services.add_creative(actor=sales, campaign=campaign, asset=picture, link="/", alt_text="夏南牛肉")
    with pytest.raises(DomainError, match="/ops/"):
        services.add_creative(
            actor=sales, campaign=campaign, asset=picture, link=reverse("ops:ad_click", args=[first.pk]), alt_text="夏南牛肉"
        )


@pytest.mark.parametrize("link", ["/opsx/", "/column/ops/", "/apis", "https://www.example.com/ops/c/1/"])
def test_pages_merely_named_alike_and_other_sites_paths_are_accepted(sales, ad_client, banner, picture, link):
    campaign = make_campaign(sales, ad_client, banner)
    assert services.add_creative(actor=sales, campaign=campaign, asset=picture, link=link, alt_text="夏南牛肉").link == link


# --- 2. who lifts a pause --------------------------------------------------------------------------------


def test_a_pause_by_the_chief_editor_is_not_lifted_by_operations_staff(sales, chief, ad_client, banner, picture):
    campaign = approved(sales, ad_client, banner, picture)
    campaign = services.pause(actor=chief, campaign=campaign, note="与突发事件报道冲突")
    assert campaign.paused_by == chief
    with pytest.raises(NotAllowed, match="paused by"):
        services.resume(actor=sales, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.state == State.PAUSED
    assert "resume" not in services.actions_for(sales, campaign)
    assert "resume" in services.actions_for(chief, campaign)


@pytest.mark.parametrize("who", ["chief", "admin_user"])
def test_the_chief_editor_or_an_administrator_lifts_the_chief_editors_pause_audited(request, sales, chief, ad_client, banner, picture, who):
    resumer = request.getfixturevalue(who)
    campaign = services.pause(actor=chief, campaign=approved(sales, ad_client, banner, picture))
    campaign = services.resume(actor=resumer, campaign=campaign)
    assert campaign.state == State.APPROVED and campaign.paused_by is None
    assert lines(campaign)[-1] == ("advertising.resume", "paused", "approved")
    line = AuditLog.objects.filter(action="advertising.resume", subject_id=str(campaign.pk)).get()
    assert line.actor == resumer and line.data == {"paused_by": chief.pk}


def test_operations_staff_lift_a_pause_of_operations_staff_and_the_chief_editor_does_not(sales, sales2, chief, ad_client, banner, picture):
    campaign = services.pause(actor=sales, campaign=approved(sales, ad_client, banner, picture))
    assert campaign.paused_by == sales
    with pytest.raises(NotAllowed):
        services.resume(actor=chief, campaign=campaign)
    assert services.resume(actor=sales2, campaign=campaign).state == State.APPROVED


def test_a_pause_by_an_administrator_is_not_lifted_by_operations_staff(sales, admin_user, ad_client, banner, picture):
    campaign = services.pause(actor=admin_user, campaign=approved(sales, ad_client, banner, picture))
    with pytest.raises(NotAllowed):
        services.resume(actor=sales, campaign=campaign)


def test_the_resume_button_on_the_page_follows_who_paused(client, sales, chief, ad_client, banner, picture):
    campaign = services.pause(actor=chief, campaign=approved(sales, ad_client, banner, picture))
    client.force_login(sales)
    page = client.get(reverse("ops:campaign", args=[campaign.pk])).content.decode()
    assert 'id="resume-form"' not in page and chief.display_name in page  # "Paused by"
    response = client.post(reverse("ops:campaign_resume", args=[campaign.pk]))
    assert response.status_code in (302, 403)
    campaign.refresh_from_db()
    assert campaign.state == State.PAUSED
    login_with_second_factor(client, chief)
    assert 'id="resume-form"' in client.get(reverse("ops:campaign", args=[campaign.pk])).content.decode()
    assert client.post(reverse("ops:campaign_resume", args=[campaign.pk])).status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == State.APPROVED


def test_the_migration_takes_the_pauser_from_the_audit_line(sales, chief, ad_client, banner, picture):
    campaign = services.pause(actor=chief, campaign=approved(sales, ad_client, banner, picture))
    Campaign.objects.filter(pk=campaign.pk).update(paused_by=None)  # as before the migration
    migration = importlib.import_module("rongmei.advertising.migrations.0004_campaign_paused_by")
    migration.paused_by_from_audit(apps, None)
    campaign.refresh_from_db()
    assert campaign.paused_by == chief


# --- 3. (the label 广告: test_api.test_the_label_is_always_guanggao_whatever_the_language) --------------


# --- 4. campaigns past their end -------------------------------------------------------------------------


def _past_end(campaign: Campaign) -> Campaign:
    Campaign.objects.filter(pk=campaign.pk).update(ends_at=timezone.now() - dt.timedelta(hours=1))
    campaign.refresh_from_db()
    return campaign


def test_an_approved_campaign_past_its_end_shows_as_expired_everywhere(client, sales, ad_client, banner, picture):
    campaign = _past_end(approved(sales, ad_client, banner, picture, name="过期的广告"))
    running = approved(sales, ad_client, banner, picture, name="投放中的广告")
    assert campaign.state == State.APPROVED and campaign.display_state == "expired"
    assert str(campaign.display_state_label) == "Expired" and running.display_state == "approved"
    client.force_login(sales)
    page = client.get(reverse("ops:campaigns")).content.decode()
    assert 'class="badge state-expired">Expired<' in page and 'class="badge state-approved">Approved<' in page
    detail = client.get(reverse("ops:campaign", args=[campaign.pk])).content.decode()
    assert 'id="campaign-state">Expired<' in detail
    assert ("State", "Expired") in report.facts(report.report_data(campaign))


def test_the_list_filters_expired_campaigns_apart_from_approved_ones(sales, ad_client, banner, picture):
    expired = _past_end(approved(sales, ad_client, banner, picture, name="过期的广告"))
    running = approved(sales, ad_client, banner, picture, name="投放中的广告")
    assert list(selectors.campaigns(actor=sales, state="expired")) == [expired]
    assert list(selectors.campaigns(actor=sales, state="approved")) == [running]


def test_an_expired_campaign_is_neither_paused_nor_resumed_but_may_be_ended(sales, chief, ad_client, banner, picture):
    campaign = _past_end(approved(sales, ad_client, banner, picture))
    for person in (sales, chief):
        assert services.actions_for(person, campaign) == {"end"}
    paused = _past_end(services.pause(actor=sales, campaign=approved(sales, ad_client, banner, picture)))
    assert paused.display_state == "expired" and services.actions_for(sales, paused) == {"end"}


# --- 5. the pictures operations staff may see and use ------------------------------------------------------


@pytest.fixture
def news_photo(reporter):
    """An unpublished news photo of the newsroom's library, with its thumbnail."""
    asset = image_asset(reporter, title="未发布的现场照片")
    thumbnail_of(asset)
    return asset


def test_the_picker_lists_no_newsroom_photo(client, sales, ad_client, banner, picture, news_photo):
    images = [asset for asset, _thumb in selectors.recent_images(actor=sales)]
    assert picture in images and news_photo not in images
    campaign = make_campaign(sales, ad_client, banner)
    client.force_login(sales)
    page = client.get(reverse("ops:campaign", args=[campaign.pk])).content.decode()
    assert f'value="{picture.pk}"' in page and f'value="{news_photo.pk}"' not in page


def test_the_picture_view_does_not_show_a_newsroom_photo(client, sales, picture, news_photo):
    thumbnail_of(picture)
    client.force_login(sales)
    assert client.get(reverse("ops:campaign_picture", args=[news_photo.pk])).status_code == 404
    assert client.get(reverse("ops:campaign_picture", args=[picture.pk])).status_code == 200


def test_a_newsroom_photo_is_not_taken_as_a_creative(client, sales, ad_client, banner, news_photo):
    campaign = make_campaign(sales, ad_client, banner)
    with pytest.raises(DomainError, match="not among the ad pictures") as e:
        services.add_creative(actor=sales, campaign=campaign, asset=news_photo, link="/", alt_text="夏南牛肉")
    assert e.value.field == "asset"
    client.force_login(sales)
    response = client.post(
        reverse("ops:campaign_creative_add", args=[campaign.pk]), {"asset": news_photo.pk, "link": "/", "alt_text": "我写的文字"}
    )
    assert response.status_code == 400 and "not among the ad pictures" in response.content.decode()
    assert campaign.creatives.count() == 0


def test_an_administrators_library_upload_is_not_offered_but_a_picture_already_in_a_creative_is(
    client, sales, admin_user, ad_client, banner, news_photo
):
    campaign = make_campaign(sales, ad_client, banner)
    # An administrator is newsroom staff too: their library uploads may be news photos.
    with pytest.raises(DomainError):
        services.add_creative(actor=sales, campaign=campaign, asset=image_asset(admin_user), link="/", alt_text="管理员上传的图")
    # A creative made before the rule with a newsroom photo: its campaign pages still show it.
    older = make_campaign(sales, ad_client, banner, name="旧的广告")
    Creative.objects.create(campaign=older, asset=news_photo, link="/", alt_text="旧素材")
    services.add_creative(actor=sales, campaign=campaign, asset=news_photo, link="/", alt_text="沿用的素材")
    client.force_login(sales)
    assert client.get(reverse("ops:campaign_picture", args=[news_photo.pk])).status_code == 200


# --- 6. the grace days in the report ------------------------------------------------------------------------


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0)))


def _event(at: dt.datetime, creative: Creative, kind=Kind.AD_VIEW, device=1) -> Event:
    return Event(day=timezone.localdate(at), at=at, kind=kind, via=Via.WEB, device=device, creative_id=creative.pk)


def test_events_of_the_grace_around_a_midnight_schedule_are_in_the_report(sales, ad_client, banner, picture):
    today = timezone.localdate()
    campaign = make_campaign(sales, ad_client, banner)
    creative = services.add_creative(actor=sales, campaign=campaign, asset=picture, link="/", alt_text="夏南牛肉")
    starts, ends = _local_midnight(today - dt.timedelta(days=3)), _local_midnight(today)
    Campaign.objects.filter(pk=campaign.pk).update(starts_at=starts, ends_at=ends, state=State.APPROVED)
    campaign.refresh_from_db()
    Event.objects.bulk_create(
        [
            _event(starts - dt.timedelta(minutes=1), creative, device=1),  # a clock a minute fast
            _event(starts + dt.timedelta(hours=12), creative, device=2),
            _event(ends - dt.timedelta(minutes=1), creative, device=3),
            _event(ends + dt.timedelta(minutes=1), creative, device=4),  # accepted within the grace
            _event(ends + dt.timedelta(minutes=1), creative, kind=Kind.AD_CLICK, device=4),
        ]
    )
    data = report.report_data(campaign, now=ends + dt.timedelta(hours=12))
    assert (data.totals.impressions, data.totals.clicks) == (4, 1)
    assert [line.day for line in data.days] == [today - dt.timedelta(days=n) for n in (4, 3, 2, 1, 0)]
    assert (data.first, data.last) == (today - dt.timedelta(days=4), today)


def test_a_grace_day_without_figures_is_not_listed(sales, ad_client, banner, picture):
    today = timezone.localdate()
    campaign = make_campaign(sales, ad_client, banner)
    services.add_creative(actor=sales, campaign=campaign, asset=picture, link="/", alt_text="夏南牛肉")
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_at=_local_midnight(today - dt.timedelta(days=2)), ends_at=_local_midnight(today), state=State.APPROVED
    )
    campaign.refresh_from_db()
    data = report.report_data(campaign, now=_local_midnight(today) + dt.timedelta(hours=12))
    assert [line.day for line in data.days] == [today - dt.timedelta(days=2), today - dt.timedelta(days=1)]


# --- 7. links that leave the site --------------------------------------------------------------------------


def _with_link(actor, client, slot, picture, link) -> Campaign:
    campaign = make_campaign(actor, client, slot)
    services.add_creative(actor=actor, campaign=campaign, asset=picture, link=link, alt_text="产地直发，新鲜到家")
    return services.submit_for_review(actor=actor, campaign=campaign)


def test_an_external_link_is_a_hit_its_creator_does_not_approve(sales, sales2, chief, ad_client, banner, picture):
    campaign = _with_link(sales, ad_client, banner, picture, "https://Shop.Example.com/xianan?id=3")
    (hit,) = campaign.safety_hits
    assert hit["category"] == "外部链接" and hit["word"] == hit["context"] == "shop.example.com"
    assert hit["source"] == "link" and hit["creative"] == campaign.creatives.get().pk
    assert AuditLog.objects.get(action="advertising.submit", subject_id=str(campaign.pk)).data["words"] == ["shop.example.com"]
    for person in (sales, sales2):
        with pytest.raises(NotAllowed):
            services.approve(actor=person, campaign=campaign, note="客户官网")
    assert "approve" not in services.actions_for(sales, campaign)
    with pytest.raises(DomainError, match="Reason for approving"):
        services.approve(actor=chief, campaign=campaign)
    assert services.approve(actor=chief, campaign=campaign, note="客户官方商城，已核实").state == State.APPROVED


def test_an_administrator_creator_does_not_approve_an_external_link_alone(admin_user, chief, ad_client, banner, sales):
    campaign = _with_link(admin_user, ad_client, banner, image_asset(sales), "http://evil.example.net/")
    with pytest.raises(NotAllowed, match="other than its creator"):
        services.approve(actor=admin_user, campaign=campaign, note="我自己核实过了")


@pytest.mark.parametrize(
    ("hosts", "link"),
    [
        (("shop.example.com",), "https://shop.example.com/xianan"),
        ((".example.com",), "https://m.shop.example.com/xianan"),
        ((".example.com",), "https://example.com/"),
        ((), "/column/news/"),
        ((), "http://127.0.0.1:8000/column/news/"),  # this site's own address
    ],
)
def test_trusted_hosts_and_this_sites_pages_raise_no_hit(settings, sales, ad_client, banner, picture, hosts, link):
    settings.RONGMEI_AD_LINK_HOSTS = hosts
    campaign = _with_link(sales, ad_client, banner, picture, link)
    assert campaign.safety_hits == []
    assert services.approve(actor=sales, campaign=campaign).state == State.APPROVED


def test_a_host_like_a_trusted_one_is_still_a_hit(settings, sales, ad_client, banner, picture):
    settings.RONGMEI_AD_LINK_HOSTS = ("shop.example.com",)
    for link in ("https://shop.example.com.evil.net/", "https://shop.example.com@evil.net/", "https://other.example.com/"):
        campaign = _with_link(sales, ad_client, banner, picture, link)
        assert [h["category"] for h in campaign.safety_hits] == ["外部链接"], link


def test_an_external_link_hit_adds_to_the_word_hits(chief, sales, ad_client, banner, picture):
    campaign = make_campaign(sales, ad_client, banner)
    services.add_creative(actor=sales, campaign=campaign, asset=picture, link="https://shop.example.com/", alt_text=FLAGGED_TEXT)
    campaign = services.submit_for_review(actor=sales, campaign=campaign)
    assert [h["word"] for h in campaign.safety_hits] == ["最好", "全国第一", "shop.example.com"]


def test_a_backslashed_path_into_the_closed_areas_is_refused_as_the_click_view_reads_it(english):
    for link in ("/ops\\c\\1\\", "https://127.0.0.1/ops\\c\\1\\"):
        with pytest.raises(DomainError):
            services.clean_link(link)
