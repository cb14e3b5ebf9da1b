"""Advertising management (rongmei.advertising.services): the campaign's state machine with an
audit line per step, the steps refused (editing after review, approving hits without a reason or by
their creator, bad links, non-image pictures), the ad-law check with its context and allow-list,
and who may do what."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from rongmei.accounts.models import Role
from rongmei.advertising import services
from rongmei.advertising.models import Campaign
from rongmei.business.models import Client, Project
from rongmei.core import safety
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AllowedPhrase, AuditLog, SensitiveWord, WordCategory
from rongmei.media.models import Asset
from rongmei.testing.personas import make_user

pytestmark = pytest.mark.django_db

State = Campaign.State
FLAGGED_TEXT = "泌阳最好的牛肉，全国第一"


@pytest.fixture(autouse=True)
def _english(english):
    """Messages are compared by their English msgids."""


# --- shared with test_manage (the people, the client and the banner slot are in conftest) -------------


def image_asset(user, title="夏南牛横幅") -> Asset:
    return Asset.objects.create(
        kind=Asset.Kind.IMAGE,
        original=f"assets/2026/01/{title}.jpg",
        original_name=f"{title}.jpg",
        sha256="0" * 64,
        size=1000,
        mime="image/jpeg",
        title=title,
        uploaded_by=user,
    )


@pytest.fixture
def picture(sales):
    return image_asset(sales)


def make_campaign(actor, client, slot, *, name="夏南牛肉年货节", days=(-1, 30), **extra) -> Campaign:
    now = timezone.now()
    return services.create_campaign(
        actor=actor,
        client=client,
        name=name,
        slot=slot,
        starts_at=now + dt.timedelta(days=days[0]),
        ends_at=now + dt.timedelta(days=days[1]),
        **extra,
    )


def in_review(actor, client, slot, picture, *, text="产地直发，新鲜到家", **extra) -> Campaign:
    campaign = make_campaign(actor, client, slot, **extra)
    services.add_creative(actor=actor, campaign=campaign, asset=picture, link="/column/news/", alt_text=text)
    return services.submit_for_review(actor=actor, campaign=campaign)


def lines(campaign) -> list[tuple[str, str, str]]:
    return list(
        AuditLog.objects.filter(subject_type="advertising.campaign", subject_id=str(campaign.pk))
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )


# --- the state machine ---------------------------------------------------------------------------------


def test_a_campaign_goes_from_draft_to_ended_with_an_audit_line_per_step(sales, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture)
    assert campaign.state == State.IN_REVIEW and campaign.safety_hits == []
    campaign = services.approve(actor=sales, campaign=campaign)  # hit-free: its creator may approve
    assert campaign.state == State.APPROVED and campaign.reviewed_by == sales
    assert campaign.is_running()
    campaign = services.pause(actor=sales, campaign=campaign, note="客户要求暂停")
    assert campaign.state == State.PAUSED and not campaign.is_running()
    campaign = services.resume(actor=sales, campaign=campaign)
    campaign = services.end(actor=sales, campaign=campaign)
    assert campaign.state == State.ENDED
    assert lines(campaign) == [
        ("advertising.create", "", "draft"),
        ("advertising.add_creative", "", ""),
        ("advertising.submit", "draft", "in_review"),
        ("advertising.approve", "in_review", "approved"),
        ("advertising.pause", "approved", "paused"),
        ("advertising.resume", "paused", "approved"),
        ("advertising.end", "approved", "ended"),
    ]
    with pytest.raises(StateConflict):
        services.resume(actor=sales, campaign=campaign)


def test_send_back_returns_the_campaign_to_draft_with_the_reason_and_it_can_change_again(sales, chief, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture)
    campaign = services.send_back(actor=chief, campaign=campaign, reason="图片分辨率太低")
    assert campaign.state == State.DRAFT and campaign.review_note == "图片分辨率太低"
    assert lines(campaign)[-1] == ("advertising.send_back", "in_review", "draft")
    now = timezone.now()
    services.update_campaign(
        actor=sales,
        campaign=campaign,
        client=ad_client,
        name="夏南牛肉年货节（改）",
        slot=banner,
        starts_at=now,
        ends_at=now + dt.timedelta(days=10),
        frequency_cap=5,
    )
    campaign.refresh_from_db()
    assert campaign.name == "夏南牛肉年货节（改）" and campaign.frequency_cap == 5
    with pytest.raises(DomainError, match="Reason"):
        services.send_back(actor=chief, campaign=services.submit_for_review(actor=sales, campaign=campaign), reason=" ")


def test_the_campaign_and_its_creatives_do_not_change_after_it_is_sent_to_review(sales, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture)
    now = timezone.now()
    with pytest.raises(StateConflict, match="only as a draft"):
        services.update_campaign(
            actor=sales,
            campaign=campaign,
            client=ad_client,
            name="改名",
            slot=banner,
            starts_at=now,
            ends_at=now + dt.timedelta(days=1),
            frequency_cap=3,
        )
    with pytest.raises(StateConflict):
        services.add_creative(actor=sales, campaign=campaign, asset=picture, link="/", alt_text="再加一张")
    with pytest.raises(StateConflict):
        services.remove_creative(actor=sales, creative=campaign.creatives.get())
    assert campaign.creatives.count() == 1


def test_a_campaign_without_creatives_is_not_sent_to_review(sales, ad_client, banner):
    campaign = make_campaign(sales, ad_client, banner)
    with pytest.raises(DomainError, match="at least one creative"):
        services.submit_for_review(actor=sales, campaign=campaign)


def test_the_schedule_cap_and_project_are_checked(sales, ad_client, banner):
    with pytest.raises(DomainError, match="end after it starts") as e:
        make_campaign(sales, ad_client, banner, days=(3, 2))
    assert e.value.field == "ends_at"
    with pytest.raises(DomainError, match="is past"):
        make_campaign(sales, ad_client, banner, days=(-5, -1))
    for cap in (0, 51, True):
        with pytest.raises(DomainError, match="frequency cap"):
            make_campaign(sales, ad_client, banner, frequency_cap=cap)
    other = Client.objects.create(kind="enterprise", name="泌阳县花菇合作社", created_by=sales)
    project = Project.objects.create(client=other, kind="campaign", title="花菇推介", salesperson=sales)
    with pytest.raises(DomainError, match="another client"):
        make_campaign(sales, ad_client, banner, project=project)


def test_target_columns_are_kept(sales, ad_client, banner):
    from rongmei.portal.models import Column

    news = Column.objects.create(name="头条", slug="news")
    campaign = make_campaign(sales, ad_client, banner, columns=[news])
    assert list(campaign.columns.all()) == [news]


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,hi",
        "//evil.example/x",
        "ftp://example.com/a",
        "/a b",
        "mailto:a@b.c",
        "",
    ],
)
def test_a_link_that_is_not_a_site_page_or_http_address_is_refused(sales, ad_client, banner, picture, link):
    campaign = make_campaign(sales, ad_client, banner)
    with pytest.raises(DomainError) as e:
        services.add_creative(actor=sales, campaign=campaign, asset=picture, link=link, alt_text="夏南牛肉")
    assert e.value.field == "link"
    assert campaign.creatives.count() == 0


@pytest.mark.parametrize("link", ["/", "/column/news/", "https://www.example.com/shop?id=3", "http://example.com"])
def test_site_pages_and_http_addresses_are_accepted(sales, ad_client, banner, picture, link):
    campaign = make_campaign(sales, ad_client, banner)
    creative = services.add_creative(actor=sales, campaign=campaign, asset=picture, link=f" {link} ", alt_text="夏南牛肉")
    assert creative.link == link


def test_only_a_media_library_image_can_be_a_creative(sales, ad_client, banner):
    campaign = make_campaign(sales, ad_client, banner)
    video = Asset.objects.create(
        kind=Asset.Kind.VIDEO, original="assets/x.mp4", original_name="x.mp4", sha256="0" * 64, size=1, mime="video/mp4", uploaded_by=sales
    )
    with pytest.raises(DomainError, match="not a picture") as e:
        services.add_creative(actor=sales, campaign=campaign, asset=video, link="/", alt_text="夏南牛肉")
    assert e.value.field == "asset"


def test_the_creative_text_is_required_and_short(sales, ad_client, banner, picture):
    campaign = make_campaign(sales, ad_client, banner)
    for text in ("", "牛", "牛" * 61):
        with pytest.raises(DomainError) as e:
            services.add_creative(actor=sales, campaign=campaign, asset=picture, link="/", alt_text=text)
        assert e.value.field == "alt_text"


# --- the ad-law check ------------------------------------------------------------------------------------


def test_ad_law_words_are_flagged_with_their_context(sales, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture, text=FLAGGED_TEXT)
    hits = campaign.safety_hits
    assert [h["word"] for h in hits] == ["最好", "全国第一"]  # 最 inside 最好 is not listed twice
    first = hits[0]
    assert first["category"] == safety.AD_LAW and first["severity"] == "flag"
    assert first["before"] + first["match"] + first["after"] == FLAGGED_TEXT
    assert first["match"] == "最好" and first["source"] == "text" and first["creative"] == campaign.creatives.get().pk
    submit = AuditLog.objects.get(action="advertising.submit", subject_id=str(campaign.pk))
    assert submit.data == {"hits": 2, "words": ["全国第一", "最好"]}


def test_the_campaign_name_is_checked_too(sales, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture, name="顶级牛肉节")
    assert [(h["word"], h["source"], h["creative"]) for h in campaign.safety_hits] == [("顶级", "name", None)]


@pytest.mark.parametrize("text", ["最近上新", "最后三天，产地直发", "第一书记带货", "第一时间送达", "国家级贫困县摘帽后的新牛场"])
def test_common_innocent_phrases_are_not_flagged(sales, ad_client, banner, picture, text):
    campaign = in_review(sales, ad_client, banner, picture, text=text)
    assert campaign.safety_hits == []


def test_ad_law_words_are_checked_for_ads_only(db):
    """Readers' comments and stories are scanned without the opt-in category: 最 holds no comment."""
    assert safety.scan("这是我最喜欢的牛肉") == []
    assert [h.word for h in safety.scan("这是我最喜欢的牛肉", include={safety.AD_LAW})] == ["最"]


