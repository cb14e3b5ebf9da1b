"""Operations (经营, 造血): clients and their contacts, projects sold to them with their quote,
deliverables, milestones, invoices and payments. Amounts are integers in fen (分), never floats.

Project: ``lead → quoted → contracted → in_progress → delivered → closed``; ``cancelled`` from any
state before ``delivered``. Every change goes through rongmei.business.services; reads through
rongmei.business.selectors (newsroom staff see deliverables only, never money)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rongmei.core.crypto import EncryptedTextField

# --- 统一社会信用代码 (GB 32100-2015) -------------------------------------------------------------

# The 31 characters a code may use: digits and capitals without I, O, Z, S, V.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i (0-based) is 3**i mod 31.
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a code whose first 17 characters are ``first17`` (valid characters)."""
    total = sum(CREDIT_CODE_CHARS.index(char) * weight for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def validate_credit_code(value: str) -> None:
    """18 characters: registration authority, category, the 6-digit division code, the 9-character
    organization code, and the check character computed over the first 17 (GB 32100-2015 §5)."""
    value = normalize_credit_code(value)
    if len(value) != 18 or any(char not in CREDIT_CODE_CHARS for char in value) or not value[2:8].isdigit():
        raise ValidationError(
            _("A unified social credit code has 18 characters: digits and capital letters other than I, O, Z, S and V."),
            code="credit_code_format",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("This unified social credit code is mistyped: its check character does not match."), code="credit_code_check"
        )


# --- clients -----------------------------------------------------------------------------------------


class Client(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government unit")
        ENTERPRISE = "enterprise", _("Enterprise")
        ORGANIZATION = "organization", pgettext_lazy("client kind", "Organization")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code])
    # The 承办单位 record of a government client, when it has one (问政 units).
    unit = models.ForeignKey(
        "inquiries.Unit", verbose_name=_("government unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(pgettext_lazy("client", "notes"), max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~Q(credit_code=""), name="business_client_credit_code_once"),
        ]

    def __str__(self) -> str:
        return self.name


class ClientContact(models.Model):
    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=30)
    # Encrypted at rest (rongmei.core.crypto): personal data.
    phone = EncryptedTextField(pgettext_lazy("client contact", "phone"), max_length=30)
    position = models.CharField(_("position"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["client", "id"]
        verbose_name = _("client contact")
        verbose_name_plural = _("client contacts")

    def __str__(self) -> str:
        return self.name


# --- projects ---------------------------------------------------------------------------------------


class Project(models.Model):
    class Kind(models.TextChoices):
        DOCUMENTARY = "documentary", _("Documentary (feature film)")
        EVENT = "event", _("Event planning and execution")
        LIVE_BROADCAST = "live_broadcast", _("Live broadcast")
        CAMPAIGN = "campaign", _("Publicity campaign")

    class State(models.TextChoices):
        LEAD = "lead", pgettext_lazy("project state", "Lead")
        QUOTED = "quoted", _("Quoted")
        CONTRACTED = "contracted", _("Contracted")
        IN_PROGRESS = "in_progress", _("In progress")
        DELIVERED = "delivered", _("Delivered")
        CLOSED = "closed", pgettext_lazy("project state", "Closed")
        CANCELLED = "cancelled", _("Cancelled")

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="projects")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=100)
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.LEAD, db_index=True)
    # The contract amount, set when the contract is signed (services.sign_contract).
    amount_fen = models.PositiveBigIntegerField(_("contract amount (fen)"), null=True, blank=True)
    signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.title


class QuoteLine(models.Model):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="quote_lines")
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price_fen = models.PositiveBigIntegerField(_("unit price (fen)"))

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="business_quoteline_quantity_positive")]

    def __str__(self) -> str:
        return self.description


class Deliverable(models.Model):
    """A newsroom object the project delivers: a story, a live room or a plan. Exactly one of the
    three links is set, the one its ``kind`` names (checked by the database)."""

    class Kind(models.TextChoices):
        STORY = "story", _("Story")
        LIVE_ROOM = "live_room", _("Live room")
        PLAN = "plan", _("Plan")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="deliverables")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    story = models.ForeignKey("newsroom.Story", verbose_name=_("story"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    live_room = models.ForeignKey(
        "live.LiveRoom", verbose_name=_("live room"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey("newsroom.Plan", verbose_name=_("plan"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due on"), null=True, blank=True)
    # Set once by services.refresh_deliverables; a later retraction does not undo a delivery.
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["project", "due_on", "id"]
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="story", story__isnull=False, live_room__isnull=True, plan__isnull=True)
                    | Q(kind="live_room", story__isnull=True, live_room__isnull=False, plan__isnull=True)
                    | Q(kind="plan", story__isnull=True, live_room__isnull=True, plan__isnull=False)
                ),
                name="business_deliverable_one_target",
            ),
            models.UniqueConstraint(fields=["project", "story"], name="business_deliverable_story_once"),
            models.UniqueConstraint(fields=["project", "live_room"], name="business_deliverable_live_room_once"),
            models.UniqueConstraint(fields=["project", "plan"], name="business_deliverable_plan_once"),
        ]

    @property
    def target(self):
        return self.story or self.live_room or self.plan


class Milestone(models.Model):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=100)
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["project", "due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


# --- money --------------------------------------------------------------------------------------------


class Invoice(models.Model):
    """An invoice as issued (its number from the tax invoice; no tax-system integration)."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(_("invoice number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"), db_index=True)
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))

    class Meta:
        ordering = ["issued_on", "id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="business_invoice_amount_positive")]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CHEQUE = "cheque", _("Cheque")
        CASH = "cash", _("Cash")
        OTHER = "other", _("Other")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="payments")
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    received_on = models.DateField(_("received on"), db_index=True)
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    method = models.CharField(_("method"), max_length=16, choices=Method.choices, default=Method.BANK_TRANSFER)

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="business_payment_amount_positive")]
