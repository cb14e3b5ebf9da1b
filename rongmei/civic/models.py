"""政务服务 (the government service directory) and 智慧人大 / 智慧政协 (deputies and CPPCC members,
their proposals, and app users' letters to them).

Operators keep all of it in the admin; the public reads it at /services/ and /councils/. Proposal
and letter states change only through rongmei.civic.services, which checks the transition, writes
the audit log and (for proposals) the public timeline in the same transaction.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# --- validators --------------------------------------------------------------------------------

# Only web addresses: javascript:, data:, ftp: or a bare "www…" would break or endanger the reader.
validate_web_link = URLValidator(
    schemes=["http", "https"],
    message=_("Enter a full web address that starts with http:// or https://, e.g. https://www.hnzwfw.gov.cn/."),
)

_PHONE_CHARS = re.compile(r"[0-9０-９+\-－—()（）\s,，、;；/转]+")
_DIGITS = re.compile(r"\d")


def validate_phone(value: str) -> None:
    """One or more telephone numbers, separated by commas, 、 or slashes; 转 for an extension."""
    if not value:
        return
    if not _PHONE_CHARS.fullmatch(value) or len(_DIGITS.findall(value)) < 5:
        raise ValidationError(
            _("Enter telephone numbers only, e.g. 0396-7922345 or 0396-7922345、12345 (digits, dashes, 转 for an extension)."),
            code="invalid_phone",
        )


def split_phones(value: str) -> list[dict]:
    """The numbers in a phone field, each as {"display", "tel"} for a tap-to-call link."""
    out = []
    for part in re.split(r"[,，、;；/]", value or ""):
        part = part.strip()
        if not part:
            continue
        main = part.split("转")[0]
        digits = "".join(ch for ch in main.translate({0xFF10 + i: str(i) for i in range(10)}) if ch.isdigit() or ch == "+")
        if len(digits) >= 3:
            out.append({"display": part, "tel": digits})
    return out


# --- 政务服务 ------------------------------------------------------------------------------------


class ServiceCategory(models.Model):
    """A group of the directory (户籍办理, 社保医保 …), in the operators' order."""

    name = models.CharField(_("name"), max_length=20, unique=True)
    icon = models.CharField(_("icon"), max_length=8, blank=True, help_text=_("One or two characters or an emoji shown before the name."))
    description = models.CharField(_("description"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("shown"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    """One matter a citizen can get done (办理事项): what to bring, where, when, how long it takes."""

    name = models.CharField(_("matter"), max_length=100)
    category = models.ForeignKey(ServiceCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="items")
    unit = models.CharField(_("responsible unit"), max_length=100, help_text=_("The government unit that handles it, e.g. 县公安局户政科."))
    keywords = models.CharField(
        _("search words"),
        max_length=200,
        blank=True,
        help_text=_("Other words people use for it, separated by spaces (e.g. 补领 挂失 丢失), so that a search finds it."),
    )
    materials = models.TextField(_("materials required"), blank=True, help_text=_("One item per line."))
    address = models.CharField(_("where to go"), max_length=200, blank=True)  # not "address": that msgid is the audit log's IP address
    phone = models.CharField(_("telephone"), max_length=100, blank=True, validators=[validate_phone])
    hours = models.CharField(_("office hours"), max_length=200, blank=True)
    link = models.CharField(
        _("online service link"),
        max_length=500,
        blank=True,
        validators=[validate_web_link],
        help_text=_("Where it can be done online (http:// or https://)."),
    )
    time_limit = models.CharField(_("time limit"), max_length=100, blank=True, help_text=_("e.g. 即时办结, 5个工作日"))
    fee = models.CharField(_("fee"), max_length=200, blank=True, help_text=_("e.g. 不收费, 工本费20元"))
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("shown"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["category__sort_order", "category_id", "sort_order", "id"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        constraints = [models.UniqueConstraint(fields=["category", "name"], name="civic_unique_service_name_per_category")]

    def __str__(self) -> str:
        return self.name

    @property
    def material_list(self) -> list[str]:
        return [
            line.strip().lstrip("-•·* ").strip() for line in (self.materials or "").splitlines() if line.strip().lstrip("-•·* ").strip()
        ]

    @property
    def phone_numbers(self) -> list[dict]:
        return split_phones(self.phone)


# --- 智慧人大 / 智慧政协 ------------------------------------------------------------------------------


class CouncilKind(models.TextChoices):
    RENDA = "renda", _("People's Congress")
    ZHENGXIE = "zhengxie", _("CPPCC")


class CouncilMember(models.Model):
    """A deputy of the county People's Congress (人大代表) or a member of the county CPPCC (政协委员)."""

    kind = models.CharField(_("council"), max_length=10, choices=CouncilKind.choices)
    name = models.CharField(_("full name"), max_length=20)
    photo = models.ImageField(_("photo"), upload_to="civic/members/", blank=True)
    title = models.CharField(_("position"), max_length=100, blank=True, help_text=_("Work unit and position, e.g. 花园街道办事处主任."))
    constituency = models.CharField(
        _("constituency"), max_length=60, blank=True, help_text=_("For deputies: the electoral district (选区).")
    )
    sector = models.CharField(_("sector"), max_length=60, blank=True, help_text=_("For CPPCC members: the sector (界别)."))
    delegation = models.CharField(_("delegation or town"), max_length=60, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    term = models.CharField(_("term"), max_length=20, blank=True, help_text=_("e.g. 第十六届"))
    accepts_letters = models.BooleanField(_("accepts letters"), default=True)
    active = models.BooleanField(_("shown"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["kind", "sort_order", "id"]
        verbose_name = _("deputy or CPPCC member")
        verbose_name_plural = _("deputies and CPPCC members")
        indexes = [models.Index(fields=["kind", "active", "sort_order"], name="civic_member_list")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == CouncilKind.RENDA and self.sector:
            raise ValidationError({"sector": _("A deputy has a constituency, not a sector: leave the sector empty.")})
        if self.kind == CouncilKind.ZHENGXIE and self.constituency:
            raise ValidationError({"constituency": _("A CPPCC member has a sector, not a constituency: leave the constituency empty.")})

    @property
    def group(self) -> str:
        """The constituency of a deputy, the sector of a CPPCC member."""
        return self.constituency if self.kind == CouncilKind.RENDA else self.sector


class Proposal(models.Model):
    """A deputy's suggestion (建议) or a CPPCC proposal (提案), handled by a government unit.

    ``status`` changes only through services.change_proposal_status (checked transitions, audit
    log, a ProposalEvent for the public timeline)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted for handling")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        HANDLING = "handling", _("Being handled")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY = "basically", _("Basically satisfied")
        UNSATISFIED = "unsatisfied", _("Not satisfied")

    kind = models.CharField(_("council"), max_length=10, choices=CouncilKind.choices)
    number = models.CharField(_("number"), max_length=30, help_text=_("e.g. 第12号"))
    title = models.CharField(_("title"), max_length=120)
    summary = models.TextField(_("content"), blank=True)
    session = models.CharField(_("session"), max_length=40, help_text=_("e.g. 十六届三次会议"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    lead = models.ForeignKey(
        CouncilMember, verbose_name=_("lead proposer"), null=True, blank=True, on_delete=models.PROTECT, related_name="led_proposals"
    )
    co_signers = models.ManyToManyField(CouncilMember, verbose_name=_("co-signers"), blank=True, related_name="co_signed_proposals")
    proposer = models.CharField(
        _("proposing group"),
        max_length=100,
        blank=True,
        help_text=_("For a proposal made by a group (a party, a sector, a delegation) instead of one person."),
    )
    handling_unit = models.CharField(_("handling unit"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.SUBMITTED, editable=False)
    submitted_on = models.DateField(_("submitted on"))
    not_accepted_reason = models.TextField(_("reason for not accepting"), blank=True, editable=False)
    reply = models.TextField(_("reply"), blank=True, editable=False)
    replied_on = models.DateField(_("replied on"), null=True, blank=True, editable=False)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True, editable=False)
    published = models.BooleanField(_("shown"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("suggestion or proposal")
        verbose_name_plural = _("suggestions and proposals")
        constraints = [models.UniqueConstraint(fields=["kind", "session", "number"], name="civic_unique_proposal_number")]
        indexes = [models.Index(fields=["kind", "published", "-submitted_on"], name="civic_proposal_list")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        if self.lead_id and self.lead.kind != self.kind:
            raise ValidationError({"lead": _("The lead proposer belongs to the other council.")})


class ProposalEvent(models.Model):
    """One step of a proposal's public timeline (立案, 答复 …). The audit log keeps who did it."""

    proposal = models.ForeignKey(Proposal, verbose_name=_("suggestion or proposal"), on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=15, choices=Proposal.Status.choices)
    on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("proposal step")
        verbose_name_plural = _("proposal steps")

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.on}"


class CouncilLetter(models.Model):
    """An app user's letter to a deputy or CPPCC member (给代表/委员写信).

    Shaped like a 问政 inquiry (kind, title, body, location, public flag, phone verified) so that,
    when the inquiries app exists, letters can join its flow with a plain data migration: each
    letter becomes an inquiry of kind "council_letter" addressed to the member, keeping its
    receipt number, status and reply.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        FORWARDED = "forwarded", _("Forwarded")
        REPLIED = "replied", _("Replied")
        CLOSED = "closed", _("Closed")

    kind = models.CharField(_("kind"), max_length=20, default="council_letter", editable=False)
    receipt = models.CharField(_("receipt number"), max_length=20, unique=True, editable=False)
    # Kept when the app user's account goes (the letter and its reply are part of the record).
    fan = models.ForeignKey("fans.Fan", verbose_name=_("app user"), null=True, on_delete=models.SET_NULL, related_name="council_letters")
    member = models.ForeignKey(CouncilMember, verbose_name=_("addressee"), on_delete=models.PROTECT, related_name="letters")
    title = models.CharField(_("subject"), max_length=40)
    body = models.TextField(_("letter"))
    location = models.CharField(_("town or village"), max_length=40)
    is_public = models.BooleanField(_("may be published"), default=False, editable=False)
    phone_verified = models.BooleanField(_("phone verified"), default=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED, editable=False)
    safety_hits = models.JSONField(_("sensitive words"), default=list, blank=True, editable=False)
    flagged = models.BooleanField(_("flagged for review"), default=False, editable=False)
    hidden = models.BooleanField(
        _("hidden from the public"),
        default=False,
        help_text=_("A public letter and its reply are shown on the member's page unless hidden."),
    )
    reply = models.TextField(_("reply"), blank=True, editable=False)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True, editable=False)
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True, editable=False)
    staff_note = models.TextField(_("staff note"), blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("letter to a deputy or member")
        verbose_name_plural = _("letters to deputies and members")
        indexes = [models.Index(fields=["fan", "-created_at"], name="civic_letter_by_fan")]

    def __str__(self) -> str:
        return f"{self.receipt} {self.title}"
