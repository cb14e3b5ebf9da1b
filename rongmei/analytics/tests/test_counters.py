import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from rongmei.analytics import selectors, services
from rongmei.analytics.tests.conftest import ev, ingest_on

URL = "/api/v1/public/articles/{}/counters"


@pytest.fixture
def history(story):
    """Three views and a read two days ago, two views yesterday: both days rolled up."""
    today = timezone.localdate()
    ingest_on(today - dt.timedelta(days=2), [ev(article=story.pk)] * 3 + [ev("read", article=story.pk)])
    ingest_on(today - dt.timedelta(days=1), [ev(article=story.pk)] * 2 + [ev("share", article=story.pk)])
    services.rollup_pending()
    return story


def test_counters_are_the_rollups_plus_todays_live_counts(client, history):
    services.ingest([ev(article=history.pk), ev("read", article=history.pk, seconds=16), ev("play", article=history.pk)])
    response = client.get(URL.format(history.pk))
    assert response.status_code == 200
    assert response.json() == {"article": history.pk, "views": 6, "reads": 2, "plays": 1, "shares": 1}
    assert "public" in response["Cache-Control"]


def test_counters_are_cached_briefly(client, history):
    assert client.get(URL.format(history.pk)).json()["views"] == 5
    services.ingest([ev(article=history.pk)])
    assert client.get(URL.format(history.pk)).json()["views"] == 5  # cached
    cache.delete(selectors.counters_key(history.pk))
    assert client.get(URL.format(history.pk)).json()["views"] == 6


def test_counting_counters_reads_no_event_row(client, history, django_assert_num_queries):
    client.get(URL.format(history.pk))
    cache.delete(selectors.counters_key(history.pk))
    # The article lookup and the last complete day are cached; one sum over the rollups remains.
    with django_assert_num_queries(1):
        assert client.get(URL.format(history.pk)).status_code == 200


def test_a_day_rolled_up_is_not_counted_twice_and_a_finished_day_waiting_for_its_rollup_still_counts(history):
    today = timezone.localdate()
    # Live counts of yesterday were made at ingest too; yesterday is complete, so only its rollup counts.
    assert selectors.article_counters(history.pk)["views"] == 5
    # Today's events, then midnight passes before the rollup: they still count (as live counts of a
    # finished day not yet rolled up).
    services.ingest([ev(article=history.pk)] * 4)
    cache.delete(selectors.counters_key(history.pk))  # not cache.clear(): with Redis that wipes the live counts
    assert selectors.article_counters(history.pk, today=today + dt.timedelta(days=1))["views"] == 9
    # A partial rollup of today does not replace today's live counts.
    services.rollup_day(today)
    cache.delete(selectors.counters_key(history.pk))
    assert selectors.article_counters(history.pk)["views"] == 9


def test_unknown_and_unpublished_articles_are_404(client, db, reporter, team):
    from rongmei.testing import factories

    draft = factories.draft_story(reporter, team)
    for article in (draft.pk, 999_999):
        response = client.get(URL.format(article))
        assert response.status_code == 404 and response.json()["field"] == "article"
    assert client.get(URL.format(0)).status_code == 422
    assert client.get(URL.format(2**63)).status_code == 422
