"""The one write path of the civic app: the service directory's items, proposals and their states,
and app users' letters to deputies and CPPCC members.

Who may change things: operators, administrators and the chief editor (``can_manage``); ``actor=None``
is the server itself (the demo seed, a management command). Every change writes the audit log in
its own transaction; proposal state changes also write the public timeline (ProposalEvent).

Letter rate limits live in Django's cache (Redis when scaled, so they hold across processes) as
lists of submission times, like the SMS-code limits of rongmei.fans.services.
"""

from __future__ import annotations

import datetime as dt
import logging
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.accounts.models import Role
from rongmei.civic.models import CouncilLetter, CouncilMember, Proposal, ProposalEvent, ServiceItem
from rongmei.core import audit, ratelimit, safety
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.input import strip_controls
from rongmei.fans.models import Fan
from rongmei.fans.notify import notify_fan
from rongmei.fans.services import Throttled

log = logging.getLogger(__name__)

MANAGER_ROLES = (Role.OPERATOR, Role.ADMIN, Role.CHIEF_EDITOR)

Status = Proposal.Status
# Where a proposal may go from each state. An unsatisfied member may send an answered proposal back
# to handling (再次办理); not accepted and closed are final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.SUBMITTED: (Status.ACCEPTED, Status.NOT_ACCEPTED),
    Status.ACCEPTED: (Status.HANDLING,),
    Status.HANDLING: (Status.ANSWERED,),
    Status.ANSWERED: (Status.CLOSED, Status.HANDLING),
    Status.NOT_ACCEPTED: (),
    Status.CLOSED: (),
}

REPLY_MAX = 10000
NOTE_MAX = 2000

# Letters: (min, max) characters, after trimming spaces.
LETTER_TITLE = (5, 40)
LETTER_BODY = (10, 2000)
LETTER_LOCATION = (2, 40)
# (window in seconds, most letters in it)
FAN_GAP = 60
FAN_DAY = (24 * 3600, 5)
ADDRESS_HOUR = (3600, 20)
RECEIPT_PREFIX = "XJ"


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str) -> None:
        super().__init__(message, code="not_found")


def can_manage(user) -> bool:
    """Operators, administrators, the chief editor and superusers keep the directory and the councils."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or getattr(user, "role", "") in MANAGER_ROLES)


def _check_actor(actor) -> None:
    if actor is not None and not can_manage(actor):
        raise NotAllowed(_("Only operators may change the service directory and the council pages."))


def _validated(obj) -> None:
    """Model validation as a DomainError naming the first field, for callers outside a form."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from exc


# --- the service directory ------------------------------------------------------------------------


def save_service_item(*, actor, item: ServiceItem) -> ServiceItem:
    """Create or update a directory item (validated: http/https links, telephone numbers)."""
    _check_actor(actor)
    created = item.pk is None
    _validated(item)
    with transaction.atomic():
        item.save()
        audit.record(
            "civic.service.create" if created else "civic.service.update",
            actor=actor,
            subject=item,
            summary=(_("Service item added: %(name)s") if created else _("Service item changed: %(name)s")) % {"name": item.name},
            data={"active": item.active},
        )
    return item


def save_member(*, actor, member: CouncilMember) -> CouncilMember:
    _check_actor(actor)
    created = member.pk is None
    _validated(member)
    with transaction.atomic():
        member.save()
        audit.record(
            "civic.member.create" if created else "civic.member.update",
            actor=actor,
            subject=member,
            summary=_("Council member saved: %(name)s") % {"name": member.name},
            data={"kind": member.kind, "active": member.active},
        )
    return member


# --- proposals --------------------------------------------------------------------------------------