def test_a_new_ad_law_word_is_matched_at_once(sales, ad_client, banner, picture):
    category = WordCategory.objects.get(name=safety.AD_LAW)
    SensitiveWord.objects.create(category=category, word="特供")
    campaign = in_review(sales, ad_client, banner, picture, text="政府特供牛肉")
    assert [h["word"] for h in campaign.safety_hits] == ["特供"]


def test_the_word_list_migration_can_run_again(db):
    migration = importlib.import_module("rongmei.advertising.migrations.0003_ad_law_words")
    words, phrases = SensitiveWord.objects.count(), AllowedPhrase.objects.count()
    migration.add_words(apps, None)
    assert (SensitiveWord.objects.count(), AllowedPhrase.objects.count()) == (words, phrases)
    category = WordCategory.objects.get(name=safety.AD_LAW)
    assert category.severity == "flag" and category.words.filter(word__in=["最", "第一", "国家级", "100%"]).count() == 4


# --- approval --------------------------------------------------------------------------------------------


def test_operations_staff_do_not_approve_a_campaign_with_hits(sales, sales2, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture, text=FLAGGED_TEXT)
    with pytest.raises(NotAllowed, match="chief editor or an administrator"):
        services.approve(actor=sales2, campaign=campaign, note="已核实，属实")
    campaign.refresh_from_db()
    assert campaign.state == State.IN_REVIEW


