"""Channel versions of one story (多次生成): the only write paths of ChannelVersion.

generate() makes each channel's content from a signed-off story version with the channel's
formatter (rongmei.distribution.formatters); a channel editor adjusts it with edit(); a channel
whose ``needs_review`` is on needs approve() by someone other than the story's authors before it
publishes (ready_for / require_ready, called by services.publish). Every change is audited.

Who may: generate, edit and approve — the people who may publish the story (the chief editor,
the column lead of the story's team, editors of that team); approve — not one of its authors.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.distribution import formatters
from rongmei.distribution import permissions as perms
from rongmei.distribution.models import Channel, ChannelVersion, Publication
from rongmei.newsroom.models import Story, StoryVersion

CV = ChannelVersion.State
EDITABLE_STORY_STATES = (Story.State.APPROVED, Story.State.PUBLISHED)


# --- who may --------------------------------------------------------------------------------


def can_edit(user, story) -> bool:
    return perms.can_publish(user, story)


def can_approve(user, story) -> bool:
    return perms.can_publish(user, story) and not story.authors.filter(pk=user.pk).exists()


def _check_version(version: StoryVersion | None) -> Story:
    if version is None:
        raise StateConflict(_("Channel versions are made from the signed-off version of a story."))
    story = version.story
    if story.state not in EDITABLE_STORY_STATES or story.current_version_id != version.pk:
        raise StateConflict(_("Channel versions are made from the signed-off version of a story."))
    return story


# --- the review requirement -----------------------------------------------------------------


def _version_of(obj) -> StoryVersion | int:
    if isinstance(obj, Publication):
        return obj.version_id
    if isinstance(obj, StoryVersion):
        return obj.pk
    if isinstance(obj, Story):
        return obj.current_version_id
    return obj


def ready_for(publication_or_story_version, channel: Channel) -> bool:
    """Whether this channel may publish this story version: always when the channel needs no
    review of its own, else only when its channel version is approved."""
    if not channel.needs_review:
        return True
    version_id = _version_of(publication_or_story_version)
    return ChannelVersion.objects.filter(version_id=version_id, channel=channel, state=CV.APPROVED).exists()


def require_ready(publication_or_story_version, channels) -> None:
    """Raise StateConflict naming every channel whose own review is still missing."""
    waiting = [c.name for c in channels if not ready_for(publication_or_story_version, c)]
    if waiting:
        raise StateConflict(
            _("These channels need their channel version approved before publishing: %(names)s") % {"names": "、".join(waiting)},
            code="channel_version_not_approved",
        )


# --- generate -------------------------------------------------------------------------------


def generate(*, actor, version: StoryVersion, channels, force: bool = False, options: dict | None = None) -> list[ChannelVersion]:
    """Make (or remake) each channel's version of this story version. Idempotent: a channel
    version someone edited or approved is kept unless ``force``; a generated one is remade from
    the story (so media finished since then are picked up). ``actor`` None means the system
    (e.g. publishing); a person must be allowed to publish the story."""
    story = _check_version(version)
    if actor is not None and not can_edit(actor, story):
        raise NotAllowed(_("Only the chief editor, the team's column lead and its editors may prepare channel versions."))
    channels = list(dict.fromkeys(channels or ()))
    if not channels:
        raise DomainError(_("Choose at least one channel."), field="channels")
    options = options or {}
    from rongmei.distribution.formatters._common import story_media

    media = story_media(version)
    out = []
    for channel in channels:
        with transaction.atomic():
            cv = ChannelVersion.objects.select_for_update().filter(version=version, channel=channel).first()
            if cv is not None and cv.state != CV.GENERATED and not force:
                out.append(cv)
                continue
            content = formatters.generate(channel.code, version, media, **options.get(channel.code, {}))
            if cv is not None and cv.state == CV.GENERATED and cv.content == content:
                out.append(cv)  # nothing new: no write, no audit line
                continue
            fields = {
                "content": content,
                "state": CV.GENERATED,
                "generated_at": timezone.now(),
                "edited_by": None,
                "edited_at": None,
                "approved_by": None,
                "approved_at": None,
            }
            previous = cv.state if cv is not None else ""
            if cv is None:
                try:
                    with transaction.atomic():
                        cv = ChannelVersion.objects.create(version=version, channel=channel, **fields)
                except IntegrityError:  # made at the same moment by another request
                    out.append(ChannelVersion.objects.get(version=version, channel=channel))
                    continue
            else:
                for name, value in fields.items():
                    setattr(cv, name, value)
                cv.save()
            audit.record(
                "channel_version.generated",
                actor=actor,
                subject=cv,
                summary=_("Generated the %(channel)s version of v%(n)s") % {"channel": channel.name, "n": version.number},
                from_state=previous,
                to_state=CV.GENERATED,
                data={"story": story.pk, "version": version.pk, "channel": channel.code, "forced": force},
            )
            out.append(cv)
    return out


def get_or_generate(*, actor, version: StoryVersion, channel: Channel) -> ChannelVersion:
    cv = ChannelVersion.objects.filter(version=version, channel=channel).select_related("channel", "edited_by", "approved_by").first()
    if cv is None:
        (cv,) = generate(actor=actor, version=version, channels=[channel])
    return cv


def content_for(publication: Publication) -> dict:
    """What an adapter sends for this publication: its channel version's content, generated now
    (by the system) if nobody made it yet."""
    cv = ChannelVersion.objects.filter(version_id=publication.version_id, channel_id=publication.channel_id).first()
    if cv is None:
        (cv,) = generate(actor=None, version=publication.version, channels=[publication.channel])
    return cv.content


# --- edit and approve -----------------------------------------------------------------------


def edit(*, actor, channel_version: ChannelVersion, content: dict) -> ChannelVersion:
    """The channel editor's adjustment, checked against the channel's limits (e.g. WeChat digest
    ≤ 120, title ≤ 32; a radio script not empty). An approval of the earlier content lapses."""
    story = _check_version(channel_version.version)
    if not can_edit(actor, story):
        raise NotAllowed(_("Only the chief editor, the team's column lead and its editors may adjust channel versions."))
    with transaction.atomic():
        cv = ChannelVersion.objects.select_for_update().select_related("channel", "version").get(pk=channel_version.pk)
        cleaned = formatters.clean(cv.channel.code, content, cv.content, cv.version)
        changed = sorted(k for k in cleaned if cleaned.get(k) != cv.content.get(k))
        if not changed:
            return cv
        previous = cv.state
        cv.content = cleaned
        cv.state = CV.EDITED
        cv.edited_by, cv.edited_at = actor, timezone.now()
        cv.approved_by = cv.approved_at = None
        cv.save()
        audit.record(
            "channel_version.edited",
            actor=actor,
            subject=cv,
            summary=_("Adjusted the %(channel)s version: %(fields)s") % {"channel": cv.channel.name, "fields": ", ".join(changed)},
            from_state=previous,
            to_state=CV.EDITED,
            data={"story": story.pk, "channel": cv.channel.code, "fields": changed},
        )
    return cv


def approve(*, actor, channel_version: ChannelVersion) -> ChannelVersion:
    """Approve a channel version of a channel that needs its own review. Not by the story's
    authors. Approving twice changes nothing."""
    story = _check_version(channel_version.version)
    if not perms.can_publish(actor, story):
        raise NotAllowed(_("Only the chief editor, the team's column lead and its editors may approve channel versions."))
    if story.authors.filter(pk=actor.pk).exists():
        raise NotAllowed(_("An author of the story may not approve its channel versions."))
    with transaction.atomic():
        cv = ChannelVersion.objects.select_for_update().select_related("channel").get(pk=channel_version.pk)
        if not cv.channel.needs_review:
            raise StateConflict(_("%(channel)s does not need a review of its own.") % {"channel": cv.channel.name})
        if cv.state == CV.APPROVED:
            return cv
        previous = cv.state
        cv.state = CV.APPROVED
        cv.approved_by, cv.approved_at = actor, timezone.now()
        cv.save(update_fields=["state", "approved_by", "approved_at"])
        audit.record(
            "channel_version.approved",
            actor=actor,
            subject=cv,
            summary=_("Approved the %(channel)s version") % {"channel": cv.channel.name},
            from_state=previous,
            to_state=CV.APPROVED,
            data={"story": story.pk, "channel": cv.channel.code},
        )
    return cv


def set_needs_review(*, actor, channel: Channel, needs_review: bool) -> Channel:
    """Configure whether the channel's versions need their own review (those who configure channels)."""
    if not perms.can_configure_channels(actor):
        raise NotAllowed(_("Only operators, administrators and the chief editor may configure channels."))
    with transaction.atomic():
        ch = Channel.objects.select_for_update().get(pk=channel.pk)
        if ch.needs_review != needs_review:
            ch.needs_review = needs_review
            ch.save(update_fields=["needs_review"])
            audit.record(
                "channel.needs_review",
                actor=actor,
                subject=ch,
                summary=(
                    _("%(channel)s: channel versions need their own review") if needs_review else _("%(channel)s: no review of its own")
                )
                % {"channel": ch.name},
                data={"needs_review": needs_review},
            )
    return ch


# --- reads ----------------------------------------------------------------------------------


def of_story(story: Story) -> list[tuple[Channel, ChannelVersion | None]]:
    """Every active channel with the channel version of the story's current version, if made."""
    have = {
        cv.channel_id: cv
        for cv in ChannelVersion.objects.filter(version_id=story.current_version_id).select_related("edited_by", "approved_by")
    }
    return [(c, have.get(c.pk)) for c in Channel.objects.filter(active=True)]
