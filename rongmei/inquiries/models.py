from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rongmei.core.crypto import BlindIndexField, EncryptedTextField


class HolidayEntry(models.Model):
    """One day of the official holiday calendar entered by operators from the State Council's yearly notice.

    An entry wins over the built-in calendar (chinese_calendar) for its day, so it also serves to correct it.
    Years the built-in calendar does not know count only weekends as rest days until entries exist for them.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (rest day)")
        WORKDAY = "workday", _("Make-up workday")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    name = models.CharField(_("name"), max_length=60, blank=True, help_text=_("For example Spring Festival or National Day."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.get_kind_display()} {self.name}".strip()


class Unit(models.Model):
    """A government unit (承办单位) that answers questions forwarded to it.

    Its staff log in with the role ``unit_staff`` and see only their unit's questions. The leader
    and the parent unit are told when a question goes overdue (督办)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    short_name = models.CharField(_("short name"), max_length=20, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("supervising unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("staff"), related_name="units", blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("leader"), null=True, blank=True, on_delete=models.SET_NULL, related_name="led_units"
    )
    email = models.EmailField(_("e-mail"), blank=True, help_text=_("Where notices to the unit are mailed."))
    phone = models.CharField(_("phone for text messages"), max_length=20, blank=True)
    active = models.BooleanField(_("takes questions"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class Category(models.Model):
    """A category of questions (城乡建设 …); the classifier suggests one, and its unit, to the desk."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("usual unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="categories"
    )
    active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    CONSULT = "consult", _("Enquiry")  # 咨询
    COMPLAINT = "complaint", _("Complaint")  # 投诉
    SUGGESTION = "suggestion", _("Suggestion")  # 建议
    HELP = "help", _("Request for help")  # 求助


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting screening")
    SCREENING = "screening", _("Being screened")
    NEEDS_INFO = "needs_info", _("More information asked")
    REJECTED = "rejected", pgettext_lazy("question state", "Not accepted")
    MERGED = "merged", _("Merged")
    TO_HELPDESK = "to_helpdesk", _("Handed to 融媒帮")
    FORWARDED = "forwarded", _("Forwarded to a unit")
    ACCEPTED = "accepted", _("Being handled")
    REPLIED = "replied", _("Reply being checked")
    REPLY_APPROVED = "reply_approved", _("Reply approved")
    PUBLISHED = "published", _("Answered")
    RATED = "rated", _("Rated")
    CLOSED = "closed", _("Closed")


# States in which a unit holds the question and its deadline runs.
WITH_UNIT = (State.FORWARDED, State.ACCEPTED)
# States waiting for the desk.
AT_DESK = (State.SUBMITTED, State.SCREENING, State.REPLIED, State.REPLY_APPROVED)
# States after which nothing more is owed to the citizen (but 追问 and reopening).
ANSWERED = (State.PUBLISHED, State.RATED, State.CLOSED)
FINAL = (State.REJECTED, State.MERGED, State.TO_HELPDESK, State.CLOSED)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    PARTLY = "partly", _("Mostly satisfied")  # 基本满意
    UNSATISFIED = "unsatisfied", _("Unsatisfied")  # 不满意


class InquiryQuerySet(models.QuerySet):
    def public(self):
        """Shown on the public pages: public, answered, not hidden."""
        return self.filter(is_public=True, hidden=False, state__in=ANSWERED)

    def overdue(self, now=None):
        now = now or timezone.now()
        return self.filter(state__in=WITH_UNIT, deadline__lt=now)


class Inquiry(models.Model):
    """A citizen's question (问政). The original text is kept as written; the public version is masked and may be edited by the desk."""

    receipt = models.CharField(_("receipt number"), max_length=20, unique=True, editable=False)
    query_code = models.CharField(_("query code"), max_length=12, editable=False)
    fan = models.ForeignKey(
        "fans.Fan", verbose_name=_("app user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="inquiries"
    )
    # Encrypted at rest; the desk finds a citizen's questions by its keyed hash (rongmei.core.crypto).
    # Emptied, with the original text, when the retention period ends (rongmei.inquiries.privacy).
    phone = EncryptedTextField(_("phone"), max_length=20, blank=True, editable=False)
    phone_hash = BlindIndexField(source="phone", kind="phone", db_index=True)
    anonymised_at = models.DateTimeField(_("personal data removed at"), null=True, blank=True, editable=False)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.CONSULT)
    title = models.CharField(_("title"), max_length=60)
    body = models.TextField(_("question"))
    location = models.CharField(_("town or village"), max_length=40)
    is_public = models.BooleanField(_("may be published"), default=True)
    # What the citizen chose, if anything; the desk decides.
    asked_category = models.ForeignKey(
        Category, verbose_name=_("category chosen by the citizen"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_unit = models.ForeignKey(
        Unit, verbose_name=_("unit chosen by the citizen"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    public_title = models.CharField(_("public title"), max_length=60, blank=True)
    public_body = models.TextField(_("public text"), blank=True)
    mask_spans = models.JSONField(_("personal data found"), default=list, blank=True)

    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SUBMITTED, db_index=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="inquiries"
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="led_inquiries"
    )
    co_units = models.ManyToManyField(Unit, verbose_name=_("co-units"), blank=True, related_name="co_inquiries")
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    lead = models.ForeignKey(
        "newsroom.Lead", verbose_name=_("融媒帮 lead"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason given to the citizen"), blank=True)

    # Suggestions made at submission, for the desk.
    suggestions = models.JSONField(_("suggestions"), default=dict, blank=True)
    safety_hits = models.JSONField(_("sensitive words"), default=list, blank=True)
    flagged = models.BooleanField(_("flagged for a person"), default=False)
    spam_score = models.FloatField(_("spam score"), default=0.0)
    # similar.Fingerprint.as_json() of title and body: the similar-question index loads it instead of segmenting again.
    fingerprint = models.JSONField(default=dict, blank=True, editable=False)

    deadline = models.DateTimeField(_("answer due"), null=True, blank=True, db_index=True)
    extended_days = models.PositiveSmallIntegerField(_("extension granted (working days)"), default=0)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated (督办) at"), null=True, blank=True)
    returns = models.PositiveSmallIntegerField(_("times returned by units"), default=0)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    rating_reason = models.CharField(_("reason for the rating"), max_length=200, blank=True)
    hidden = models.BooleanField(_("hidden from the public"), default=False)
    followers_count = models.PositiveIntegerField(_("followers"), default=0)

    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    screened_at = models.DateTimeField(_("screened"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("forwarded"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    published_at = models.DateTimeField(_("answer published"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = InquiryQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="inq_state_submitted"),
            models.Index(fields=["lead_unit", "state"], name="inq_unit_state"),
            models.Index(fields=["fan", "-submitted_at"], name="inq_by_fan"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} {self.title}"

    def get_absolute_url(self) -> str:
        return f"/wenzheng/q/{self.receipt}/"

    @property
    def shown_title(self) -> str:
        return self.public_title or self.title

    @property
    def shown_body(self) -> str:
        return self.public_body or self.body

    def is_overdue(self, now=None) -> bool:
        return self.state in WITH_UNIT and self.deadline is not None and self.deadline < (now or timezone.now())


class Attachment(models.Model):
    """A photo, video or document added by the citizen or by the unit with its reply."""

    class Side(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        UNIT = "unit", _("Unit")

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="attachments")
    reply = models.ForeignKey("Reply", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    side = models.CharField(_("from"), max_length=8, choices=Side.choices)
    file = models.FileField(_("file"), upload_to="inquiries/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")


class Reply(models.Model):
    """A unit's answer, drafted and sent by the unit, checked by the desk before it is published (Decidim's split)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the desk")
        SENT_BACK = "sent_back", _("Sent back to the unit")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="replies")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("reply"))
    public_body = models.TextField(_("public text"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    checks = models.JSONField(_("checks"), default=list, blank=True)
    desk_note = models.TextField(_("desk's note to the unit"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.inquiry.receipt} {self.unit}"

    @property
    def shown_body(self) -> str:
        return self.public_body or self.body


class Message(models.Model):
    """The conversation beside the main answer: the desk asking for more, the citizen's answer, 追问 and its answer."""

    class Kind(models.TextChoices):
        INFO_REQUEST = "info_request", _("More information asked")
        INFO = "info", _("More information")
        FOLLOW_UP = "follow_up", _("Follow-up question")
        FOLLOW_UP_ANSWER = "follow_up_answer", _("Answer to the follow-up")

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    body = models.TextField()
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answered = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")


class Extension(models.Model):
    """A unit's request for more working days; the desk grants or refuses it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField(_("working days asked"))
    reason = models.TextField(_("reason"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")


class Event(models.Model):
    """One line of a question's timeline. ``public`` lines are shown to the citizen (and to the public when published)."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    state = models.CharField(max_length=16, blank=True)
    public = models.BooleanField(default=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")


class Follow(models.Model):
    """An app user follows (关注) a question and hears when it is answered."""

    fan = models.ForeignKey("fans.Fan", on_delete=models.CASCADE, related_name="followed_inquiries")
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fan", "inquiry"], name="inq_follow_once")]