def test_approving_despite_hits_needs_a_written_reason(sales, chief, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture, text=FLAGGED_TEXT)
    with pytest.raises(DomainError, match="Reason for approving") as e:
        services.approve(actor=chief, campaign=campaign, note="")
    assert e.value.field == "note"
    campaign = services.approve(actor=chief, campaign=campaign, note="“全国第一”有农业农村部评比证书")
    assert campaign.state == State.APPROVED and campaign.review_note == "“全国第一”有农业农村部评比证书"
    line = AuditLog.objects.get(action="advertising.approve", subject_id=str(campaign.pk))
    assert line.data["reason"] == "“全国第一”有农业农村部评比证书" and line.data["hits"] == 2
    assert "农业农村部" in line.summary and (line.from_state, line.to_state) == ("in_review", "approved")


def test_the_creator_does_not_approve_a_flagged_campaign(admin_user, chief, ad_client, banner, picture):
    campaign = in_review(admin_user, ad_client, banner, picture, text=FLAGGED_TEXT)
    with pytest.raises(NotAllowed, match="other than its creator"):
        services.approve(actor=admin_user, campaign=campaign, note="我自己核实过了")
    assert services.approve(actor=chief, campaign=campaign, note="证书已核").state == State.APPROVED


def test_a_campaign_whose_end_passed_in_review_is_not_approved(sales, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture)
    Campaign.objects.filter(pk=campaign.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(StateConflict, match="is past"):
        services.approve(actor=sales, campaign=campaign)


# --- who may ---------------------------------------------------------------------------------------------


def test_the_newsroom_does_not_manage_campaigns(reporter, chief, ad_client, banner):
    for person in (reporter, chief):
        with pytest.raises(NotAllowed):
            make_campaign(person, ad_client, banner)


def test_a_reporter_neither_reviews_nor_takes_down(sales, reporter, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture)
    for step in (services.approve, services.end):
        with pytest.raises(NotAllowed):
            step(actor=reporter, campaign=campaign)
    with pytest.raises(NotAllowed):
        services.send_back(actor=reporter, campaign=campaign, reason="不行")


def test_the_chief_editor_may_pause_and_end_but_not_resume_a_pause_of_operations_staff(sales, chief, ad_client, banner, picture):
    campaign = services.approve(actor=sales, campaign=in_review(sales, ad_client, banner, picture))
    campaign = services.pause(actor=sales, campaign=campaign, note="客户要求暂停")
    with pytest.raises(NotAllowed):
        services.resume(actor=chief, campaign=campaign)
    assert services.end(actor=chief, campaign=campaign).state == State.ENDED


def test_the_buttons_follow_the_state_and_the_person(sales, sales2, chief, reporter, ad_client, banner, picture):
    draft = make_campaign(sales, ad_client, banner)
    assert services.actions_for(sales, draft) == {"edit", "creatives", "submit", "end"}
    assert services.actions_for(chief, draft) == {"end"}
    assert services.actions_for(reporter, draft) == set()
    flagged = in_review(sales, ad_client, banner, picture, name="顶级牛肉节")
    assert services.actions_for(sales, flagged) == {"send_back", "end"}
    assert services.actions_for(sales2, flagged) == {"send_back", "end"}
    assert services.actions_for(chief, flagged) == {"approve", "send_back", "end"}


# --- the demo --------------------------------------------------------------------------------------------


def test_the_demo_seeds_one_running_banner_campaign_once(db):
    from rongmei.advertising import demo

    jingying = make_user("jingying", "周经营", Role.OPERATIONS)
    assert demo.seed() == {}  # no client: nothing, quietly
    Client.objects.create(kind="enterprise", name=demo.CLIENT, created_by=jingying)
    assert demo.seed() == {"campaigns": 1}
    assert demo.seed() == {}
    campaign = Campaign.objects.get()
    assert campaign.slot.code == "banner" and campaign.is_running() and campaign.creatives.count() == 1
    picture = campaign.creatives.get().asset
    # The banner drawn for the demo, uploaded into the media library as the client's picture.
    assert picture.kind == "image" and picture.mime == "image/png" and (picture.width, picture.height) == (750, 200)