def check_signers(kind: str, lead: CouncilMember | None, co_signers, proposer: str) -> None:
    """A proposal has a lead proposer or a proposing group; everyone who signs sits in its council."""
    if lead is None and not (proposer or "").strip():
        raise DomainError(_("Choose the lead proposer, or enter the proposing group."), field="lead")
    if lead is not None and lead.kind != kind:
        raise DomainError(_("The lead proposer belongs to the other council."), field="lead")
    others = [m.name for m in co_signers if m.kind != kind]
    if others:
        raise DomainError(_("These co-signers belong to the other council: %(names)s") % {"names": "、".join(others)}, field="co_signers")


def create_proposal(*, actor, proposal: Proposal, co_signers=()) -> Proposal:
    """Register a submitted proposal: saved as 已提交 with the first step of its timeline."""
    _check_actor(actor)
    if proposal.pk is not None:
        raise StateConflict(_("This proposal is already registered."))
    _validated(proposal)
    check_signers(proposal.kind, proposal.lead, co_signers, proposal.proposer)
    _check_day(proposal.submitted_on, field="submitted_on")
    with transaction.atomic():
        proposal.status = Status.SUBMITTED
        proposal.save()
        proposal.co_signers.set([m for m in co_signers if m.pk != proposal.lead_id])
        ProposalEvent.objects.create(proposal=proposal, status=Status.SUBMITTED, on=proposal.submitted_on)
        audit.record(
            "civic.proposal.create",
            actor=actor,
            subject=proposal,
            summary=_("Registered %(number)s %(title)s") % {"number": proposal.number, "title": proposal.title},
            to_state=Status.SUBMITTED,
        )
    return proposal


def update_proposal(*, actor, proposal: Proposal, co_signers=None) -> Proposal:
    """Save changed details (title, content, unit …). The state is not changed here."""
    _check_actor(actor)
    _validated(proposal)
    if co_signers is not None:
        check_signers(proposal.kind, proposal.lead, co_signers, proposal.proposer)
    with transaction.atomic():
        proposal.save()
        if co_signers is not None:
            proposal.co_signers.set([m for m in co_signers if m.pk != proposal.lead_id])
        audit.record(
            "civic.proposal.update",
            actor=actor,
            subject=proposal,
            summary=_("Changed %(number)s %(title)s") % {"number": proposal.number, "title": proposal.title},
        )
    return proposal


def _check_day(day: dt.date | None, *, field: str, not_before: dt.date | None = None) -> dt.date:
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise DomainError(_("The date cannot be in the future."), field=field)
    if not_before is not None and day < not_before:
        raise DomainError(
            _("The date cannot be before the proposal was submitted (%(day)s).") % {"day": not_before.isoformat()}, field=field
        )
    return day


def allowed_next(proposal: Proposal) -> tuple[str, ...]:
    return TRANSITIONS.get(proposal.status, ())


