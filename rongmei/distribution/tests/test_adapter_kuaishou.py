import json
import time
from pathlib import Path

import pytest

from rongmei.distribution import credentials, services
from rongmei.distribution.adapters import PermanentError, TransientError, adapter_for
from rongmei.distribution.adapters.base import Receipt
from rongmei.distribution.adapters.kuaishou import DELETE, LIST, PUBLISH, REFRESH, START_UPLOAD, KuaishouAdapter
from rongmei.distribution.adapters.oauth_http import LostAnswer
from rongmei.distribution.models import Channel, Publication
from rongmei.distribution.tests.servers.contract import PNG, attach_video
from rongmei.distribution.tests.servers.kuaishou import APP_ID, APP_SECRET, FIRST_ACCESS, FIRST_REFRESH, KuaishouServer

pytestmark = pytest.mark.usefixtures("english")

WHOLE, FRAGMENT, COMPLETE = "/api/upload", "/api/upload/fragment", "/api/upload/complete"


@pytest.fixture
def ks():
    with KuaishouServer() as server:
        yield server


@pytest.fixture
def kuaishou(db):
    return Channel.objects.get(code="kuaishou")


def configure(channel, values: dict) -> None:
    channel.credentials = credentials.encrypt(values)
    channel.save(update_fields=["credentials"])


def stored(channel) -> dict:
    return credentials.decrypt(Channel.objects.get(pk=channel.pk).credentials)


@pytest.fixture
def video(story, photographer):
    _asset, data = attach_video(story, photographer, size=30_000)
    return data


@pytest.fixture
def pub(story, editor, video, ks, kuaishou):
    configure(kuaishou, ks.settings())
    (pub,) = services.publish(actor=editor, story=story, channels=[kuaishou])
    return pub


def fresh(pub) -> KuaishouAdapter:
    return KuaishouAdapter(Channel.objects.get(pk=pub.channel_id))


def test_the_vertical_cut_is_uploaded_then_published_with_caption_and_cover(ks, pub, video):
    adapter = fresh(pub)
    payload = adapter.render(pub)
    receipt = adapter.send(payload, pub.key)
    assert ks.live_photos() == [receipt.external_id] and receipt.url == ""
    (start,) = ks.to(START_UPLOAD)
    assert start.query == {"app_id": APP_ID, "access_token": FIRST_ACCESS}
    (upload,) = ks.to(WHOLE)
    assert upload.body == video and upload.headers["content-type"] == "video/mp4"
    (publish,) = ks.to(PUBLISH)
    assert publish.query["upload_token"] == upload.query["upload_token"]
    form = publish.form()
    assert form["caption"] == payload["content"]["text"]
    assert form["cover"] == ("cover.png", PNG)
    assert ks.photos[receipt.external_id]["video"] == video


def test_a_large_video_goes_up_in_fragments_streamed_from_disk(ks, pub, video, kuaishou, monkeypatch):
    configure(kuaishou, ks.settings(whole_limit=10_000, fragment_size=12_000))

    def never(self):
        raise AssertionError("a large video must not be read whole")

    monkeypatch.setattr(Path, "read_bytes", never)
    monkeypatch.setattr("rongmei.distribution.adapters.kuaishou.media_bytes", lambda ref: PNG)  # the cover is small
    receipt = fresh(pub).send(fresh(pub).render(pub), pub.key)
    fragments = ks.to(FRAGMENT)
    assert [int(f.query["fragment_id"]) for f in fragments] == [0, 1, 2]
    assert [len(f.body) for f in fragments] == [12_000, 12_000, 6_000]
    (complete,) = ks.to(COMPLETE)
    assert complete.query["fragment_count"] == "3" and ks.calls[WHOLE] == 0
    assert ks.photos[receipt.external_id]["video"] == video


def test_an_interrupted_fragment_upload_continues_where_it_stopped(ks, pub, video, kuaishou):
    configure(kuaishou, ks.settings(whole_limit=10_000, fragment_size=12_000))
    adapter = fresh(pub)
    ks.faults.extend([None, None, "drop"])  # start and fragment 0 succeed, fragment 1 is lost
    with pytest.raises(TransientError):
        adapter.send(adapter.render(pub), pub.key)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert [int(f.query["fragment_id"]) for f in ks.to(FRAGMENT)] == [0, 1, 1, 2]
    assert ks.calls[START_UPLOAD] == 1 and ks.photos[receipt.external_id]["video"] == video


def test_an_expired_token_is_refreshed_and_the_new_refresh_token_stored_at_once(ks, pub, kuaishou):
    ks.faults.append("expire")
    adapter = fresh(pub)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert ks.live_photos() == [receipt.external_id]
    (refresh,) = ks.to(REFRESH)
    assert refresh.method == "GET"
    assert refresh.query == {"app_id": APP_ID, "app_secret": APP_SECRET, "refresh_token": FIRST_REFRESH, "grant_type": "refresh_token"}
    values = stored(kuaishou)
    assert values["refresh_token"] == ks.refresh_token != FIRST_REFRESH  # Kuaishou rotated it: the old one is dead
    assert values["access_token"] == ks.current_access


