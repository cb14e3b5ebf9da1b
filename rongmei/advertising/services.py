"""Every change to an ad campaign goes through one function here: who may, the change, the audit
line (with the state before and after) in the same transaction.

The state machine (rongmei.advertising.models): ``draft → in_review → approved``; ``in_review →
draft`` (sent back with a reason); ``approved ⇄ paused``; ``ended`` from any state. The campaign's
fields and its creatives change only in draft.

Who may do what (decided for issue 11):

- *Manage* (create, edit, add and remove creatives, send to review): operations staff and
  administrators (rongmei.business.permissions.may_manage). A creative's picture comes from the
  pictures operations staff or administrators uploaded, or one a creative already uses
  (``ad_pictures``): the newsroom's library (unpublished news photos) is not theirs to browse.
- *Review* (approve, send back): the chief editor and administrators always; operations staff only
  a campaign whose texts have no content-safety or ad-law hit. A hit is a judgement about what the
  center publishes, which is the chief editor's (总编辑负责制), not a sales decision.
  Approving despite hits needs a written reason (kept in ``review_note`` and in the audit line) and
  a reviewer who did not create the campaign. A hit-free campaign may be approved by its creator:
  the machine check found nothing and the small operations team must be able to run alone.
- *Take down* (pause, end): managers and the chief editor (an ad that should not show is as urgent
  as a story to retract). *Resume* (``may_resume``): who paused is kept (``Campaign.paused_by``);
  a pause by the chief editor or an administrator is lifted only by the chief editor or an
  administrator (operations staff do not overrule the chief editor's take-down); a pause by
  operations staff, by operations staff and administrators, as before.

Content safety: ``submit_for_review`` scans the campaign's name and each creative's text and link
with rongmei.core.safety (the house lists plus the opt-in ad-law category ``safety.AD_LAW`` of
migration 0003, severity ``flag``; opt-in because 最 and 第一 would hold readers' comments
everywhere else) and keeps the hits with their context in ``Campaign.safety_hits``. Hits never refuse the
submission (the law's words are often innocent in context: the reviewer judges); a ``block`` hit,
like a ``flag`` one, needs the chief editor or an administrator with a reason.

Links: a creative's link is a page of this site or an http(s) address (``clean_link``), never a
page of the management area, the API or the accounts (/ops/ — the ad's own click URL would loop
and count the click again —, /api/, /accounts/, /admin/). A link that leaves the site is a hit of
its own at ``submit_for_review`` (category ``外部链接``, the host as context): where the money goes
is the reviewer's judgement as much as the words, so one operations staffer cannot create and
approve a campaign sending readers to any host. The hosts of ``settings.RONGMEI_AD_LINK_HOSTS``
(default none; ``"shop.example.com"`` that host, ``".example.com"`` the domain and its subdomains)
are trusted and raise no hit."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http.request import validate_host
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.accounts.models import Role
from rongmei.advertising import selectors
from rongmei.advertising.models import AdSlot, Campaign, Creative
from rongmei.business.permissions import may_manage, require_manager
from rongmei.core import audit, safety
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.input import clean_text, strip_controls

State = Campaign.State

TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.IN_REVIEW, State.ENDED}),
    State.IN_REVIEW: frozenset({State.APPROVED, State.DRAFT, State.ENDED}),
    State.APPROVED: frozenset({State.PAUSED, State.ENDED}),
    State.PAUSED: frozenset({State.APPROVED, State.ENDED}),
    State.ENDED: frozenset(),
}
REVIEWER_ROLES = (Role.CHIEF_EDITOR, Role.ADMIN)  # approve anything (hits with a reason)
TAKE_DOWN_ROLES = (Role.OPERATIONS, Role.ADMIN, Role.CHIEF_EDITOR)  # pause, end
REVIEW_ROLES = (Role.CHIEF_EDITOR, Role.ADMIN, Role.OPERATIONS)  # send back
AD_CHECK = frozenset({safety.AD_LAW})  # the opt-in categories an ad is checked against as well
MAX_CAP = 50
MAX_CREATIVES = 10
CONTEXT_CHARS = 12  # characters of context on each side of a hit
# The site's own areas an ad may not lead to: /ops/c/<id>/ is the ad's click URL itself.
CLOSED_AREAS = frozenset({"ops", "api", "accounts", "admin"})
EXTERNAL_LINK = "外部链接"  # the hit category of a link that leaves the site (a name people read, like 广告法禁用语)
_url = URLValidator(schemes=["http", "https"])


# --- who may ---------------------------------------------------------------------------------------------


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_review(user, campaign: Campaign | None = None) -> bool:
    """Approve or send back: the chief editor and administrators; operations staff a hit-free
    campaign. (Whether *this* reviewer may approve despite hits is checked by ``approve``.)"""
    if not _active(user):
        return False
    if user.role in REVIEWER_ROLES:
        return True
    return user.role == Role.OPERATIONS and campaign is not None and not campaign.safety_hits


def may_take_down(user) -> bool:
    return _active(user) and user.role in TAKE_DOWN_ROLES


def may_resume(user, campaign: Campaign) -> bool:
    """Lift a pause: the chief editor or an administrator when one of them paused the campaign;
    else operations staff and administrators. (Not the state: ``resume`` checks that.)"""
    if not _active(user):
        return False
    pauser = campaign.paused_by
    if pauser is not None and pauser.role in REVIEWER_ROLES:
        return user.role in REVIEWER_ROLES
    return may_manage(user)


# --- input -----------------------------------------------------------------------------------------------


def _own_hosts() -> list[str]:
    """This site's host names, as ``validate_host`` patterns: the public address's and those of
    ALLOWED_HOSTS (but "*", which would make every host ours)."""
    public = urlsplit(settings.RONGMEI["PUBLIC_URL"]).hostname
    hosts = [h.lower() for h in settings.ALLOWED_HOSTS if h and h != "*"]
    return [*hosts, public.lower()] if public else hosts


def _host(link: str) -> str:
    """The host of an http(s) address, lower case, an IPv6 address in brackets ("" for a path)."""
    host = (urlsplit(link).hostname or "").lower()
    return f"[{host}]" if ":" in host else host


def is_external(link: str) -> bool:
    """Whether a cleaned link leaves this site (an http(s) address of another host)."""
    return not link.startswith("/") and not validate_host(_host(link), _own_hosts())


def _closed_area(path: str) -> bool:
    """Whether a path of this site is in an area an ad may not lead to, as the server resolves
    it: percent-escapes decoded, dot segments and doubled slashes collapsed, any case."""
    resolved = posixpath.normpath("/" + unquote(path).replace("\\", "/").lstrip("/"))
    first = resolved.lstrip("/").split("/", 1)[0].lower()
    return first in CLOSED_AREAS


def clean_link(value: str | None) -> str:
    """A page of this site ("/…", not "//host") or an http(s) address; nothing else (javascript:,
    data:, mailto: …), and no page of /ops/, /api/, /accounts/ or /admin/ (by path or by this
    site's address): the ad's own click URL would loop and count the click again."""
    link = strip_controls(value).strip()
    if not link:
        raise DomainError(_("Enter where a click on the ad leads."), field="link")
    if len(link) > Creative._meta.get_field("link").max_length:
        raise DomainError(_("The link is too long."), field="link")
    message = _("The link must be a page of this site (starting with /) or an address starting with http:// or https://.")
    if link.startswith("/") and not link.startswith("//"):
        if any(ch.isspace() or ch == "\\" for ch in link):
            raise DomainError(message, field="link")
        path = urlsplit(link).path
    else:
        try:
            _url(link)
        except ValidationError:
            raise DomainError(message, field="link") from None
        path = urlsplit(link).path if not is_external(link) else ""
    if path and _closed_area(path):
        raise DomainError(
            _("An ad may not lead into the management area, the API or the accounts (/ops/, /api/, /accounts/, /admin/)."),
            field="link",
        )
    return link


def _schedule(starts_at, ends_at) -> tuple[dt.datetime, dt.datetime]:
    if not isinstance(starts_at, dt.datetime):
        raise DomainError(_("Give the time the campaign starts."), field="starts_at")
    if not isinstance(ends_at, dt.datetime):
        raise DomainError(_("Give the time the campaign ends."), field="ends_at")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("campaign times must be timezone-aware")
    if ends_at <= starts_at:
        raise DomainError(_("The campaign must end after it starts."), field="ends_at")
    if ends_at <= timezone.now():
        raise DomainError(_("The end of the campaign is past."), field="ends_at")
    return starts_at, ends_at


def _cap(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAP:
        raise DomainError(_("The frequency cap must be a whole number from 1 to %(n)s.") % {"n": MAX_CAP}, field="frequency_cap")
    return value


def _fields(*, client, project, name, slot, starts_at, ends_at, frequency_cap) -> dict:
    if client is None:
        raise DomainError(_("Choose the client."), field="client")
    if project is not None and project.client_id != client.pk:
        raise DomainError(_("That project belongs to another client."), field="project")
    if slot is None or not isinstance(slot, AdSlot):
        raise DomainError(_("Choose the ad slot."), field="slot")
    if not slot.active:
        raise DomainError(_("The slot %(s)s is not in use.") % {"s": slot.name}, field="slot")
    starts_at, ends_at = _schedule(starts_at, ends_at)
    return {
        "client": client,
        "project": project,
        "name": clean_text(name, field="name", label=_("Name"), min_len=2, max_len=100),
        "slot": slot,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "frequency_cap": _cap(frequency_cap),
    }


# --- the state machine -----------------------------------------------------------------------------------


def _lock(campaign: Campaign) -> Campaign:
    # of=("self",): lock the campaign only (PostgreSQL refuses FOR UPDATE on a nullable join,
    # and the client's and slot's rows must stay free for other campaigns' take-downs).
    return Campaign.objects.select_for_update(of=("self",)).select_related("client", "slot").get(pk=campaign.pk)


def _state_label(state: str) -> str:
    return str(State(state).label)


def _require_draft(campaign: Campaign) -> None:
    if campaign.state != State.DRAFT:
        raise StateConflict(
            _("The campaign is %(state)s; it changes only as a draft (send it back to draft first).")
            % {"state": _state_label(campaign.state)}
        )


def _move(campaign: Campaign, to: str, *, actor, action: str, summary: str, data: dict | None = None, **changes) -> Campaign:
    """Call with the campaign locked (``_lock``), inside the transaction."""
    current = campaign.state
    if to not in TRANSITIONS[current]:
        raise StateConflict(_("The campaign is %(state)s; that cannot be done now.") % {"state": _state_label(current)})
    for name, value in changes.items():
        setattr(campaign, name, value)
    campaign.state = to
    campaign.save()
    audit.record(action, actor=actor, subject=campaign, summary=summary, from_state=current, to_state=to, data=data)
    return campaign


# --- campaigns -------------------------------------------------------------------------------------------


@transaction.atomic
def create_campaign(
    *,
    actor,
    client,
    name: str,
    slot: AdSlot,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    frequency_cap: int = 3,
    columns: Iterable = (),
    project=None,
) -> Campaign:
    """A draft campaign of a client (sold alone or with one of the client's projects). No target
    columns: the slot everywhere."""
    require_manager(actor)
    fields = _fields(
        client=client, project=project, name=name, slot=slot, starts_at=starts_at, ends_at=ends_at, frequency_cap=frequency_cap
    )
    campaign = Campaign.objects.create(created_by=actor, **fields)
    columns = list(columns or ())
    campaign.columns.set(columns)
    audit.record(
        "advertising.create",
        actor=actor,
        subject=campaign,
        summary=_("Campaign created: %(n)s for %(c)s") % {"n": campaign.name, "c": client.name},
        to_state=campaign.state,
        data={"client": client.pk, "slot": slot.code, "columns": [c.pk for c in columns]},
    )
    return campaign


@transaction.atomic
def update_campaign(
    *,
    actor,
    campaign: Campaign,
    client,
    name: str,
    slot: AdSlot,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    frequency_cap: int,
    columns: Iterable = (),
    project=None,
) -> Campaign:
    """Change a draft's fields (all of them, as the form sends them)."""
    require_manager(actor)
    campaign = _lock(campaign)
    _require_draft(campaign)
    fields = _fields(
        client=client, project=project, name=name, slot=slot, starts_at=starts_at, ends_at=ends_at, frequency_cap=frequency_cap
    )
    changed = [key for key, value in fields.items() if getattr(campaign, key) != value]
    for key, value in fields.items():
        setattr(campaign, key, value)
    campaign.save()
    columns = list(columns or ())
    if {c.pk for c in columns} != set(campaign.columns.values_list("pk", flat=True)):
        changed.append("columns")
    campaign.columns.set(columns)
    audit.record(
        "advertising.update",
        actor=actor,
        subject=campaign,
        summary=_("Campaign changed: %(n)s") % {"n": campaign.name},
        data={"changed": changed},
    )
    return campaign


@transaction.atomic
def add_creative(*, actor, campaign: Campaign, asset, link: str, alt_text: str) -> Creative:
    """A picture of the media library (an image asset operations staff or an administrator
    uploaded, or one a creative already uses: ``selectors.ad_pictures``) with its link and text,
    to a draft."""
    from rongmei.media.models import Asset

    require_manager(actor)
    campaign = _lock(campaign)
    _require_draft(campaign)
    if not isinstance(asset, Asset):
        raise DomainError(_("Choose a picture from the media library."), field="asset")
    if asset.kind != Asset.Kind.IMAGE:
        raise DomainError(_("%(t)s is not a picture; choose an image from the media library.") % {"t": asset}, field="asset")
    if not selectors.ad_pictures().filter(pk=asset.pk).exists():
        raise DomainError(
            _("This picture is not among the ad pictures: choose one uploaded by operations staff, or upload the client's picture."),
            field="asset",
        )
    link = clean_link(link)
    alt_text = clean_text(alt_text, field="alt_text", label=_("Text"), min_len=2, max_len=60)
    if campaign.creatives.count() >= MAX_CREATIVES:
        raise DomainError(_("A campaign has at most %(n)s creatives.") % {"n": MAX_CREATIVES})
    creative = Creative.objects.create(campaign=campaign, asset=asset, link=link, alt_text=alt_text)
    audit.record(
        "advertising.add_creative",
        actor=actor,
        subject=campaign,
        summary=_("Creative added: %(t)s → %(l)s") % {"t": alt_text, "l": link},
        data={"creative": creative.pk, "asset": asset.pk},
    )
    return creative


def add_creative_upload(*, actor, campaign: Campaign, uploaded, link: str, alt_text: str) -> Creative:
    """A creative whose picture the client handed over: the file is stored in the media library
    (rongmei.media.services.ingest_upload: its size limits, content check and renditions) and
    the creative made with it, as ``add_creative``. Who may and the draft state are checked, and
    the link and text cleaned, before any byte is stored; a file that is not a picture is
    refused before it is stored. One transaction, the campaign locked throughout: a refusal after
    the file was stored leaves neither the Asset nor its file, and the renditions are enqueued
    only when it commits. (The lock is held while a picture is copied and checked: a second or
    so for the pictures an ad slot takes.)"""
    from rongmei.media import services as media
    from rongmei.media.models import Asset

    require_manager(actor)
    link = clean_link(link)
    alt_text = clean_text(alt_text, field="alt_text", label=_("Text"), min_len=2, max_len=60)
    if uploaded is None:
        raise DomainError(_("Choose the picture's file."), field="file")
    with transaction.atomic():
        locked = _lock(campaign)  # held until the creative is added: nobody sends it to review meanwhile
        _require_draft(locked)
        if locked.creatives.count() >= MAX_CREATIVES:
            raise DomainError(_("A campaign has at most %(n)s creatives.") % {"n": MAX_CREATIVES})
        try:
            asset = media.ingest_upload(uploader=actor, uploaded=uploaded, title=alt_text, kinds={Asset.Kind.IMAGE})
        except DomainError as e:
            if e.code == "wrong_kind":
                raise DomainError(
                    _("The file is not a picture: upload a JPEG, PNG, GIF or WebP image."), field="file", code="wrong_kind"
                ) from e
            if e.code == "too_large":  # the media library's message, on the form's file input
                raise DomainError(e.message, field="file", code=e.code) from e
            raise
        try:
            return add_creative(actor=actor, campaign=locked, asset=asset, link=link, alt_text=alt_text)
        except Exception:
            media.forget_ingested(asset)  # the row rolls back with this transaction, the file would not
            raise


@transaction.atomic
def remove_creative(*, actor, creative: Creative) -> None:
    require_manager(actor)
    campaign = _lock(creative.campaign)
    _require_draft(campaign)
    creative_id, text = creative.pk, creative.alt_text
    Creative.objects.filter(pk=creative_id).delete()
    audit.record(
        "advertising.remove_creative",
        actor=actor,
        subject=campaign,
        summary=_("Creative removed: %(t)s") % {"t": text},
        data={"creative": creative_id},
    )


# --- content safety --------------------------------------------------------------------------------------


def _hits_of(text: str, *, source: str, creative_id: int | None) -> list[dict]:
    """The hits in one text, each with its context. A hit inside a longer one at the same place
    (最 inside 最好) is left out: the reviewer reads the longer word once."""
    hits = safety.scan(text, include=AD_CHECK)
    kept = [
        h
        for h in hits
        if not any(o is not h and o.start <= h.start and h.end <= o.end and (o.end - o.start) > (h.end - h.start) for o in hits)
    ]
    return [
        {
            "word": h.word,
            "category": h.category,
            "severity": h.severity,
            "before": text[max(0, h.start - CONTEXT_CHARS) : h.start],
            "match": text[h.start : h.end],
            "after": text[h.end : h.end + CONTEXT_CHARS],
            "context": text[max(0, h.start - CONTEXT_CHARS) : h.end + CONTEXT_CHARS],
            "source": source,
            "creative": creative_id,
        }
        for h in kept
    ]


def check_campaign(campaign: Campaign) -> list[dict]:
    """The content-safety and ad-law hits of the campaign's name and its creatives' texts and
    links, and each link leaving the site for a host not trusted (``外部链接``, the host as the
    word and the context), in that order: ``{word, category, severity, before, match, after,
    context, source, creative}`` (source: ``name``, ``text`` or ``link``; creative: its id or
    None)."""
    hits = _hits_of(campaign.name, source="name", creative_id=None)
    for creative in campaign.creatives.order_by("id"):
        hits += _hits_of(creative.alt_text, source="text", creative_id=creative.pk)
        hits += _hits_of(creative.link, source="link", creative_id=creative.pk)
        hits += _external_link_hits(creative.link, creative_id=creative.pk)
    return hits


def trusted_link_hosts() -> list[str]:
    """The hosts of ``settings.RONGMEI_AD_LINK_HOSTS`` (``validate_host`` patterns: "shop.example.com"
    that host only, ".example.com" the domain and its subdomains)."""
    hosts = settings.RONGMEI_AD_LINK_HOSTS
    if isinstance(hosts, str):  # one host given as a string, not a tuple
        hosts = (hosts,)
    return [h.strip().lower() for h in hosts if h and h.strip() and h.strip() != "*"]


def _external_link_hits(link: str, *, creative_id: int) -> list[dict]:
    """A link to another site's host not among the trusted ones is a hit (category ``外部链接``,
    severity ``flag``), so that the chief editor or an administrator other than the creator
    approves it with a reason: where an ad sends the readers is judged like its words."""
    if not is_external(link):
        return []
    host = _host(link)
    if validate_host(host, trusted_link_hosts()):
        return []
    return [
        {
            "word": host,
            "category": EXTERNAL_LINK,
            "severity": "flag",
            "before": "",
            "match": host,
            "after": "",
            "context": host,
            "source": "link",
            "creative": creative_id,
        }
    ]


@transaction.atomic
def submit_for_review(*, actor, campaign: Campaign) -> Campaign:
    """Draft → in review, with the content-safety check's hits kept for the reviewer."""
    require_manager(actor)
    campaign = _lock(campaign)
    _require_draft(campaign)
    if not campaign.creatives.exists():
        raise DomainError(_("Add at least one creative before sending the campaign to review."))
    hits = check_campaign(campaign)
    words = sorted({h["word"] for h in hits})
    summary = _("Sent to review") if not hits else _("Sent to review with %(n)s hits: %(w)s") % {"n": len(hits), "w": "、".join(words)}
    return _move(
        campaign,
        State.IN_REVIEW,
        actor=actor,
        action="advertising.submit",
        summary=summary,
        data={"hits": len(hits), "words": words},
        safety_hits=hits,
        review_note="",
        reviewed_by=None,
    )


@transaction.atomic
def approve(*, actor, campaign: Campaign, note: str = "") -> Campaign:
    """In review → approved. With hits: the chief editor or an administrator who did not create
    the campaign, with a written reason."""
    campaign = _lock(campaign)
    hits = campaign.safety_hits or []
    if not may_review(actor, campaign):
        if _active(actor) and actor.role == Role.OPERATIONS:
            raise NotAllowed(_("The campaign has content-safety hits; only the chief editor or an administrator may approve it."))
        raise NotAllowed(_("Only the chief editor, an administrator or operations staff may approve campaigns."))
    if campaign.state != State.IN_REVIEW:
        raise StateConflict(_("The campaign is %(state)s; that cannot be done now.") % {"state": _state_label(campaign.state)})
    if hits:
        if campaign.created_by_id == actor.pk:
            raise NotAllowed(_("The campaign has content-safety hits; someone other than its creator must approve it."))
        note = clean_text(note, field="note", label=_("Reason for approving despite the hits"), min_len=4, max_len=300)
    else:
        note = clean_text(note, field="note", label=_("Note"), max_len=300, required=False)
    if campaign.ends_at <= timezone.now():
        raise StateConflict(_("The end of the campaign is past; send it back to draft and change its schedule."))
    words = sorted({h["word"] for h in hits})
    if hits:
        summary = _("Approved despite %(n)s hits (%(w)s): %(r)s") % {"n": len(hits), "w": "、".join(words), "r": note}
    else:
        summary = _("Approved") if not note else _("Approved: %(r)s") % {"r": note}
    return _move(
        campaign,
        State.APPROVED,
        actor=actor,
        action="advertising.approve",
        summary=summary,
        data={"hits": len(hits), "words": words, "reason": note},
        review_note=note,
        reviewed_by=actor,
    )


@transaction.atomic
def send_back(*, actor, campaign: Campaign, reason: str) -> Campaign:
    """In review → draft, with the reason the creator reads."""
    campaign = _lock(campaign)
    if not (_active(actor) and actor.role in REVIEW_ROLES):
        raise NotAllowed(_("Only the chief editor, an administrator or operations staff may review campaigns."))
    if campaign.state != State.IN_REVIEW:
        raise StateConflict(_("The campaign is %(state)s; that cannot be done now.") % {"state": _state_label(campaign.state)})
    reason = clean_text(reason, field="reason", label=_("Reason"), min_len=2, max_len=300)
    return _move(
        campaign,
        State.DRAFT,
        actor=actor,
        action="advertising.send_back",
        summary=_("Sent back to draft: %(r)s") % {"r": reason},
        data={"reason": reason},
        review_note=reason,
        reviewed_by=actor,
    )


def _note(note: str) -> str:
    return clean_text(note, field="note", label=_("Note"), max_len=300, required=False)


@transaction.atomic
def pause(*, actor, campaign: Campaign, note: str = "") -> Campaign:
    if not may_take_down(actor):
        raise NotAllowed(_("Only operations staff and the chief editor may pause a campaign."))
    campaign = _lock(campaign)
    note = _note(note)
    summary = _("Paused") if not note else _("Paused: %(r)s") % {"r": note}
    return _move(campaign, State.PAUSED, actor=actor, action="advertising.pause", summary=summary, data={"note": note}, paused_by=actor)


@transaction.atomic
def resume(*, actor, campaign: Campaign) -> Campaign:
    """Paused → approved, by whom ``may_resume`` allows (a pause by the chief editor or an
    administrator stays until one of them lifts it)."""
    if not _active(actor) or not (may_manage(actor) or actor.role in REVIEWER_ROLES):
        raise NotAllowed(_("Only operations staff may do this."))
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("client", "slot", "paused_by").get(pk=campaign.pk)
    if campaign.state == State.PAUSED and not may_resume(actor, campaign):
        pauser = campaign.paused_by
        if pauser is not None and pauser.role in REVIEWER_ROLES:
            raise NotAllowed(
                _("The campaign was paused by %(name)s; only the chief editor or an administrator may resume it.")
                % {"name": pauser.display_name}
            )
        raise NotAllowed(_("Only operations staff and administrators may resume a campaign paused by operations staff."))
    pauser = campaign.paused_by_id
    return _move(
        campaign,
        State.APPROVED,
        actor=actor,
        action="advertising.resume",
        summary=_("Resumed"),
        data={"paused_by": pauser},
        paused_by=None,
    )


@transaction.atomic
def end(*, actor, campaign: Campaign, note: str = "") -> Campaign:
    """Ended for good, from any state (a draft given up, a running campaign stopped early)."""
    if not may_take_down(actor):
        raise NotAllowed(_("Only operations staff and the chief editor may end a campaign."))
    campaign = _lock(campaign)
    note = _note(note)
    summary = _("Ended") if not note else _("Ended: %(r)s") % {"r": note}
    return _move(campaign, State.ENDED, actor=actor, action="advertising.end", summary=summary, data={"note": note})


def actions_for(user, campaign: Campaign) -> set[str]:
    """The buttons the campaign page shows this person (the services decide again on click)."""
    state = campaign.state
    manager = may_manage(user)
    actions: set[str] = set()
    if state == State.DRAFT and manager:
        actions |= {"edit", "creatives", "submit"}
    if state == State.IN_REVIEW:
        if may_review(user, campaign) and not (campaign.safety_hits and campaign.created_by_id == getattr(user, "pk", None)):
            actions.add("approve")
        if _active(user) and user.role in REVIEW_ROLES:
            actions.add("send_back")
    # An expired campaign (its end passed) is neither paused nor resumed: it runs no more either way.
    expired = campaign.is_expired()
    if state == State.APPROVED and not expired and may_take_down(user):
        actions.add("pause")
    if state == State.PAUSED and not expired and may_resume(user, campaign):
        actions.add("resume")
    if state != State.ENDED and may_take_down(user):
        actions.add("end")
    return actions