def change_proposal_status(
    *,
    actor,
    proposal: Proposal,
    to: str,
    on: dt.date | None = None,
    note: str = "",
    reply: str = "",
    handling_unit: str = "",
) -> Proposal:
    """Move a proposal one step along its state machine (see TRANSITIONS).

    - not_accepted needs the reason (``note``), shown to the public;
    - answered needs the ``reply``; ``on`` is the day of the reply;
    - accepted may set the handling unit.
    ``on`` (default today) may not lie in the future or before the submission. Raises
    StateConflict for a step the current state does not allow."""
    _check_actor(actor)
    try:
        to = Status(to)
    except ValueError:
        raise DomainError(_("Unknown status."), field="status") from None
    note = (note or "").strip()
    reply = (reply or "").strip()
    handling_unit = (handling_unit or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_("The note can have at most %(n)s characters.") % {"n": NOTE_MAX}, field="note")
    if len(reply) > REPLY_MAX:
        raise DomainError(_("The reply can have at most %(n)s characters.") % {"n": REPLY_MAX}, field="reply")
    if len(handling_unit) > 200:
        raise DomainError(_("The handling unit can have at most %(n)s characters.") % {"n": 200}, field="handling_unit")
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        current = locked.status
        if to not in TRANSITIONS.get(current, ()):
            raise StateConflict(
                _("A proposal that is “%(current)s” cannot become “%(to)s”.") % {"current": Status(current).label, "to": Status(to).label}
            )
        day = _check_day(on, field="on", not_before=locked.submitted_on)
        if to == Status.NOT_ACCEPTED:
            if not note:
                raise DomainError(_("Give the reason why it is not accepted."), field="note")
            locked.not_accepted_reason = note
        if to == Status.ACCEPTED and handling_unit:
            locked.handling_unit = handling_unit
        if to == Status.HANDLING and not (locked.handling_unit or handling_unit):
            raise DomainError(_("Enter the handling unit first."), field="handling_unit")
        if to == Status.HANDLING and handling_unit:
            locked.handling_unit = handling_unit
        if to == Status.ANSWERED:
            if not reply:
                raise DomainError(_("Enter the reply."), field="reply")
            locked.reply = reply
            locked.replied_on = day
            locked.satisfaction = ""  # a new reply is judged anew
        locked.status = to
        locked.save()
        ProposalEvent.objects.create(proposal=locked, status=to, on=day, note=note)
        audit.record(
            f"civic.proposal.{to}",
            actor=actor,
            subject=locked,
            summary=_("%(number)s: %(from)s → %(to)s") % {"number": locked.number, "from": Status(current).label, "to": Status(to).label},
            from_state=current,
            to_state=to,
            data={"on": day.isoformat(), "note": note[:200]},
        )
    proposal.refresh_from_db()
    return proposal


def record_satisfaction(*, actor, proposal: Proposal, satisfaction: str) -> Proposal:
    """The proposer's verdict on the reply (满意 / 基本满意 / 不满意), once there is a reply."""
    _check_actor(actor)
    if satisfaction not in Proposal.Satisfaction.values:
        raise DomainError(_("Choose satisfied, basically satisfied or not satisfied."), field="satisfaction")
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status not in (Status.ANSWERED, Status.CLOSED):
            raise StateConflict(_("Satisfaction can be recorded only after the reply."))
        before = locked.satisfaction
        locked.satisfaction = satisfaction
        locked.save(update_fields=["satisfaction", "updated_at"])
        audit.record(
            "civic.proposal.satisfaction",
            actor=actor,
            subject=locked,
            summary=_("%(number)s: satisfaction %(value)s") % {"number": locked.number, "value": locked.get_satisfaction_display()},
            data={"from": before, "to": satisfaction},
        )
    proposal.refresh_from_db()
    return proposal


# --- letters to deputies and members ---------------------------------------------------------------


def _fan_key(fan_id: int) -> str:
    return f"civic:letters:fan:{fan_id}"


def _address_key(ip: str) -> str:
    return f"civic:letters:addr:{ip}"


def _check_limits(fan_id: int, ip: str | None, now: float) -> None:
    sent = ratelimit.recent(_fan_key(fan_id), FAN_DAY[0], now)
    if sent and now - sent[-1] < FAN_GAP:
        wait = FAN_GAP - (now - sent[-1])
        raise Throttled(
            _("You sent a letter just now. Try again in %(wait)s.") % {"wait": ratelimit.wait_words(wait)}, retry_after=math.ceil(wait)
        )
    if len(sent) >= FAN_DAY[1]:
        wait = FAN_DAY[0] - (now - sent[-FAN_DAY[1]])
        raise Throttled(
            _("You have sent %(n)s letters today, the most we take in a day. Try again in %(wait)s.")
            % {"n": FAN_DAY[1], "wait": ratelimit.wait_words(wait)},
            retry_after=math.ceil(wait),
        )
    if ip:
        asked = ratelimit.recent(_address_key(ip), ADDRESS_HOUR[0], now)
        if len(asked) >= ADDRESS_HOUR[1]:
            wait = ADDRESS_HOUR[0] - (now - asked[-ADDRESS_HOUR[1]])
            raise Throttled(
                _("Too many letters were sent from your network. Try again in %(wait)s.") % {"wait": ratelimit.wait_words(wait)},
                retry_after=math.ceil(wait),
            )