def test_two_workers_refreshing_at_once_refresh_only_once(ks, pub):
    first, second = fresh(pub), fresh(pub)  # both read the first tokens
    second.cfg  # noqa: B018 - loaded before the first worker refreshes
    ks.faults.append("expire")
    first.send(first.render(pub), pub.key)
    # The second worker's token is now refused; it finds the fresh one stored instead of refreshing
    # with the refresh token Kuaishou has already replaced.
    assert second.api(START_UPLOAD)["result"] == 1
    assert ks.calls[REFRESH] == 1


def test_a_token_refused_again_after_one_refresh_is_permanent_and_names_no_secret(ks, pub):
    ks.reject_tokens = True
    adapter = fresh(pub)
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "authorize the account again" in e.value.message
    assert ks.calls[REFRESH] == 1 and not ks.photos
    for secret in (FIRST_ACCESS, FIRST_REFRESH, APP_SECRET):
        assert secret not in e.value.message


def test_a_refresh_token_kuaishou_no_longer_knows_asks_for_a_new_authorization(ks, pub):
    ks.refresh_token = "another-one"
    ks.faults.append("expire")
    adapter = fresh(pub)
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "authorize the account again" in e.value.message


@pytest.mark.parametrize("fault", ["busy", "rate", "500"])
def test_busy_rate_limited_and_5xx_answers_to_the_post_are_transient_and_the_retry_reuses_the_upload(ks, pub, fault):
    adapter = fresh(pub)
    ks.faults.extend([None, None, fault])  # start and upload succeed, publish fails
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert not isinstance(e.value, LostAnswer)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert ks.live_photos() == [receipt.external_id]
    assert ks.calls[START_UPLOAD] == 1 and ks.calls[WHOLE] == 1 and ks.calls[PUBLISH] == 2


@pytest.mark.parametrize("fault", ["timeout", "drop", "drop_after", "500", "busy", "rate"])
def test_any_failure_while_uploading_is_transient_and_the_retry_posts_once(ks, pub, fault):
    adapter = fresh(pub)
    ks.faults.append(fault)  # start_upload
    with pytest.raises(TransientError):
        adapter.send(adapter.render(pub), pub.key)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert ks.live_photos() == [receipt.external_id] and ks.calls[PUBLISH] == 1


def test_a_lost_answer_to_the_post_is_followed_by_a_look_up_that_takes_the_photo_as_the_receipt(ks, pub):
    adapter = fresh(pub)
    ks.faults.extend([None, None, "drop_after"])  # start and upload succeed; publish is done, its answer lost
    with pytest.raises(LostAnswer):
        adapter.send(adapter.render(pub), pub.key)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert ks.live_photos() == [receipt.external_id] and len(ks.photos) == 1 and ks.calls[PUBLISH] == 1
    (listing,) = ks.to(LIST)
    assert listing.method == "GET" and listing.query == {"app_id": APP_ID, "access_token": FIRST_ACCESS, "count": "50"}
    again = adapter.send(adapter.render(pub), pub.key)
    assert again == receipt and ks.calls[LIST] == 1 and ks.calls[START_UPLOAD] == 1


@pytest.mark.parametrize("fault", ["timeout", "drop"])
def test_a_lost_answer_when_nothing_was_posted_is_looked_for_twice_then_posted_once(ks, pub, fault):
    adapter = fresh(pub)
    ks.faults.extend([None, None, fault])
    with pytest.raises(LostAnswer):
        adapter.send(adapter.render(pub), pub.key)
    # Not in the account's list yet: maybe the list lags. Look again later, do not post.
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert not isinstance(e.value, PermanentError) and "looking again later" in e.value.message
    assert ks.calls[PUBLISH] == 1 and ks.calls[LIST] == 1 and not ks.photos
    # Still not there at the second look: the lost call did not post. Post, once.
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert ks.calls[LIST] == 2 and ks.calls[PUBLISH] == 2
    assert ks.live_photos() == [receipt.external_id]
    assert adapter.send(adapter.render(pub), pub.key) == receipt  # and never again


@pytest.mark.parametrize("fault", ["500", "timeout", "drop_after", "busy", "rate"])
def test_a_look_up_failing_for_now_is_transient_and_the_next_attempt_looks_again(ks, pub, fault):
    adapter = fresh(pub)
    ks.faults.extend([None, None, "drop_after", fault])  # start, upload, lost publish, then the list fails
    with pytest.raises(LostAnswer):
        adapter.send(adapter.render(pub), pub.key)
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert not isinstance(e.value, PermanentError)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert ks.live_photos() == [receipt.external_id] and ks.calls[PUBLISH] == 1 and ks.calls[LIST] == 2


