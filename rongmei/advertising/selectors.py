"""Reads of the advertising management pages, with their permission check: campaigns are money
matters, for operations staff, administrators and the chief editor (rongmei.business.permissions).
Writes go through rongmei.advertising.services; the public serving path is serving.py."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from rongmei.accounts.models import Role
from rongmei.advertising.models import AdSlot, Campaign, Creative
from rongmei.business import permissions
from rongmei.core import audit

RECENT_IMAGES = 30


def campaigns(*, actor, state: str | None = None, client=None) -> QuerySet[Campaign]:
    """Campaigns, those starting latest first, with their client, slot and number of creatives.
    ``state`` is a shown state (``Campaign.display_state``): ``expired`` the approved and paused
    ones whose end has passed, ``approved`` and ``paused`` the others."""
    permissions.require_reader(actor)
    qs = Campaign.objects.select_related("client", "slot", "created_by").annotate(n_creatives=Count("creatives"))
    still = (Campaign.State.APPROVED, Campaign.State.PAUSED)
    if state == Campaign.EXPIRED:
        qs = qs.filter(state__in=still, ends_at__lte=timezone.now())
    elif state in still:
        qs = qs.filter(state=state, ends_at__gt=timezone.now())
    elif state:
        qs = qs.filter(state=state)
    if client is not None:
        qs = qs.filter(client=client)
    return qs.order_by("-starts_at", "-id")


def _creatives_with_thumbs():
    from rongmei.media.models import Rendition
    from rongmei.media.selectors import THUMB_KINDS

    return Prefetch(
        "creatives",
        queryset=Creative.objects.select_related("asset").prefetch_related(
            Prefetch(
                "asset__renditions",
                queryset=Rendition.objects.filter(kind__in=THUMB_KINDS, status=Rendition.Status.DONE),
                to_attr="thumbs",
            )
        ),
    )


def campaign(*, actor, pk: int) -> Campaign:
    """One campaign with its creatives (and their pictures' thumbnails) and target columns.
    Raises Campaign.DoesNotExist."""
    permissions.require_reader(actor)
    return (
        Campaign.objects.select_related("client", "project", "slot", "created_by", "reviewed_by", "paused_by")
        .prefetch_related(_creatives_with_thumbs(), "columns")
        .get(pk=pk)
    )


def history(campaign: Campaign):
    """The campaign's audit lines, oldest first (the caller has read the campaign)."""
    return audit.history(campaign)


def slots() -> QuerySet[AdSlot]:
    return AdSlot.objects.filter(active=True).order_by("id")


def _ad_picture() -> Q:
    """Uploaded by operations staff, or already a creative's picture (an administrator's uploads
    may be newsroom photos: theirs count once used by a creative)."""
    return Q(uploaded_by__role=Role.OPERATIONS) | Q(Exists(Creative.objects.filter(asset_id=OuterRef("pk"))))


def ad_pictures():
    """The image assets an ad may show and the advertising pages may show: those operations staff
    or administrators uploaded (the clients' pictures) and those a creative already uses. Not the
    rest of the newsroom's library: unpublished news photos are not the operations area's to
    browse or to sell. No permission check (the callers have theirs)."""
    from rongmei.media.models import Asset

    return Asset.objects.filter(_ad_picture(), kind=Asset.Kind.IMAGE)


def recent_images(*, actor, limit: int = RECENT_IMAGES) -> list:
    """The newest ad pictures (``ad_pictures``), each with its thumbnail (or None), to choose a
    creative's picture from."""
    from rongmei.media import selectors as media

    permissions.require_manager(actor)
    return [(asset, media.thumbnail(asset)) for asset in media.assets(kind="image").filter(_ad_picture())[:limit]]


def image_thumbnail(asset_id: int):
    """The done thumbnail rendition of an ad picture (``ad_pictures``), or None (for the campaign
    pages' <img>)."""
    from rongmei.media import selectors as media

    asset = ad_pictures().filter(pk=asset_id).prefetch_related("renditions").first()
    return media.thumbnail(asset) if asset is not None else None


def hits_by_creative(campaign: Campaign) -> dict:
    """The stored hits grouped: ``{None: [hits of the name], creative id: [hits of its text and link]}``."""
    groups: dict = {}
    for hit in campaign.safety_hits or []:
        groups.setdefault(hit.get("creative"), []).append(hit)
    return groups