def _text(value: str | None, *, field: str, label, bounds: tuple[int, int]) -> str:
    value = strip_controls(value).strip()
    low, high = bounds
    if not value:
        raise DomainError(_("Enter the %(label)s.") % {"label": label}, field=field, code="required")
    if len(value) < low:
        raise DomainError(_("The %(label)s needs at least %(n)s characters.") % {"label": label, "n": low}, field=field)
    if len(value) > high:
        raise DomainError(_("The %(label)s can have at most %(n)s characters.") % {"label": label, "n": high}, field=field)
    return value


def letter_member(member_id: int) -> CouncilMember:
    """The member a letter may be written to: shown, and taking letters."""
    member = CouncilMember.objects.filter(pk=member_id, active=True).first()
    if member is None:
        raise NotFound(_("This deputy or member was not found."))
    if not member.accepts_letters:
        raise StateConflict(_("%(name)s does not take letters through the app at present.") % {"name": member.name}, code="no_letters")
    return member


def _next_receipt(day: dt.date) -> str:
    prefix = f"{RECEIPT_PREFIX}{day:%Y%m%d}-"
    last = CouncilLetter.objects.filter(receipt__startswith=prefix).order_by("-receipt").values_list("receipt", flat=True).first()
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def submit_letter(*, fan: Fan, member_id: int, title: str, body: str, location: str, is_public: bool, ip: str | None) -> CouncilLetter:
    """Take an app user's letter to a deputy or member and give it a receipt number (XJYYYYMMDD-NNNN).

    The text is screened for sensitive words: hits are stored and the letter flagged for staff,
    never refused or dropped (a citizen's letter reaches a person). A flagged letter is never shown
    on the public page. Raises NotFound/StateConflict (member), DomainError (a field) or Throttled."""
    if fan is None or fan.banned:
        raise NotAllowed(_("This account may not write letters."))
    member = letter_member(member_id)
    title = _text(title, field="title", label=gettext_lazy("subject"), bounds=LETTER_TITLE)
    body = _text(body, field="body", label=gettext_lazy("letter"), bounds=LETTER_BODY)
    location = _text(location, field="location", label=gettext_lazy("town or village"), bounds=LETTER_LOCATION)
    now = timezone.now()
    stamp = now.timestamp()
    _check_limits(fan.pk, ip, stamp)
    hits = safety.scan(f"{title}\n{body}\n{location}")
    letter = None
    # Two letters in the same instant may pick the same number: the unique receipt refuses the
    # second, which takes the next number.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                letter = CouncilLetter.objects.create(
                    receipt=_next_receipt(timezone.localdate(now)),
                    fan=fan,
                    member=member,
                    title=title,
                    body=body,
                    location=location,
                    is_public=bool(is_public),
                    phone_verified=True,  # app users log in with an SMS code
                    safety_hits=[h.as_dict() for h in hits],
                    flagged=bool(hits),
                )
                audit.record(
                    "civic.letter.submit",
                    actor=None,
                    subject=letter,
                    summary=_("Letter %(receipt)s to %(name)s") % {"receipt": letter.receipt, "name": member.name},
                    to_state=CouncilLetter.Status.RECEIVED,
                    data={"fan": fan.pk, "flagged": bool(hits), "words": sorted({h.word for h in hits})[:20]},
                )
            break
        except IntegrityError:
            letter = None
    if letter is None:
        raise StateConflict(_("Too many letters are arriving at this moment. Please send yours again."))
    ratelimit.record(_fan_key(fan.pk), FAN_DAY[0], stamp)
    if ip:
        ratelimit.record(_address_key(ip), ADDRESS_HOUR[0], stamp)
    if hits:
        log.info("Letter %s flagged: %s", letter.receipt, ", ".join(sorted({h.word for h in hits})))
    return letter


