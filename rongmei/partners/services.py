"""Every change in the partner network goes through one function here: it checks who may do it,
changes state, writes the audit line in the same transaction and notifies the people concerned.
Views, the management commands and the demo call these and nothing else."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.accounts.models import Role, User
from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.input import clean_text, strip_controls
from rongmei.core.notify import notify
from rongmei.core.storage import StorageUnavailable
from rongmei.media.probe import sniff
from rongmei.newsroom.services._util import check_date
from rongmei.partners import permissions as perms
from rongmei.partners import scoring
from rongmei.partners.models import (
    Account,
    Alert,
    Contribution,
    ContributionFile,
    Honour,
    Partner,
    Platform,
    Post,
    Quarter,
    Quota,
    Score,
    ScoringRule,
    Task,
    TaskAssignment,
)

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_CONTRIBUTION_BYTES = 500 * 1024 * 1024  # nginx lets /partners/contribute/ carry this much
MAX_FILES = 10
MAX_TARGET = 10000
SILENT_DAYS = 14
RISK_DAYS = 21  # a quota is judged at risk in the last three weeks of a quarter
_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


# --- helpers ---------------------------------------------------------------------------------


def _require_manager(actor) -> None:
    if not perms.is_manager(actor):
        raise NotAllowed(_("Only operators, administrators and the chief editor manage the partner network."))


def own_partner(actor) -> Partner:
    """The partner a partner login acts for; refuses anyone else."""
    partner = perms.partner_of(actor)
    if partner is None:
        raise NotAllowed(_("Only the logins of a self-media partner may do this."))
    return partner


def _managers() -> list[User]:
    return list(User.objects.filter(role__in=[Role.OPERATOR], is_active=True))


def _members(partner: Partner) -> list[User]:
    return list(partner.members.filter(is_active=True))


def clean_url(value: str, *, field: str = "url", required: bool = True) -> str:
    value = strip_controls(value or "").strip()
    if not value:
        if required:
            raise DomainError(_("Give the link."), field=field)
        return ""
    if len(value) > 500 or not _URL_RE.match(value):
        raise DomainError(_("The link must start with http:// or https:// (and be at most 500 characters)."), field=field)
    return value


def _count(value, *, field: str, label: str, limit: int = MAX_TARGET) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("%(label)s must be a whole number.") % {"label": label}, field=field) from None
    if number < 0 or number > limit:
        raise DomainError(_("%(label)s must lie between 0 and %(max)s.") % {"label": label, "max": limit}, field=field)
    return number


def quarter_for(day: dt.date) -> Quarter:
    quarter, _created = Quarter.objects.get_or_create(year=day.year, number=(day.month - 1) // 3 + 1)
    return quarter


def current_quarter() -> Quarter:
    return quarter_for(timezone.localdate())


def _open_quarter_of(day: dt.date, *, field: str) -> Quarter:
    quarter = quarter_for(day)
    if quarter.is_closed:
        raise StateConflict(_("%(q)s is closed: its figures can no longer change.") % {"q": quarter})
    return quarter


# --- registry ----------------------------------------------------------------------------------

PARTNER_FIELDS = (
    "name",
    "operator_name",
    "contact_phone",
    "contact_email",
    "place",
    "description",
    "agreement_no",
    "agreement_start",
    "agreement_end",
    "status",
    "joined_on",
)


@transaction.atomic
def save_partner(*, actor, partner: Partner | None = None, **fields) -> Partner:
    """Create a partner (partner=None) or change its registry entry."""
    _require_manager(actor)
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if "name" in fields or partner is None:
        fields["name"] = clean_text(fields.get("name"), field="name", label=_("Organization"), min_len=2, max_len=60)
    if "operator_name" in fields or partner is None:
        fields["operator_name"] = clean_text(fields.get("operator_name"), field="operator_name", label=_("Operator"), max_len=30)
    for key, limit in (("contact_phone", 20), ("contact_email", 254), ("description", 300), ("agreement_no", 40)):
        if key in fields:
            fields[key] = strip_controls(fields[key] or "").strip()[:limit]
    if "status" in fields and fields["status"] not in Partner.Status.values:
        raise DomainError(_("Unknown status."), field="status")
    start = fields.get("agreement_start", partner.agreement_start if partner else None)
    end = fields.get("agreement_end", partner.agreement_end if partner else None)
    if start and end and end < start:
        raise DomainError(_("The agreement cannot end before it starts."), field="agreement_end")
    name = fields.get("name")
    if name and Partner.objects.filter(name=name).exclude(pk=getattr(partner, "pk", None)).exists():
        raise DomainError(_("A partner named %(name)s exists already.") % {"name": name}, field="name")
    creating = partner is None
    before = "" if creating else partner.status
    partner = partner or Partner()
    for key, value in fields.items():
        setattr(partner, key, value)
    partner.save()
    audit.record(
        "partner.create" if creating else "partner.update",
        actor=actor,
        subject=partner,
        summary=(_("Registered partner %(n)s") if creating else _("Updated partner %(n)s")) % {"n": partner.name},
        from_state=before,
        to_state=partner.status,
    )
    return partner


@transaction.atomic
def save_account(
    *, actor, partner: Partner, account: Account | None = None, platform: str, name: str, handle: str = "", url: str = "", followers=0
) -> Account:
    _require_manager(actor)
    if platform not in Platform.values:
        raise DomainError(_("Choose the platform."), field="platform")
    name = clean_text(name, field="name", label=_("Account name"), max_len=60)
    url = clean_url(url, required=False)
    followers = _count(followers, field="followers", label=_("Followers"), limit=10**9)
    if Account.objects.filter(platform=platform, name=name).exclude(pk=getattr(account, "pk", None)).exists():
        raise DomainError(_("This account is registered already."), field="name")
    creating = account is None
    account = account or Account(partner=partner)
    account.platform, account.name, account.handle, account.url, account.followers = (
        platform,
        name,
        strip_controls(handle).strip()[:80],
        url,
        followers,
    )
    account.save()
    audit.record(
        "partner.account",
        actor=actor,
        subject=partner,
        summary=(_("Added account %(a)s") if creating else _("Updated account %(a)s")) % {"a": account},
    )
    return account


@transaction.atomic
def remove_account(*, actor, account: Account) -> None:
    _require_manager(actor)
    partner = account.partner
    audit.record("partner.account_remove", actor=actor, subject=partner, summary=_("Removed account %(a)s") % {"a": account})
    account.delete()


@transaction.atomic
def create_login(*, actor, partner: Partner, username: str, name: str, password: str) -> User:
    """A login with the role self-media partner, acting for this partner."""
    _require_manager(actor)
    username = strip_controls(username).strip()
    if not re.fullmatch(r"[A-Za-z0-9_.@+-]{3,150}", username):
        raise DomainError(_("The user name takes 3 or more letters, digits or _ . @ + -."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("The user name %(u)s is taken.") % {"u": username}, field="username")
    name = clean_text(name, field="name", label=_("Full name"), max_len=60)
    user = User(username=username, name=name, role=Role.PARTNER)
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise DomainError(" ".join(e.messages), field="password") from None
    user.set_password(password)
    user.save()
    partner.members.add(user)
    audit.record(
        "partner.login", actor=actor, subject=partner, summary=_("Created login %(u)s for %(p)s") % {"u": username, "p": partner.name}
    )
    return user


@transaction.atomic
def add_honour(*, actor, partner: Partner, title: str, issuer: str, awarded_on: dt.date, note: str = "") -> Honour:
    _require_manager(actor)
    honour = Honour.objects.create(
        partner=partner,
        kind=Honour.Kind.HONOUR,
        title=clean_text(title, field="title", label=_("Title"), max_len=80),
        issuer=clean_text(issuer, field="issuer", label=_("Awarded by"), max_len=60),
        awarded_on=awarded_on,
        note=strip_controls(note).strip()[:300],
        created_by=actor,
    )
    audit.record(
        "partner.honour", actor=actor, subject=partner, summary=_("Honour for %(p)s: %(t)s") % {"p": partner.name, "t": honour.title}
    )
    notify(_members(partner), kind="partner", text=_("Honour received: %(t)s") % {"t": honour.title}, url="/partners/awards/")
    return honour


# --- quotas ----------------------------------------------------------------------------------


@transaction.atomic
def set_quota(*, actor, partner: Partner, quarter: Quarter, posts=0, originals=0, reposts=0, tasks=0) -> Quota:
    _require_manager(actor)
    quarter = Quarter.objects.select_for_update().get(pk=quarter.pk)
    if quarter.is_closed:
        raise StateConflict(_("%(q)s is closed: its quotas can no longer change.") % {"q": quarter})
    values = {
        "posts": _count(posts, field="posts", label=_("Posts")),
        "originals": _count(originals, field="originals", label=_("Original pieces")),
        "reposts": _count(reposts, field="reposts", label=_("Reposts")),
        "tasks": _count(tasks, field="tasks", label=_("Tasks completed")),
    }
    if values["originals"] > values["posts"]:
        raise DomainError(_("Original pieces cannot exceed posts: every original piece is a post."), field="originals")
    quota, created = Quota.objects.update_or_create(
        partner=partner, quarter=quarter, defaults={**values, "set_by": actor, "updated_at": timezone.now()}
    )
    audit.record(
        "partner.quota",
        actor=actor,
        subject=partner,
        summary=_("Quota for %(q)s: %(posts)s posts, %(originals)s original, %(reposts)s reposts, %(tasks)s tasks")
        % {"q": quarter, **values},
        data={"quarter": str(quarter), **values},
    )
    if created:
        notify(_members(partner), kind="partner", text=_("Your quota for %(q)s is set.") % {"q": quarter}, url="/partners/")
    return quota


# --- posts and readership ----------------------------------------------------------------------


def _check_post_day(day: dt.date, *, field: str = "published_on") -> Quarter:
    if day > timezone.localdate():
        raise DomainError(_("The date of publication cannot be in the future."), field=field)
    if day.year < 2000:
        raise DomainError(_("The date of publication is too early."), field=field)
    return _open_quarter_of(day, field=field)


def upsert_post(
    *,
    actor,
    partner: Partner,
    title: str,
    url: str,
    published_on: dt.date,
    reads,
    kind: str = Post.Kind.ORIGINAL,
    account: Account | None = None,
    source: str = Post.Source.MANUAL,
    external_id: str = "",
) -> tuple[Post, bool]:
    """Record a post or update its figures; the same link (or the same platform id) is one post.
    Call inside a transaction. Returns (post, created)."""
    title = clean_text(title, field="title", label=_("Title"), max_len=120)
    url = clean_url(url, required=False)
    reads = _count(reads, field="reads", label=_("Reads"), limit=10**9)
    if kind not in Post.Kind.values:
        raise DomainError(_("The kind is original or repost."), field="kind")
    if account is not None and account.partner_id != partner.pk:
        raise DomainError(_("This account belongs to another partner."), field="account")
    _check_post_day(published_on)
    post = None
    if external_id and account is not None:
        post = Post.objects.select_for_update().filter(account=account, external_id=external_id).first()
    if post is None and url:
        post = Post.objects.select_for_update().filter(partner=partner, url=url).first()
    if post is not None and post.published_on != published_on:
        _check_post_day(post.published_on)
    created = post is None
    post = post or Post(partner=partner)
    post.account = account or post.account
    post.title, post.url, post.published_on, post.reads = title, url, published_on, reads
    # A repost recorded through a task stays a repost whatever a later upload says.
    if post.source != Post.Source.TASK:
        post.kind, post.source = kind, source
    post.external_id = external_id or post.external_id
    post.recorded_by = actor if getattr(actor, "pk", None) else post.recorded_by
    post.updated_at = timezone.now()
    post.save()
    return post, created


def _check_post_actor(actor, partner: Partner) -> None:
    if perms.is_manager(actor):
        return
    if perms.partner_of(actor) is None or perms.partner_of(actor).pk != partner.pk:
        raise NotAllowed(_("You may only report your own organization's figures."))


@transaction.atomic
def record_post(*, actor, partner: Partner, **fields) -> Post:
    """A post entered by hand, by the partner itself or by an operator."""
    _check_post_actor(actor, partner)
    post, created = upsert_post(actor=actor, partner=partner, source=Post.Source.MANUAL, **fields)
    audit.record(
        "partner.post",
        actor=actor,
        subject=partner,
        summary=(_("Post recorded: %(t)s, %(r)s reads") if created else _("Figures updated: %(t)s, %(r)s reads"))
        % {"t": post.title, "r": post.reads},
    )
    return post


@transaction.atomic
def delete_post(*, actor, post: Post) -> None:
    _check_post_actor(actor, post.partner)
    _open_quarter_of(post.published_on, field="published_on")
    if post.source == Post.Source.TASK and not perms.is_manager(actor):
        raise NotAllowed(_("A repost accepted for a task is removed by an operator only."))
    audit.record("partner.post_delete", actor=actor, subject=post.partner, summary=_("Post removed: %(t)s") % {"t": post.title})
    post.delete()


# --- contributions -----------------------------------------------------------------------------


@transaction.atomic
def submit_contribution(*, actor, kind: str, title: str, body: str, place=None, files=()) -> Contribution:
    """A partner sends a lead or a draft story to the newsroom, with its pictures, video or documents."""
    partner = own_partner(actor)
    if kind not in Contribution.Kind.values:
        raise DomainError(_("Choose lead or draft story."), field="kind")
    title = clean_text(title, field="title", label=_("Title"), min_len=4, max_len=80)
    body = clean_text(body, field="body", label=_("Text"), min_len=10, max_len=20000)
    files = list(files)
    if len(files) > MAX_FILES:
        raise DomainError(_("Send at most %(n)s files at once.") % {"n": MAX_FILES}, field="files")
    if sum(upload.size for upload in files) > MAX_CONTRIBUTION_BYTES:
        raise DomainError(
            _("The files together are larger than %(mb)s MB: send the rest in another contribution.")
            % {"mb": MAX_CONTRIBUTION_BYTES // 2**20},
            field="files",
        )
    for upload in files:
        if upload.size > MAX_FILE_BYTES:
            raise DomainError(
                _("The file %(name)s is larger than %(mb)s MB.") % {"name": upload.name, "mb": MAX_FILE_BYTES // 2**20}, field="files"
            )
        # The kinds the media library takes, judged from the content as it will judge them on adoption.
        head = upload.read(64)
        upload.seek(0)
        if sniff(head) is None:
            raise DomainError(
                _("%(name)s: send pictures (JPEG, PNG, GIF, WebP), audio (MP3, WAV, M4A), video (MP4, MOV), PDF or Word documents.")
                % {"name": upload.name},
                field="files",
            )
    contribution = Contribution.objects.create(partner=partner, kind=kind, title=title, body=body, place=place, submitted_by=actor)
    for upload in files:
        ContributionFile.objects.create(contribution=contribution, file=upload, name=upload.name[:200], size=upload.size)
    audit.record(
        "partner.contribution",
        actor=actor,
        subject=contribution,
        summary=_("%(p)s sent %(k)s: %(t)s") % {"p": partner.name, "k": contribution.get_kind_display(), "t": title},
        to_state=contribution.status,
    )
    desk = User.objects.filter(role__in=perms.DESK_ROLES[:1], is_active=True)
    notify(
        list(desk) + _managers(),
        kind="partner",
        text=_("Contribution from %(p)s: %(t)s") % {"p": partner.name, "t": title},
        url=f"/partners/manage/contributions/{contribution.pk}/",
        exclude=actor,
    )
    return contribution


def _locked_contribution(contribution: Contribution) -> Contribution:
    contribution = Contribution.objects.select_for_update().select_related("partner").get(pk=contribution.pk)
    if contribution.status != Contribution.Status.SUBMITTED:
        raise StateConflict(_("This contribution has been decided already (%(s)s).") % {"s": contribution.get_status_display()})
    return contribution


def _attribution(contribution: Contribution) -> str:
    return _("From self-media partner %(p)s (operator %(o)s), sent %(d)s.") % {
        "p": contribution.partner.name,
        "o": contribution.partner.operator_name,
        "d": timezone.localtime(contribution.created_at).strftime("%Y-%m-%d %H:%M"),
    }


def _decided(actor, contribution: Contribution, summary: str) -> Contribution:
    contribution.decided_by, contribution.decided_at = actor, timezone.now()
    contribution.save()
    audit.record(
        "partner.contribution_decide",
        actor=actor,
        subject=contribution,
        summary=summary,
        from_state=Contribution.Status.SUBMITTED,
        to_state=contribution.status,
    )
    notify(
        _members(contribution.partner),
        kind="partner",
        text=summary,
        url=f"/partners/contributions/{contribution.pk}/",
    )
    return contribution


@transaction.atomic
def adopt_as_lead(*, actor, contribution: Contribution, team=None) -> Contribution:
    """The newsroom takes the contribution as a lead (source: partner), attributed, with its files."""
    from rongmei.newsroom.models import Lead
    from rongmei.newsroom.services import create_lead

    if not perms.can_adopt(actor):
        raise NotAllowed(_("Editors, column leads and the chief editor adopt contributions."))
    contribution = _locked_contribution(contribution)
    files = [File(f.file.open("rb"), name=f.name) for f in contribution.files.all()]
    for f, row in zip(files, contribution.files.all(), strict=True):
        f.size = row.size
    try:
        lead = create_lead(
            actor=actor,
            title=contribution.title,
            description=f"{contribution.body[:4800]}\n\n{_attribution(contribution)}",
            source=Lead.Source.PARTNER,
            source_contact=f"{contribution.partner.name} {contribution.partner.contact_phone}".strip(),
            place=contribution.place,
            team=team,
            attachments=files,
        )
    finally:
        for f in files:
            f.close()
    contribution.lead, contribution.status = lead, Contribution.Status.ADOPTED
    return _decided(actor, contribution, _("Adopted as a lead: %(t)s") % {"t": contribution.title})


@transaction.atomic
def adopt_as_story(*, actor, contribution: Contribution, team) -> Contribution:
    """The newsroom takes the contribution as a draft story in one of its teams: the text becomes
    the working copy (source: the partner), the files go to the media library attached to it."""
    from rongmei.media.services import upload_file
    from rongmei.newsroom.services import create_story

    if not perms.can_adopt(actor):
        raise NotAllowed(_("Editors, column leads and the chief editor adopt contributions."))
    contribution = _locked_contribution(contribution)
    paragraphs = [p.strip() for p in contribution.body.splitlines() if p.strip()]
    body = "".join(f"<p>{_escape(p)}</p>" for p in paragraphs)
    story = create_story(
        actor=actor,
        team=team,
        headline=contribution.title,
        body=body,
        source=contribution.partner.name[:60],
        place=contribution.place,
    )
    refused = []
    for row in contribution.files.all():
        with row.file.open("rb") as handle:
            upload = File(handle, name=row.name)
            upload.size = row.size
            try:
                with transaction.atomic():
                    upload_file(actor=actor, uploaded=upload, title=row.name[:200], story=story)
            except StorageUnavailable:
                raise  # the file store is away: nothing is adopted, the operator tries again
            except DomainError as e:
                # A damaged file does not stop the adoption; it stays with the contribution.
                refused.append(f"{row.name}：{e.message}")
    contribution.story, contribution.status = story, Contribution.Status.ADOPTED
    summary = _("Adopted as a story: %(t)s") % {"t": contribution.title}
    if refused:
        summary += " " + _("Files the media library did not take: %(f)s") % {"f": "；".join(refused)}
    return _decided(actor, contribution, summary)


def _escape(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


@transaction.atomic
def decline_contribution(*, actor, contribution: Contribution, reason: str) -> Contribution:
    if not perms.can_screen_contributions(actor):
        raise NotAllowed(_("You may not decide on contributions."))
    contribution = _locked_contribution(contribution)
    contribution.decline_reason = clean_text(reason, field="reason", label=_("Reason"), min_len=2, max_len=300)
    contribution.status = Contribution.Status.DECLINED
    return _decided(actor, contribution, _("Not adopted: %(t)s (%(r)s)") % {"t": contribution.title, "r": contribution.decline_reason})


# --- cooperation tasks -----------------------------------------------------------------------


@transaction.atomic
def create_task(
    *, actor, kind: str, title: str, description: str = "", starts_at: dt.datetime, due_at: dt.datetime, partners=(), stories=()
) -> Task:
    _require_manager(actor)
    if kind not in Task.Kind.values:
        raise DomainError(_("Choose the kind of task."), field="kind")
    title = clean_text(title, field="title", label=_("Title"), min_len=2, max_len=80)
    description = clean_text(description, field="description", label=_("What to do"), max_len=2000, required=False)
    for value, field, label in ((starts_at, "starts_at", _("From")), (due_at, "due_at", _("Until"))):
        check_date(value, field=field, label=label)
    if due_at <= starts_at:
        raise DomainError(_("The window must end after it starts."), field="due_at")
    partners, stories = list(partners), list(stories)
    if not partners:
        raise DomainError(_("Choose at least one partner."), field="partners")
    if kind == Task.Kind.REPOST:
        if not stories:
            raise DomainError(_("A repost task names the center's articles to repost."), field="stories")
        unpublished = [s.headline for s in stories if s.state != "published"]
        if unpublished:
            raise DomainError(_("Only published articles can be reposted: %(t)s") % {"t": "、".join(unpublished)}, field="stories")
    if due_at <= timezone.now():
        raise DomainError(_("The window has closed already: give an end in the future."), field="due_at")
    task = Task.objects.create(kind=kind, title=title, description=description, starts_at=starts_at, due_at=due_at, created_by=actor)
    task.stories.set(stories)
    TaskAssignment.objects.bulk_create([TaskAssignment(task=task, partner=p) for p in partners])
    audit.record(
        "partner.task",
        actor=actor,
        subject=task,
        summary=_("Task %(t)s for %(n)s partners") % {"t": title, "n": len(partners)},
        data={"partners": [p.pk for p in partners]},
    )
    recipients = User.objects.filter(partner_orgs__in=partners, is_active=True).distinct()
    notify(recipients, kind="partner", text=_("New task: %(t)s") % {"t": title}, url="/partners/tasks/")
    return task


def _check_report_url(assignment: TaskAssignment, url: str) -> None:
    """The link must be the partner's own post: not the center's article itself, not a link
    another partner reported for the same task."""
    from urllib.parse import urlsplit

    from django.conf import settings

    ours = urlsplit(settings.RONGMEI.get("PUBLIC_URL", "")).netloc.lower()
    if ours and urlsplit(url).netloc.lower() == ours:
        raise DomainError(_("Give the link of your own post, not the center's article."), field="url")
    taken = (
        TaskAssignment.objects.filter(task=assignment.task, report_url=url)
        .exclude(pk=assignment.pk)
        .exclude(status=TaskAssignment.Status.REJECTED)
    )
    if taken.exists():
        raise DomainError(_("Another partner reported this link for the task: give the link of your own post."), field="url")


@transaction.atomic
def report_task(*, actor, assignment: TaskAssignment, url: str, note: str = "") -> TaskAssignment:
    """The partner reports a task done with the link to its post; an operator (or the link check)
    then accepts it."""
    partner = own_partner(actor)
    assignment = TaskAssignment.objects.select_for_update().select_related("task").get(pk=assignment.pk)
    if assignment.partner_id != partner.pk:
        raise NotAllowed(_("This task is not yours."))
    if assignment.status not in (TaskAssignment.Status.OPEN, TaskAssignment.Status.REJECTED, TaskAssignment.Status.REPORTED):
        raise StateConflict(_("This task is done already."))
    now = timezone.now()
    if now < assignment.task.starts_at:
        raise StateConflict(_("The task's window has not opened yet."))
    if now > assignment.task.due_at:
        raise StateConflict(
            _("The task's window closed on %(d)s.") % {"d": timezone.localtime(assignment.task.due_at).strftime("%Y-%m-%d %H:%M")}
        )
    before = assignment.status
    url = clean_url(url, field="url")
    _check_report_url(assignment, url)
    assignment.report_url = url
    assignment.report_note = strip_controls(note).strip()[:300]
    assignment.status, assignment.reported_at, assignment.reported_by = TaskAssignment.Status.REPORTED, now, actor
    assignment.check_note = ""
    assignment.save()
    audit.record(
        "partner.task_report",
        actor=actor,
        subject=assignment.task,
        summary=_("%(p)s reported %(t)s done: %(u)s") % {"p": partner.name, "t": assignment.task.title, "u": assignment.report_url},
        from_state=before,
        to_state=assignment.status,
    )
    notify(
        _managers(),
        kind="partner",
        text=_("%(p)s reported a task done: %(t)s") % {"p": partner.name, "t": assignment.task.title},
        url=f"/partners/manage/tasks/{assignment.task_id}/",
    )
    if assignment.task.kind == Task.Kind.REPOST:
        from rongmei.partners import tasks as partner_tasks

        pk = assignment.pk
        transaction.on_commit(lambda: partner_tasks.check_repost.enqueue(pk))
    return assignment


def _repost_post(assignment: TaskAssignment, actor) -> None:
    """An accepted repost is counted as the partner's post (kind repost) on the day it was reported."""
    task = assignment.task
    story = task.stories.order_by("pk").first()
    title = (story.headline if story else task.title)[:120]
    day = timezone.localdate(assignment.reported_at or timezone.now())
    post = Post.objects.select_for_update().filter(partner=assignment.partner, url=assignment.report_url).first()
    if post is None:
        Post.objects.create(
            partner=assignment.partner,
            title=title,
            url=assignment.report_url,
            published_on=day,
            kind=Post.Kind.REPOST,
            source=Post.Source.TASK,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
    else:
        post.kind, post.source = Post.Kind.REPOST, Post.Source.TASK
        post.save(update_fields=["kind", "source"])


@transaction.atomic
def check_task(*, actor, assignment: TaskAssignment, accept: bool, note: str = "") -> TaskAssignment:
    """An operator accepts or refuses a reported task."""
    _require_manager(actor)
    assignment = TaskAssignment.objects.select_for_update().select_related("task", "partner").get(pk=assignment.pk)
    return _finish_check(assignment, accept=accept, note=note, actor=actor)


@transaction.atomic
def accept_checked_link(*, assignment_id: int, url: str, reported_at, note: str) -> TaskAssignment:
    """The automatic link check accepts a repost it has read. Only the report it read: if the
    partner reported another link meanwhile, that one waits for its own check."""
    assignment = TaskAssignment.objects.select_for_update().select_related("task", "partner").get(pk=assignment_id)
    if assignment.status == TaskAssignment.Status.REPORTED and (assignment.report_url != url or assignment.reported_at != reported_at):
        raise StateConflict(_("The partner reported another link meanwhile."))
    return _finish_check(assignment, accept=True, note=note, actor=None)


def _finish_check(assignment: TaskAssignment, *, accept: bool, note: str, actor) -> TaskAssignment:
    """Call with the assignment locked. ``actor`` None: the automatic link check."""
    by_adapter = actor is None
    if assignment.status != TaskAssignment.Status.REPORTED:
        raise StateConflict(_("Only a reported task can be checked."))
    if accept and assignment.task.kind == Task.Kind.REPOST:
        quarter = quarter_for(timezone.localdate(assignment.reported_at or timezone.now()))
        if quarter.is_closed:
            raise StateConflict(_("%(q)s is closed: its figures can no longer change.") % {"q": quarter})
    note = strip_controls(note).strip()[:300]
    if not accept and not note:
        raise DomainError(_("Say why the report is not accepted."), field="note")
    assignment.status = TaskAssignment.Status.DONE if accept else TaskAssignment.Status.REJECTED
    assignment.checked_at, assignment.checked_by, assignment.check_note = timezone.now(), actor, note
    assignment.save()
    if accept and assignment.task.kind == Task.Kind.REPOST:
        _repost_post(assignment, actor)
    summary = (_("Task accepted for %(p)s: %(t)s") if accept else _("Task report not accepted for %(p)s: %(t)s")) % {
        "p": assignment.partner.name,
        "t": assignment.task.title,
    }
    audit.record(
        "partner.task_check",
        actor=actor,
        subject=assignment.task,
        summary=summary,
        from_state=TaskAssignment.Status.REPORTED,
        to_state=assignment.status,
        data={"by_adapter": by_adapter, "note": note},
    )
    notify(_members(assignment.partner), kind="partner", text=summary + (f"（{note}）" if note else ""), url="/partners/tasks/")
    return assignment


# --- scoring, closing the quarter ------------------------------------------------------------


def _clean_tiers(tiers) -> list[dict]:
    out = []
    for i, tier in enumerate(tiers or [], start=1):
        if not isinstance(tier, dict):
            raise DomainError(_("Award %(i)s is not written as name, places and lowest score.") % {"i": i}, field="tiers")
        name = strip_controls(str(tier.get("name", ""))).strip()
        if not name:
            continue
        if len(name) > 30:
            raise DomainError(_("Award %(i)s: the name is longer than 30 characters.") % {"i": i}, field="tiers")
        count = _count(tier.get("count", 0), field="tiers", label=_("Award %(i)s: places") % {"i": i}, limit=100)
        try:
            min_score = Decimal(str(tier.get("min_score", 0)))
        except ArithmeticError:
            raise DomainError(_("Award %(i)s: the lowest score is not a number.") % {"i": i}, field="tiers") from None
        if not min_score.is_finite():
            raise DomainError(_("Award %(i)s: the lowest score is not a number.") % {"i": i}, field="tiers")
        if not 0 <= min_score <= 100:
            raise DomainError(_("Award %(i)s: the lowest score lies between 0 and 100.") % {"i": i}, field="tiers")
        out.append({"name": name, "count": count, "min_score": float(min_score)})
    return out


@transaction.atomic
def save_rule(*, actor, weight_quota, weight_reads, weight_adopted, weight_tasks, adopted_full, tiers) -> ScoringRule:
    _require_manager(actor)
    rule = scoring.current_rule()
    rule = ScoringRule.objects.select_for_update().get(pk=rule.pk)
    weights = {
        "weight_quota": _count(weight_quota, field="weight_quota", label=_("Weight of quota completion"), limit=100),
        "weight_reads": _count(weight_reads, field="weight_reads", label=_("Weight of readership"), limit=100),
        "weight_adopted": _count(weight_adopted, field="weight_adopted", label=_("Weight of adopted contributions"), limit=100),
        "weight_tasks": _count(weight_tasks, field="weight_tasks", label=_("Weight of tasks done"), limit=100),
    }
    if sum(weights.values()) == 0:
        raise DomainError(_("At least one weight must be above zero."), field="weight_quota")
    adopted_full = _count(adopted_full, field="adopted_full", label=_("Adoptions for full marks"), limit=100)
    if adopted_full < 1:
        raise DomainError(_("Adoptions for full marks must be at least 1."), field="adopted_full")
    before = scoring.rule_dict(rule)
    for key, value in weights.items():
        setattr(rule, key, value)
    rule.adopted_full, rule.tiers = adopted_full, _clean_tiers(tiers)
    rule.updated_by, rule.updated_at = actor, timezone.now()
    rule.save()
    audit.record(
        "partner.rule",
        actor=actor,
        subject=rule,
        summary=_("Scoring rule changed: weights %(q)s/%(r)s/%(a)s/%(t)s")
        % {"q": rule.weight_quota, "r": rule.weight_reads, "a": rule.weight_adopted, "t": rule.weight_tasks},
        data={"before": before, "after": scoring.rule_dict(rule)},
    )
    return rule


def certificate_number(quarter: Quarter, rank: int) -> str:
    return f"ZMT-{quarter.year}Q{quarter.number}-{rank:03d}"


@transaction.atomic
def close_quarter(*, actor, quarter: Quarter, issuer: str = "") -> list[Score]:
    """Freeze the quarter's scores with the rule in force, award the tiers (each with a
    certificate number) and tell every partner. A quarter closes once, after it has ended."""
    _require_manager(actor)
    quarter = Quarter.objects.select_for_update().get(pk=quarter.pk)
    if quarter.is_closed:
        raise StateConflict(_("%(q)s is closed already.") % {"q": quarter})
    if timezone.localdate() <= quarter.end:
        raise StateConflict(_("%(q)s has not ended yet (it ends on %(d)s).") % {"q": quarter, "d": quarter.end.isoformat()})
    start, end = scoring.day_bounds(quarter)
    waiting = (
        TaskAssignment.objects.filter(status=TaskAssignment.Status.REPORTED)
        .filter(Q(task__due_at__gte=start, task__due_at__lt=end) | Q(reported_at__gte=start, reported_at__lt=end))
        .count()
    )
    if waiting:
        raise StateConflict(
            _("%(n)s task reports of %(q)s wait to be checked: accept or send them back before closing.") % {"n": waiting, "q": quarter}
        )
    from django.conf import settings

    issuer = strip_controls(issuer).strip()[:60] or settings.RONGMEI["CENTER_NAME"]
    rule = scoring.rule_dict(scoring.current_rule())
    lines = scoring.score_lines(quarter, rule=rule)
    scores = [
        Score(quarter=quarter, partner_id=line.partner_id, total=line.total, rank=line.rank, tier=line.tier, breakdown=line.breakdown())
        for line in lines
    ]
    Score.objects.bulk_create(scores)
    today = timezone.localdate()
    for position, line in enumerate(lines, start=1):
        if line.tier:
            Honour.objects.create(
                partner_id=line.partner_id,
                kind=Honour.Kind.AWARD,
                title=_("%(q)s self-media cooperation %(tier)s") % {"q": quarter, "tier": line.tier},
                issuer=issuer,
                awarded_on=today,
                quarter=quarter,
                certificate_no=certificate_number(quarter, position),
                created_by=actor,
            )
    quarter.status, quarter.closed_at, quarter.closed_by, quarter.rule = Quarter.Status.CLOSED, timezone.now(), actor, rule
    quarter.save()
    audit.record(
        "partner.quarter_close",
        actor=actor,
        subject=quarter,
        summary=_("Closed %(q)s: %(n)s partners ranked, %(a)s awards")
        % {"q": quarter, "n": len(lines), "a": sum(1 for x in lines if x.tier)},
        from_state=Quarter.Status.OPEN,
        to_state=Quarter.Status.CLOSED,
        data=rule,
    )
    for line in lines:
        partner = Partner.objects.get(pk=line.partner_id)
        text = _("%(q)s closed: you ranked %(r)s of %(n)s with %(s)s points.") % {
            "q": quarter,
            "r": line.rank,
            "n": len(lines),
            "s": line.total,
        }
        if line.tier:
            text += " " + _("Award: %(t)s.") % {"t": line.tier}
        notify(_members(partner), kind="partner", text=text, url=f"/partners/score/{quarter.year}-{quarter.number}/")
    return scores


# --- alerts ----------------------------------------------------------------------------------


def last_activity(partner: Partner) -> dt.date | None:
    days = []
    post = partner.posts.order_by("-published_on").values_list("published_on", flat=True).first()
    if post:
        days.append(post)
    sent = partner.contributions.order_by("-created_at").values_list("created_at", flat=True).first()
    if sent:
        days.append(timezone.localdate(sent))
    reported = partner.task_assignments.exclude(reported_at=None).order_by("-reported_at").values_list("reported_at", flat=True).first()
    if reported:
        days.append(timezone.localdate(reported))
    return max(days) if days else None


def _raise_alert(partner: Partner, kind: str, key: str, message: str) -> Alert | None:
    try:
        with transaction.atomic():
            alert = Alert.objects.create(partner=partner, kind=kind, key=key, message=message[:300])
    except IntegrityError:
        return None  # raised before: one alert per situation
    notify(_managers(), kind="partner", text=message, url=f"/partners/manage/partners/{partner.pk}/")
    notify(_members(partner), kind="partner", text=message, url="/partners/")
    return alert


def check_alerts(*, today: dt.date | None = None) -> list[Alert]:
    """Raise the alerts due today; resolve those whose situation has ended. Safe to repeat."""
    today = today or timezone.localdate()
    raised: list[Alert] = []
    quarter = quarter_for(today)
    days_left = (quarter.end - today).days
    elapsed = (today - quarter.start).days + 1
    length = (quarter.end - quarter.start).days + 1
    lines = {line.partner_id: line for line in scoring.score_lines(quarter)} if days_left < RISK_DAYS else {}
    current_prefix = f"{quarter.year}Q{quarter.number}:"
    now = timezone.now()
    Alert.objects.filter(kind=Alert.Kind.QUOTA_RISK, resolved_at=None).exclude(key__startswith=current_prefix).update(resolved_at=now)
    Alert.objects.filter(resolved_at=None).exclude(partner__status=Partner.Status.ACTIVE).update(resolved_at=now)
    for partner in Partner.objects.filter(status=Partner.Status.ACTIVE):
        last = last_activity(partner)
        since = last or partner.joined_on
        silent_days = (today - since).days
        open_silent = partner.alerts.filter(kind=Alert.Kind.SILENT, resolved_at=None)
        if silent_days >= SILENT_DAYS and not open_silent.exists():
            message = (
                _("%(p)s has published nothing for %(d)s days (last on %(l)s).")
                % {"p": partner.name, "d": silent_days, "l": last.isoformat()}
                if last
                else _("%(p)s has published nothing since joining on %(j)s.") % {"p": partner.name, "j": partner.joined_on.isoformat()}
            )
            alert = _raise_alert(partner, Alert.Kind.SILENT, f"since:{since.isoformat()}", message)
            if alert:
                raised.append(alert)
        elif silent_days < SILENT_DAYS:
            open_silent.update(resolved_at=timezone.now())
        line = lines.get(partner.pk)
        if line is None:
            continue
        for metric, target in line.figures.targets.items():
            if target <= 0:
                continue
            actual = line.figures.actual(metric)
            projected = actual * length / elapsed
            key = f"{quarter.year}Q{quarter.number}:{metric}"
            if actual < target and projected < target:
                message = _("%(p)s: %(m)s at %(a)s of %(t)s with %(d)s days of %(q)s left.") % {
                    "p": partner.name,
                    "m": scoring.METRIC_LABELS[metric],
                    "a": actual,
                    "t": target,
                    "d": days_left,
                    "q": quarter,
                }
                alert = _raise_alert(partner, Alert.Kind.QUOTA_RISK, key, message)
                if alert:
                    raised.append(alert)
            elif actual >= target:
                partner.alerts.filter(kind=Alert.Kind.QUOTA_RISK, key=key, resolved_at=None).update(resolved_at=timezone.now())
    return raised
