import datetime as dt

from django.core.cache import cache
from django.utils import timezone

from rongmei.distribution.adapters import progress
from rongmei.distribution.adapters.progress import Progress
from rongmei.distribution.models import DeliveryProgress


def test_a_checkpoint_survives_a_cache_flush_and_is_seen_by_the_next_attempt(db):
    Progress("douyin:open-1", "rongmei-1-1-9").set("post_attempted", True)
    cache.clear()
    again = Progress("douyin:open-1", "rongmei-1-1-9")
    assert again.get("post_attempted") is True
    assert Progress("douyin:open-2", "rongmei-1-1-9").get("post_attempted") is None  # another account
    again.clear()
    assert Progress("douyin:open-1", "rongmei-1-1-9").get("post_attempted") is None


def test_old_checkpoints_expire_and_recent_ones_stay(db):
    Progress("wechat:wx1", "old").set("publish_id", "1")
    Progress("wechat:wx1", "new").set("publish_id", "2")
    DeliveryProgress.objects.filter(key=Progress("wechat:wx1", "old").store_key).update(
        updated_at=timezone.now() - dt.timedelta(days=progress.EXPIRE_DAYS + 1)
    )
    assert progress.expire() == 1
    assert Progress("wechat:wx1", "old").get("publish_id") is None
    assert Progress("wechat:wx1", "new").get("publish_id") == "2"
