import pytest
from django.core.management import call_command

from rongmei.search import backends
from rongmei.search.models import Document
from rongmei.testing import factories

pytestmark = pytest.mark.django_db


def test_reindex_rebuilds_the_index_from_the_published_stories(publish, reporter, team, reviewers, capsys):
    live = publish("夏南牛大会开幕")
    factories.signed_off_story(reporter, team, reviewers, headline="夏南牛终审未发")
    backends.clear()
    assert backends.search("夏南牛", limit=10, offset=0) == (0, [])

    call_command("search_reindex")

    assert "Indexed 1 stories." in capsys.readouterr().out
    assert [h.story_id for h in backends.search("夏南牛", limit=10, offset=0)[1]] == [live.pk]
    assert list(Document.objects.values_list("story_id", flat=True)) == [live.pk]


def test_reindex_drops_what_is_no_longer_public(publish):
    story = publish("夏南牛大会开幕")
    story.state = "retracted"
    story.save(update_fields=["state"])  # as if a sync had been missed
    call_command("search_reindex")
    assert backends.search("夏南牛", limit=10, offset=0) == (0, [])
