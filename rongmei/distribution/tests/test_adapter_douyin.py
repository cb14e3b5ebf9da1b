import json
import time
from pathlib import Path

import pytest

from rongmei.distribution import credentials, services
from rongmei.distribution.adapters import PermanentError, TransientError, adapter_for
from rongmei.distribution.adapters.douyin import (
    COMPLETE_PARTS,
    CREATE,
    DELETE,
    INIT_PARTS,
    LIST,
    REFRESH,
    RENEW,
    UPLOAD,
    UPLOAD_PART,
    DouyinAdapter,
)
from rongmei.distribution.adapters.oauth_http import LostAnswer
from rongmei.distribution.models import Channel, Publication
from rongmei.distribution.tests.servers.contract import attach_video
from rongmei.distribution.tests.servers.douyin import FIRST_ACCESS, FIRST_REFRESH, OPEN_ID, DouyinServer

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def dy():
    with DouyinServer() as server:
        yield server


@pytest.fixture
def douyin(db):
    return Channel.objects.get(code="douyin")


def configure(channel, values: dict) -> None:
    channel.credentials = credentials.encrypt(values)
    channel.save(update_fields=["credentials"])


def stored(channel) -> dict:
    return credentials.decrypt(Channel.objects.get(pk=channel.pk).credentials)


@pytest.fixture
def video(story, photographer):
    _asset, data = attach_video(story, photographer, size=40_000)
    return data


@pytest.fixture
def pub(story, editor, video, dy, douyin):
    configure(douyin, dy.settings())
    (pub,) = services.publish(actor=editor, story=story, channels=[douyin])
    return pub


def fresh(pub) -> DouyinAdapter:
    return DouyinAdapter(Channel.objects.get(pk=pub.channel_id))


def test_the_vertical_cut_is_uploaded_then_published_with_its_caption(dy, pub, video):
    adapter = fresh(pub)
    payload = adapter.render(pub)
    receipt = adapter.send(payload, pub.key)
    assert dy.live_items() == [receipt.external_id] and receipt.url == ""
    (upload,) = dy.to(UPLOAD)
    assert upload.headers["access-token"] == FIRST_ACCESS and upload.query == {"open_id": OPEN_ID}
    assert upload.form()["video"] == ("video.mp4", video)
    (create,) = dy.to(CREATE)
    assert create.headers["content-type"].startswith("application/json")
    sent = create.form()
    assert sent["video_id"] in dy.videos and dy.videos[sent["video_id"]] == video
    assert sent["text"] == payload["content"]["text"] and sent["text"].startswith(payload["content"]["caption"])
    assert sent["cover_tsp"] == 1.0  # where the poster frame was taken
    assert dy.calls[REFRESH] == 0
    assert FIRST_ACCESS not in json.dumps(payload, ensure_ascii=False)


def test_a_large_video_goes_up_in_parts_streamed_from_disk(dy, pub, video, douyin, monkeypatch):
    configure(douyin, dy.settings(part_threshold=10_000, part_size=16_000))

    def never(self):
        raise AssertionError("a large video must not be read whole")

    monkeypatch.setattr(Path, "read_bytes", never)
    receipt = fresh(pub).send(fresh(pub).render(pub), pub.key)
    assert dy.calls[UPLOAD] == 0 and dy.calls[INIT_PARTS] == 1 and dy.calls[COMPLETE_PARTS] == 1
    parts = dy.to(UPLOAD_PART)
    assert [int(p.query["part_number"]) for p in parts] == [1, 2, 3]
    assert [len(p.form()["video"][1]) for p in parts] == [16_000, 16_000, 8_000]
    assert dy.videos[dy.items[receipt.external_id]["video_id"]] == video


def test_an_interrupted_part_upload_continues_with_the_part_that_failed(dy, pub, video, douyin):
    configure(douyin, dy.settings(part_threshold=10_000, part_size=16_000))
    adapter = fresh(pub)
    dy.faults.extend([None, None, "500"])  # init and part 1 succeed, part 2 fails
    with pytest.raises(TransientError):
        adapter.send(adapter.render(pub), pub.key)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert [int(p.query["part_number"]) for p in dy.to(UPLOAD_PART)] == [1, 2, 2, 3]
    assert dy.calls[INIT_PARTS] == 1 and dy.live_items() == [receipt.external_id]
    assert dy.videos[dy.items[receipt.external_id]["video_id"]] == video