def test_the_look_up_skips_older_photos_with_the_same_caption_and_pages_by_cursor(ks, pub):
    adapter = fresh(pub)
    payload = adapter.render(pub)
    ks.post_by_hand(payload["content"]["text"], at=time.time() - 3600)  # the same caption an hour ago: not ours
    ks.faults.extend([None, None, "drop_after"])
    with pytest.raises(LostAnswer):
        adapter.send(payload, pub.key)
    ours = next(p for p, v in ks.photos.items() if v["video"])
    for n in range(55):  # newer photos push ours to the second page
        ks.post_by_hand(f"另一条作品 {n}", at=time.time() + 5)
    receipt = adapter.send(payload, pub.key)
    assert receipt.external_id == ours and ks.calls[PUBLISH] == 1
    first, second = ks.to(LIST)
    assert "cursor" not in first.query and second.query["cursor"] in ks.photos and second.query["cursor"] != ours


def test_an_upload_kuaishou_has_lost_is_made_again_on_the_next_attempt(ks, pub):
    adapter = fresh(pub)
    ks.faults.extend([None, None, "500"])  # start and upload succeed, publish fails
    with pytest.raises(TransientError):
        adapter.send(adapter.render(pub), pub.key)
    ks.uploads.clear()  # Kuaishou no longer has that upload: publish answers 120002
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "120002" in e.value.message
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert ks.calls[START_UPLOAD] == 2 and ks.live_photos() == [receipt.external_id]


def test_no_cover_is_refused_before_any_call(ks, pub, monkeypatch):
    monkeypatch.setattr("rongmei.distribution.adapters.kuaishou.media_bytes", lambda ref: None)
    adapter = fresh(pub)
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "cover image" in e.value.message and ks.requests == []


def test_a_story_without_a_finished_vertical_cut_is_refused_before_any_call(ks, story, editor, photographer, kuaishou):
    attach_video(story, photographer, vertical=False)
    configure(kuaishou, ks.settings())
    (pub,) = services.publish(actor=editor, story=story, channels=[kuaishou])
    adapter = fresh(pub)
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "wait for its vertical cut" in e.value.message and ks.requests == []


def test_retraction_deletes_the_photo_and_a_refused_one_says_to_delete_by_hand(ks, pub):
    adapter = fresh(pub)
    receipt = adapter.send(adapter.render(pub), pub.key)
    adapter.retract(receipt, pub.key)
    assert ks.live_photos() == []
    (delete,) = ks.to(DELETE)
    assert delete.query["photo_id"] == receipt.external_id and delete.query["app_id"] == APP_ID
    with pytest.raises(PermanentError) as e:
        adapter.retract(Receipt("3x-not-ours"), pub.key)
    assert "Delete it by hand" in e.value.message


def test_the_publishing_service_records_the_video_and_retracts_it(ks, pub, chief):
    assert isinstance(adapter_for(pub.channel), KuaishouAdapter)
    assert services.send(pub) == Publication.State.PUBLISHED
    pub.refresh_from_db()
    assert ks.live_photos() == [pub.external_id]
    assert FIRST_ACCESS not in json.dumps(pub.payload, ensure_ascii=False)
    services.retract(actor=chief, story=pub.story, reason="事实有误")
    assert services.withdraw(pub) == Publication.State.RETRACTED
    assert ks.live_photos() == []


def test_an_operator_enters_the_kuaishou_settings_with_the_secrets_encrypted(operator, kuaishou):
    from rongmei.core.exceptions import DomainError
    from rongmei.distribution.adapters.settings_util import check_settings

    entered = {"app_id": APP_ID, "app_secret": APP_SECRET, "refresh_token": FIRST_REFRESH}
    channel = services.configure_channel(actor=operator, channel=kuaishou, adapter="kuaishou", settings=entered)
    assert isinstance(adapter_for(channel), KuaishouAdapter)
    assert APP_SECRET.encode() not in channel.credentials.encode() and stored(channel)["app_secret"] == APP_SECRET
    with pytest.raises(DomainError) as e:
        services.configure_channel(actor=operator, channel=Channel.objects.get(code="newspaper"), adapter="kuaishou", settings=entered)
    assert e.value.field == "adapter"
    with pytest.raises(DomainError) as e:
        check_settings("kuaishou", {"app_id": APP_ID, "app_secret": APP_SECRET})
    assert e.value.field == "refresh_token"


@pytest.mark.parametrize("fault", ["timeout", "drop", "drop_after", "500"])
def test_a_failed_or_lost_video_upload_is_retried_and_the_retry_posts_once(ks, pub, video, fault):
    adapter = fresh(pub)
    ks.faults.extend([None, fault])  # start_upload succeeds, the video upload fails
    with pytest.raises(TransientError):
        adapter.send(adapter.render(pub), pub.key)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert ks.live_photos() == [receipt.external_id] and ks.photos[receipt.external_id]["video"] == video
    # a lost answer may have used the upload token up: the retry starts a new upload
    assert ks.calls[START_UPLOAD] == (1 if fault == "500" else 2)
