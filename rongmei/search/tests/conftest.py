import pytest

from rongmei.distribution import services as distribution
from rongmei.distribution.models import Channel
from rongmei.newsroom import services as newsroom
from rongmei.testing import factories


@pytest.fixture
def publish(reporter, team, reviewers, django_capture_on_commit_callbacks):
    """Publish a story on the website with the after-commit hooks run, as in production
    (tests run inside one transaction that never commits). ``intro`` and ``keywords`` go
    through the newsroom services the way factories.published_story does."""

    def make(headline, body=factories.BODY, *, author=None, in_team=None, by=None, channels=("website",), **fields):
        author, by = author or reporter, by or reviewers
        with django_capture_on_commit_callbacks(execute=True):
            if not fields:
                return factories.published_story(author, in_team or team, by, headline=headline, body=body, channels=channels)
            story = newsroom.create_story(actor=author, team=in_team or team, headline=headline, body=body, **fields)
            newsroom.submit_story(actor=author, story=story)
            for reviewer in by:
                newsroom.approve(actor=reviewer, story=story)
            for pub in distribution.publish(actor=by[-1], story=story, channels=list(Channel.objects.filter(code__in=channels))):
                distribution.send(pub)
            story.refresh_from_db()
            return story

    return make
