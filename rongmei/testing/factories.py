"""Shortcuts that drive the real services to put objects into a given state for a test."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rongmei.newsroom import services
from rongmei.newsroom.models import Coverage, Story

BODY = "<p>泌阳县铜山湖景区今年接待游客同比增长两成，夏南牛养殖户在湖畔开起了农家乐。</p>"


def draft_story(author, team, *, headline: str = "铜山湖畔夏南牛养殖户的新生活", body: str = BODY) -> Story:
    return services.create_story(actor=author, team=team, headline=headline, body=body)


def story_in_review(author, team, **kwargs) -> Story:
    story = draft_story(author, team, **kwargs)
    services.submit_story(actor=author, story=story)
    story.refresh_from_db()
    return story


def signed_off_story(author, team, reviewers, **kwargs) -> Story:
    """reviewers: one person per level, in order (editor, column lead, chief editor by default)."""
    story = story_in_review(author, team, **kwargs)
    for reviewer in reviewers:
        services.approve(actor=reviewer, story=story)
    story.refresh_from_db()
    return story


def published_story(author, team, reviewers, *, channels=("website",), **kwargs) -> Story:
    """Signed off, then published on ``channels`` by the last reviewer (the chief editor by
    default), each publication sent at once (tests do not run the task worker)."""
    from rongmei.distribution import services as distribution
    from rongmei.distribution.models import Channel

    story = signed_off_story(author, team, reviewers, **kwargs)
    for pub in distribution.publish(actor=reviewers[-1], story=story, channels=list(Channel.objects.filter(code__in=channels))):
        distribution.send(pub)
    story.refresh_from_db()
    return story


def approved_plan(proposer, lead, team, *, kinds=("text",)):
    deadline = timezone.now() + dt.timedelta(days=1)
    plan = services.propose_plan(
        actor=proposer,
        team=team,
        title="第十五届中国牛业发展大会筹备",
        summary="大会在泌阳召开，报道筹备进展与夏南牛产业。",
        planned_date=timezone.localdate(),
        coverages=[(kind, deadline, "") for kind in kinds],
    )
    services.approve_plan(actor=lead, plan=plan)
    return plan


def coverage_of(plan, kind: str = "text") -> Coverage:
    return plan.coverages.get(kind=kind)