def test_an_expired_access_token_is_refreshed_once_and_the_new_one_stored_encrypted(dy, pub, douyin):
    dy.faults.append("expire")
    adapter = fresh(pub)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert dy.live_items() == [receipt.external_id]
    assert dy.calls[REFRESH] == 1
    (refresh,) = dy.to(REFRESH)
    assert refresh.form() == {"client_key": douyin_client_key(dy), "grant_type": "refresh_token", "refresh_token": FIRST_REFRESH}
    assert [r.headers["access-token"] for r in dy.to(UPLOAD)] == [FIRST_ACCESS, dy.current_access]
    values = stored(douyin)
    assert values["access_token"] == dy.current_access != FIRST_ACCESS
    assert values["access_expires_at"] > time.time() + 14 * 24 * 3600
    assert dy.current_access.encode() not in Channel.objects.get(pk=douyin.pk).credentials.encode()


def douyin_client_key(dy) -> str:
    return dy.settings()["client_key"]


def test_a_token_about_to_expire_is_refreshed_before_the_first_call(dy, pub, douyin):
    configure(douyin, dy.settings(access_expires_at=time.time() + 60))
    adapter = fresh(pub)
    adapter.send(adapter.render(pub), pub.key)
    assert dy.calls[REFRESH] == 1
    assert [r.headers["access-token"] for r in dy.to(UPLOAD)] == [dy.current_access]


def test_the_refresh_token_is_renewed_before_it_runs_out_and_the_new_one_stored(dy, pub, douyin):
    configure(douyin, dy.settings(refresh_expires_at=time.time() + 3600))
    adapter = fresh(pub)
    adapter.send(adapter.render(pub), pub.key)
    assert dy.calls[RENEW] == 1 and dy.refresh_token != FIRST_REFRESH
    assert stored(douyin)["refresh_token"] == dy.refresh_token
    assert stored(douyin)["refresh_expires_at"] > time.time() + 29 * 24 * 3600


def test_a_token_refused_again_after_one_refresh_is_permanent_and_names_no_secret(dy, pub):
    dy.reject_tokens = True
    adapter = fresh(pub)
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "authorize the account again" in e.value.message
    assert dy.calls[REFRESH] == 1 and not dy.items
    assert FIRST_ACCESS not in e.value.message and FIRST_REFRESH not in e.value.message


def test_an_expired_refresh_token_asks_for_a_new_authorization(dy, pub, douyin):
    values = dy.settings()
    del values["access_token"]
    configure(douyin, values)
    dy.refresh_expired = True
    adapter = fresh(pub)
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "authorize the account again" in e.value.message
    assert dy.calls[UPLOAD] == 0


@pytest.mark.parametrize("fault", ["busy", "rate", "500"])
def test_busy_rate_limited_and_5xx_answers_to_the_post_are_transient_and_the_retry_reuses_the_upload(dy, pub, fault):
    adapter = fresh(pub)
    dy.faults.extend([None, fault])  # the upload succeeds, create_video fails
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert not isinstance(e.value, LostAnswer)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert dy.live_items() == [receipt.external_id]
    assert dy.calls[UPLOAD] == 1 and dy.calls[CREATE] == 2


@pytest.mark.parametrize("fault", ["timeout", "drop", "drop_after", "500", "busy", "rate"])
def test_any_failure_of_the_upload_is_transient_and_the_retry_posts_once(dy, pub, fault):
    adapter = fresh(pub)
    dy.faults.append(fault)
    with pytest.raises(TransientError):
        adapter.send(adapter.render(pub), pub.key)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert dy.live_items() == [receipt.external_id] and dy.calls[CREATE] == 1


def test_a_lost_answer_to_the_post_is_followed_by_a_look_up_that_takes_the_video_as_the_receipt(dy, pub):
    adapter = fresh(pub)
    dy.faults.extend([None, "drop_after"])  # the upload succeeds; create_video is done, its answer lost
    with pytest.raises(LostAnswer):
        adapter.send(adapter.render(pub), pub.key)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert dy.live_items() == [receipt.external_id] and len(dy.items) == 1 and dy.calls[CREATE] == 1
    assert receipt.url == f"https://www.iesdouyin.com/share/video/{receipt.external_id}/"
    (listing,) = dy.to(LIST)
    assert listing.method == "GET" and listing.query == {"open_id": OPEN_ID, "cursor": "0", "count": "20"}
    assert listing.headers["access-token"] == FIRST_ACCESS
    again = adapter.send(adapter.render(pub), pub.key)  # the receipt is remembered: no further call
    assert again.external_id == receipt.external_id and dy.calls[LIST] == 1 and dy.calls[CREATE] == 1