def _letter_step(*, actor, letter: CouncilLetter, allowed: tuple[str, ...], to: str, summary, **changes) -> CouncilLetter:
    with transaction.atomic():
        locked = CouncilLetter.objects.select_for_update().get(pk=letter.pk)
        current = locked.status
        if current not in allowed:
            raise StateConflict(
                _("A letter that is “%(current)s” cannot become “%(to)s”.")
                % {"current": CouncilLetter.Status(current).label, "to": CouncilLetter.Status(to).label}
            )
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.status = to
        locked.save()
        audit.record(
            f"civic.letter.{to}",
            actor=actor,
            subject=locked,
            summary=str(summary) % {"receipt": locked.receipt},
            from_state=current,
            to_state=to,
        )
        if to == CouncilLetter.Status.REPLIED and locked.fan is not None:
            # In the site's language: the writer reads it later, not in this staff member's request.
            with translation.override(settings.LANGUAGE_CODE):
                text = _("%(name)s replied to your letter “%(title)s”.") % {"name": locked.member.name, "title": locked.title}
            notify_fan(locked.fan, kind="letter.replied", text=text, url=reverse("civic:letter", args=[locked.receipt]))
    letter.refresh_from_db()
    return letter


def forward_letter(*, actor, letter: CouncilLetter) -> CouncilLetter:
    """The letter has been passed on to the deputy or member (转交)."""
    _check_actor(actor)
    return _letter_step(
        actor=actor,
        letter=letter,
        allowed=(CouncilLetter.Status.RECEIVED,),
        to=CouncilLetter.Status.FORWARDED,
        summary=gettext_lazy("Letter %(receipt)s forwarded"),
        forwarded_at=timezone.now(),
    )


def reply_letter(*, actor, letter: CouncilLetter, reply: str) -> CouncilLetter:
    """Record the member's reply; the writer is told in their notification center."""
    _check_actor(actor)
    reply = _text(reply, field="reply", label=gettext_lazy("reply"), bounds=(2, REPLY_MAX))
    return _letter_step(
        actor=actor,
        letter=letter,
        allowed=(CouncilLetter.Status.RECEIVED, CouncilLetter.Status.FORWARDED),
        to=CouncilLetter.Status.REPLIED,
        summary=gettext_lazy("Letter %(receipt)s replied"),
        reply=reply,
        replied_at=timezone.now(),
    )


def close_letter(*, actor, letter: CouncilLetter) -> CouncilLetter:
    """Done with (办结): after the reply, or without one (a duplicate, an abusive letter)."""
    _check_actor(actor)
    return _letter_step(
        actor=actor,
        letter=letter,
        allowed=(CouncilLetter.Status.RECEIVED, CouncilLetter.Status.FORWARDED, CouncilLetter.Status.REPLIED),
        to=CouncilLetter.Status.CLOSED,
        summary=gettext_lazy("Letter %(receipt)s closed"),
    )


def update_letter_staff_fields(*, actor, letter: CouncilLetter, hidden: bool, staff_note: str) -> CouncilLetter:
    """Hide a public letter from the member's page (or show it again) and keep a staff note."""
    _check_actor(actor)
    with transaction.atomic():
        locked = CouncilLetter.objects.select_for_update().get(pk=letter.pk)
        was_hidden = locked.hidden
        locked.hidden = bool(hidden)
        locked.staff_note = (staff_note or "").strip()[:NOTE_MAX]
        locked.save(update_fields=["hidden", "staff_note"])
        if was_hidden != locked.hidden:
            audit.record(
                "civic.letter.hide" if locked.hidden else "civic.letter.show",
                actor=actor,
                subject=locked,
                summary=(_("Letter %(receipt)s hidden from the public") if locked.hidden else _("Letter %(receipt)s shown to the public"))
                % {"receipt": locked.receipt},
            )
    letter.refresh_from_db()
    return letter
