"""The points store, the staff's side: the items on offer (name, points, stock) and the exchanges
volunteers made from their phone (services.exchange), handed over at the practice center
(collected) or cancelled with a reason, which returns the points once and puts the item back.

Stock changes under the item's row lock, like services.exchange, so an exchange, a cancellation
and a staff member's edit never overwrite each other's count."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.exceptions import DomainError, StateConflict
from rongmei.core.input import clean_text
from rongmei.practice.models import Exchange, LedgerEntry, StoreItem, Volunteer
from rongmei.practice.services import _require_coordinator, _tell_fan, _whole, audit_ref, credit

MAX_POINTS = 1_000_000
MAX_STOCK = 1_000_000


# --- items ------------------------------------------------------------------------------------------


@transaction.atomic
def save_item(
    *,
    actor,
    item: StoreItem | None = None,
    name: str,
    description: str = "",
    points,
    stock,
    active: bool = True,
    stock_was: int | None = None,
) -> StoreItem:
    """Create an item (``item`` None) or change one. ``stock_was`` is the stock the editing form
    showed: when volunteers exchanged (or staff cancelled) meanwhile, the stock typed would undo
    their change, so the edit is refused with the count as it is now."""
    _require_coordinator(actor)
    name = clean_text(name, field="name", label=_("Name"), max_len=40)
    description = clean_text(description, field="description", label=_("Description"), max_len=200, required=False)
    points = _whole(points, field="points", low=1, high=MAX_POINTS, message=_("Points lie between 1 and 1,000,000."))
    stock = _whole(stock, field="stock", low=0, high=MAX_STOCK, message=_("The stock lies between 0 and 1,000,000."))
    active = bool(active)
    if item is not None:
        item = StoreItem.objects.select_for_update().get(pk=item.pk)
        if stock_was is not None and item.stock != stock_was and item.stock != stock:
            raise DomainError(
                _("The stock changed to %(n)s while you edited (an exchange or a cancellation): check it and save again.")
                % {"n": item.stock},
                field="stock",
                code="stock_changed",
            )
    clashing = StoreItem.objects.filter(name__iexact=name)
    if item is not None:
        clashing = clashing.exclude(pk=item.pk)
    if clashing.exists():
        raise DomainError(_("The store has an item named %(n)s already.") % {"n": name}, field="name")
    before = None if item is None else {"name": item.name, "points": item.points, "stock": item.stock, "active": item.active}
    if item is None:
        item = StoreItem(name=name, description=description, points=points, stock=stock, active=active)
    else:
        item.name, item.description, item.points, item.stock, item.active = name, description, points, stock, active
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # Someone saved the same name between the check and the save.
        raise DomainError(_("The store has an item named %(n)s already.") % {"n": name}, field="name") from None
    after = {"name": name, "points": points, "stock": stock, "active": active}
    if before is None:
        summary = _("Store item added: %(n)s, %(p)s points, %(s)s in stock") % {"n": name, "p": points, "s": stock}
    else:
        summary = _("Store item changed: %(n)s, %(p)s points, %(s)s in stock") % {"n": name, "p": points, "s": stock}
    audit.record("practice.store_item", actor=actor, subject=item, summary=summary, data={"before": before, "after": after})
    return item


# --- exchanges ----------------------------------------------------------------------------------------


def _locked_exchange(exchange: Exchange) -> Exchange:
    return Exchange.objects.select_for_update(of=("self",)).select_related("item", "volunteer__fan").get(pk=exchange.pk)


def _require_ordered(exchange: Exchange) -> None:
    if exchange.state != Exchange.State.ORDERED:
        raise StateConflict(
            _("This exchange was handled already (%(s)s).") % {"s": exchange.get_state_display()},
        )


@transaction.atomic
def collect_exchange(*, actor, exchange: Exchange) -> Exchange:
    """The volunteer came to the practice center and took the item."""
    _require_coordinator(actor)
    exchange = _locked_exchange(exchange)
    _require_ordered(exchange)
    now = timezone.now()
    exchange.state, exchange.collected_at, exchange.handled_by, exchange.handled_at = Exchange.State.COLLECTED, now, actor, now
    exchange.save(update_fields=["state", "collected_at", "handled_by", "handled_at"])
    audit.record(
        "practice.exchange_collect",
        actor=actor,
        subject=exchange,
        summary=_("%(v)s collected %(i)s") % {"v": audit_ref(exchange.volunteer), "i": exchange.item.name},
        from_state=Exchange.State.ORDERED,
        to_state=exchange.state,
    )
    return exchange


@transaction.atomic
def cancel_exchange(*, actor, exchange: Exchange, reason: str) -> Exchange:
    """Cancel an exchange not yet collected: the points it cost come back to the volunteer (once:
    the ledger key is the exchange's), the item goes back in stock, and the volunteer is told
    why on their phone."""
    _require_coordinator(actor)
    reason = clean_text(reason, field="reason", label=_("Reason"), min_len=2, max_len=300)
    # Lock in the order services.exchange does (volunteer, then item), so a volunteer exchanging
    # while the staff cancel their earlier exchange waits instead of deadlocking on PostgreSQL.
    Volunteer.objects.select_for_update().filter(pk__in=Exchange.objects.filter(pk=exchange.pk).values("volunteer_id")).first()
    exchange = _locked_exchange(exchange)
    _require_ordered(exchange)
    item = StoreItem.objects.select_for_update().get(pk=exchange.item_id)
    item.stock += 1
    item.save(update_fields=["stock"])
    exchange.state, exchange.cancel_reason, exchange.handled_by = Exchange.State.CANCELLED, reason, actor
    exchange.handled_at = timezone.now()
    exchange.save(update_fields=["state", "cancel_reason", "handled_by", "handled_at"])
    volunteer = exchange.volunteer
    # The volunteer reads the ledger line and the message in the app: in the site's language,
    # not the staff member's.
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Exchange cancelled: %(i)s") % {"i": item.name}
        text = _("Your exchange of %(i)s was cancelled and its %(n)s points returned: %(r)s") % {
            "i": item.name,
            "n": exchange.points,
            "r": reason,
        }
    credit(volunteer, kind=LedgerEntry.Kind.POINTS, amount=Decimal(exchange.points), key=f"exchange-refund:{exchange.pk}", note=note)
    audit.record(
        "practice.exchange_cancel",
        actor=actor,
        subject=exchange,
        summary=_("Exchange of %(i)s by %(v)s cancelled, %(n)s points returned: %(r)s")
        % {"i": item.name, "v": audit_ref(volunteer), "n": exchange.points, "r": reason},
        from_state=Exchange.State.ORDERED,
        to_state=exchange.state,
    )
    _tell_fan(volunteer.fan, text, "/practice/me/")
    return exchange