def test_the_publishing_service_publishes_after_a_lost_answer_with_the_video_found(dy, pub):
    dy.faults.extend([None, "drop_after"])
    assert services.send(pub) == Publication.State.FAILED
    Publication.objects.filter(pk=pub.pk).update(next_attempt_at=None)
    assert services.send(pub) == Publication.State.PUBLISHED
    pub.refresh_from_db()
    assert dy.live_items() == [pub.external_id] and dy.calls[CREATE] == 1


@pytest.mark.parametrize("fault", ["timeout", "drop"])
def test_a_lost_answer_when_nothing_was_posted_is_looked_for_twice_then_posted_once(dy, pub, fault):
    adapter = fresh(pub)
    dy.faults.extend([None, fault])
    with pytest.raises(LostAnswer):
        adapter.send(adapter.render(pub), pub.key)
    # Not in the account's list yet: maybe the list lags. Look again later, do not post.
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert not isinstance(e.value, PermanentError) and "looking again later" in e.value.message
    assert dy.calls[CREATE] == 1 and dy.calls[LIST] == 1 and not dy.items
    # Still not there at the second look: the lost call did not post. Post, once.
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert dy.calls[LIST] == 2 and dy.calls[CREATE] == 2
    assert dy.live_items() == [receipt.external_id]
    assert adapter.send(adapter.render(pub), pub.key) == receipt  # and never again


@pytest.mark.parametrize("fault", ["500", "timeout", "drop_after", "busy"])
def test_a_look_up_failing_for_now_is_transient_and_the_next_attempt_looks_again(dy, pub, fault):
    adapter = fresh(pub)
    dy.faults.extend([None, "drop_after", fault])  # upload, lost create_video, then the list fails
    with pytest.raises(LostAnswer):
        adapter.send(adapter.render(pub), pub.key)
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert not isinstance(e.value, PermanentError)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert dy.live_items() == [receipt.external_id] and len(dy.items) == 1
    assert dy.calls[CREATE] == 1 and dy.calls[LIST] == 2


def test_a_look_up_refused_for_good_asks_a_person_without_posting(dy, pub):
    adapter = fresh(pub)
    dy.faults.extend([None, "drop_after"])
    with pytest.raises(LostAnswer):
        adapter.send(adapter.render(pub), pub.key)
    dy.reject_tokens = True  # e.g. the authorization was withdrawn
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "Check the account" in e.value.message and dy.calls[CREATE] == 1 and len(dy.items) == 1


def test_the_look_up_skips_older_videos_with_the_same_text_and_pages_through_newer_ones(dy, pub):
    adapter = fresh(pub)
    payload = adapter.render(pub)
    text = payload["content"]["text"]
    dy.post_by_hand(text, at=time.time() - 3600)  # the same caption an hour ago: not ours
    dy.faults.extend([None, "drop_after"])
    with pytest.raises(LostAnswer):
        adapter.send(payload, pub.key)
    ours = next(i for i, v in dy.items.items() if "video_id" in v)
    for n in range(25):  # newer videos push ours to the second page
        dy.post_by_hand(f"另一条视频 {n}", at=time.time() + 5)
    receipt = adapter.send(payload, pub.key)
    assert receipt.external_id == ours and dy.calls[LIST] == 2 and dy.calls[CREATE] == 1


def test_a_video_already_the_receipt_of_another_publication_is_not_taken(dy, pub, douyin, reporter, team, editor, column_lead, chief):
    from rongmei.testing import factories

    adapter = fresh(pub)
    payload = adapter.render(pub)
    other_story = factories.signed_off_story(reporter, team, [editor, column_lead, chief])
    other = Publication.objects.create(
        story=other_story, version=other_story.current_version, channel=douyin, requested_by=editor, state="published"
    )
    someone_else = dy.post_by_hand(payload["content"]["text"])
    Publication.objects.filter(pk=other.pk).update(external_id=someone_else)
    dy.faults.extend([None, "drop"])  # nothing of ours posted; the only match belongs to the other story
    with pytest.raises(LostAnswer):
        adapter.send(payload, pub.key)
    with pytest.raises(TransientError):
        adapter.send(payload, pub.key)
    receipt = adapter.send(payload, pub.key)  # our own post, made after the second look
    assert receipt.external_id != someone_else and dy.calls[CREATE] == 2


