import datetime as dt

from django.utils import timezone

from rongmei.analytics import demo, selectors
from rongmei.analytics.models import DailyRollup, DaySalt, Dimension, Event, RollupRun


def test_seed_demo_makes_a_rolled_up_week_once(story, village_story, columns):
    made = demo.seed_demo()
    today = timezone.localdate()
    assert made["readership_days"] == 7 and made["readership_events"] == Event.objects.count() > 0
    assert sorted(RollupRun.objects.filter(complete=True).values_list("day", flat=True)) == [
        today - dt.timedelta(days=n) for n in range(6, 0, -1)
    ]
    assert not RollupRun.objects.get(day=today).complete
    assert DailyRollup.objects.filter(dimension=Dimension.COLUMN, key=columns["toutiao"].pk).count() == 7
    assert not DaySalt.objects.exists()  # the made-up devices were hashed with a throwaway key
    assert selectors.article_counters(story.pk)["views"] > 0
    assert demo.seed_demo() == {"readership_events": 0, "readership_days": 0}


def test_seed_demo_without_published_stories_does_nothing(db):
    assert demo.seed_demo() == {"readership_events": 0, "readership_days": 0}
    assert not Event.objects.exists()