def test_a_lost_answer_recorded_without_the_time_of_the_first_post_asks_a_person_without_looking(dy, pub):
    from rongmei.distribution.adapters.oauth_http import OnePost

    adapter = fresh(pub)
    adapter._progress(pub.key).set(OnePost.FLAG, True)  # as the adapter before the look-up left it
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "Check the account" in e.value.message and dy.calls[LIST] == 0 and dy.calls[CREATE] == 0


def test_sending_again_after_success_returns_the_same_item(dy, pub):
    adapter = fresh(pub)
    first = adapter.send(adapter.render(pub), pub.key)
    again = adapter.send(adapter.render(pub), pub.key)
    assert first == again and len(dy.items) == 1 and dy.calls[UPLOAD] == 1


def test_a_story_without_a_finished_vertical_cut_is_refused_before_any_call(dy, story, editor, photographer, douyin):
    attach_video(story, photographer, vertical=False)
    configure(douyin, dy.settings())
    (pub,) = services.publish(actor=editor, story=story, channels=[douyin])
    adapter = fresh(pub)
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "wait for its vertical cut" in e.value.message
    assert dy.requests == []


def test_retraction_deletes_the_video(dy, pub):
    adapter = fresh(pub)
    receipt = adapter.send(adapter.render(pub), pub.key)
    adapter.retract(receipt, pub.key)
    assert dy.live_items() == [] and dy.deleted == [receipt.external_id]
    (delete,) = dy.to(DELETE)
    assert delete.query["open_id"] == OPEN_ID and delete.query["access_token"] == FIRST_ACCESS
    assert delete.form() == {"item_id": receipt.external_id}


def test_a_refused_deletion_says_to_delete_the_video_by_hand(dy, pub):
    from rongmei.distribution.adapters.base import Receipt

    with pytest.raises(PermanentError) as e:
        fresh(pub).retract(Receipt("@not-ours"), pub.key)
    assert "Delete it by hand" in e.value.message


def test_the_publishing_service_records_the_video_and_retracts_it(dy, pub, chief):
    assert isinstance(adapter_for(pub.channel), DouyinAdapter)
    assert services.send(pub) == Publication.State.PUBLISHED
    pub.refresh_from_db()
    assert dy.live_items() == [pub.external_id]
    assert pub.payload["content"]["video"]["rendition"] == "vertical_916"
    assert FIRST_REFRESH not in json.dumps(pub.payload, ensure_ascii=False)
    services.retract(actor=chief, story=pub.story, reason="事实有误")
    assert services.withdraw(pub) == Publication.State.RETRACTED
    assert dy.live_items() == []


def test_an_operator_enters_the_douyin_settings_and_an_empty_token_keeps_the_stored_one(operator, douyin):
    from rongmei.core.exceptions import DomainError

    entered = {"client_key": "awk1", "open_id": "open-1", "refresh_token": "rft.entered-0123", "base_url": "https://open.douyin.com"}
    channel = services.configure_channel(actor=operator, channel=douyin, adapter="douyin", settings=entered)
    assert isinstance(adapter_for(channel), DouyinAdapter)
    assert b"rft.entered" not in channel.credentials.encode()
    channel = services.configure_channel(actor=operator, channel=douyin, adapter="douyin", settings={**entered, "refresh_token": ""})
    assert stored(channel)["refresh_token"] == "rft.entered-0123"
    with pytest.raises(DomainError) as e:
        services.configure_channel(actor=operator, channel=douyin, adapter="douyin", settings={**entered, "base_url": "open.douyin.com"})
    assert e.value.field == "base_url"
    with pytest.raises(DomainError) as e:
        services.configure_channel(actor=operator, channel=douyin, adapter="smtp", settings={})
    assert e.value.field == "adapter"


def test_a_lost_answer_to_completing_the_parts_starts_a_new_part_upload(dy, pub, video, douyin):
    configure(douyin, dy.settings(part_threshold=10_000, part_size=16_000))
    adapter = fresh(pub)
    dy.faults.extend([None, None, None, None, "drop_after"])  # init, three parts, then complete is lost
    with pytest.raises(TransientError):
        adapter.send(adapter.render(pub), pub.key)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert dy.calls[INIT_PARTS] == 2 and dy.live_items() == [receipt.external_id]
    assert dy.videos[dy.items[receipt.external_id]["video_id"]] == video
