import datetime as dt
import json
import logging
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings as settings_module
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from rongmei.api.tests.conftest import Caller
from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.distribution import services
from rongmei.distribution.adapters import webhook
from rongmei.distribution.models import Channel, Publication
from rongmei.distribution.tests.conftest import SECRET
from rongmei.newsroom.models import Story
from rongmei.testing import factories

S = Publication.State


def _configure_all(chief, url):
    for ch in Channel.objects.exclude(code__in=("website", "app")):
        services.configure_webhook(actor=chief, channel=ch, url=url, secret=SECRET)


def _run_worker():
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def test_publishing_twice_makes_one_publication_per_channel(story, editor, site, channel):
    first = services.publish(actor=editor, story=story, channels=[site, channel])
    again = services.publish(actor=editor, story=story, channels=[site, channel, site])
    assert {p.pk for p in first} == {p.pk for p in again}
    assert Publication.objects.count() == 2


@pytest.mark.parametrize(
    "who,allowed",
    [
        ("chief", True),
        ("column_lead", True),
        ("editor", True),
        ("reporter", False),
        ("other_lead", False),
        ("operator", False),
        ("outsider", False),
    ],
)
def test_who_may_publish(people, story, site, who, allowed):
    if allowed:
        assert services.publish(actor=people[who], story=story, channels=[site])
    else:
        with pytest.raises(NotAllowed):
            services.publish(actor=people[who], story=story, channels=[site])


def test_only_a_signed_off_story_can_be_published(reporter, team, chief, site):
    draft = factories.story_in_review(reporter, team)
    with pytest.raises(StateConflict):
        services.publish(actor=chief, story=draft, channels=[site])


def test_the_website_publishes_at_once_with_the_public_page_as_receipt(story, editor, site):
    (pub,) = services.publish(actor=editor, story=story, channels=[site])
    assert services.send(pub) == S.PUBLISHED
    pub.refresh_from_db()
    assert pub.url == f"/news/{story.pk}/" and pub.published_at and pub.attempts == 1
    story.refresh_from_db()
    assert story.state == Story.State.PUBLISHED
    actions = [line.action for line in audit.history(pub)]
    assert actions == ["publication.pending", "publication.rendering", "publication.sending", "publication.published"]
    assert audit.history(story).filter(action="story.published", to_state="published").exists()
    assert services.send(pub) == S.PUBLISHED  # idempotent
    assert pub.attempt_log.count() == 1


def test_an_unconfigured_channel_is_dead_at_once_with_a_clear_message(story, editor, channel):
    (pub,) = services.publish(actor=editor, story=story, channels=[channel])
    assert services.send(pub) == S.DEAD
    pub.refresh_from_db()
    assert pub.last_error == _(
        "The channel %(name)s is not configured: an operator must choose its kind of delivery and enter its settings first."
    ) % {"name": channel.name}


def test_a_transient_failure_retries_with_backoff_then_dies_and_can_be_retried_by_hand(
    story, editor, reporter, chief, channel, receiver, django_capture_on_commit_callbacks
):
    _configure_all(chief, receiver.url)
    (pub,) = services.publish(actor=editor, story=story, channels=[channel])
    receiver.fail_next = ["500"] * services.MAX_ATTEMPTS
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send(pub) == S.FAILED
    pub.refresh_from_db()
    assert before + dt.timedelta(seconds=15) <= pub.next_attempt_at <= timezone.now() + dt.timedelta(seconds=30)
    queued = DBTaskResult.objects.get(task_path="rongmei.distribution.tasks.send_publication")
    assert queued.run_after == pub.next_attempt_at
    for _i in range(services.MAX_ATTEMPTS - 1):
        Publication.objects.filter(pk=pub.pk).update(next_attempt_at=timezone.now())
        services.send(pub)
    pub.refresh_from_db()
    assert pub.state == S.DEAD and pub.attempts == services.MAX_ATTEMPTS and "500" in pub.last_error
    with pytest.raises(NotAllowed):
        services.retry(actor=reporter, publication=pub)
    services.retry(actor=editor, publication=pub)
    assert services.send(pub) == S.PUBLISHED
    assert receiver.deliveries[pub.key] == 1


def test_backoff_grows_and_is_capped():
    assert dt.timedelta(seconds=15) <= services.retry_delay(1) <= dt.timedelta(seconds=30)
    assert dt.timedelta(seconds=60) <= services.retry_delay(3) <= dt.timedelta(seconds=120)
    assert services.retry_delay(30) <= dt.timedelta(seconds=services.BACKOFF_CAP_SECONDS)


def test_scheduled_publishing_is_a_deferred_task(story, editor, site, django_capture_on_commit_callbacks):
    at = timezone.now() + dt.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        (pub,) = services.publish(actor=editor, story=story, channels=[site], at=at)
    assert DBTaskResult.objects.get().run_after == at
    assert services.send(pub) == "not_due"
    Publication.objects.filter(pk=pub.pk).update(next_attempt_at=timezone.now())
    assert services.send(pub) == S.PUBLISHED


# Workers close their database connection between tasks, so these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_fifty_publications_with_30_percent_transient_failures_arrive_exactly_once(
    people, reporter, team, editor, column_lead, chief, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "retry_delay", lambda attempt: dt.timedelta(0))
    monkeypatch.setattr(services, "MAX_ATTEMPTS", 50)
    _configure_all(chief, receiver.url)
    receiver.failure_rate = 0.3
    webhook_channels = list(Channel.objects.exclude(code__in=("website", "app")))
    pubs = []
    for _i in range(6):
        story = factories.signed_off_story(reporter, team, [editor, column_lead, chief])
        with django_capture_on_commit_callbacks(execute=True):
            pubs += services.publish(actor=editor, story=story, channels=webhook_channels)
    assert len(pubs) >= 50
    _run_worker()
    states = set(Publication.objects.values_list("state", flat=True))
    assert states == {S.PUBLISHED}
    assert set(receiver.items) == {p.key for p in pubs}  # none lost
    assert len(receiver.items) == len(pubs)  # one item per key: a retry never made a second
    assert receiver.bad_signatures == 0
    assert sum(receiver.deliveries.values()) >= len(pubs)
    for pub in Publication.objects.all():
        assert pub.external_id == f"item-{pub.key}"


def test_a_lost_answer_is_sent_again_with_the_same_key(story, editor, chief, channel, receiver):
    _configure_all(chief, receiver.url)
    (pub,) = services.publish(actor=editor, story=story, channels=[channel])
    receiver.fail_next = ["timeout"]
    assert services.send(pub) == S.FAILED
    Publication.objects.filter(pk=pub.pk).update(next_attempt_at=timezone.now())
    assert services.send(pub) == S.PUBLISHED
    keys = {h["Idempotency-Key"] for h in receiver.headers_seen}
    assert keys == {pub.key}


def test_the_signature_verifies_with_the_secret_only():
    body = b'{"a": 1}'
    signature = webhook.sign(SECRET, body)
    assert webhook.verify(SECRET, body, signature)
    assert not webhook.verify("another-secret-0123456789", body, signature)
    assert not webhook.verify(SECRET, body + b" ", signature)


def test_the_secret_never_shows(story, editor, chief, channel, receiver, caplog, admin_client):
    caplog.set_level(logging.DEBUG)
    _configure_all(chief, receiver.url)
    channel.refresh_from_db()
    assert SECRET not in channel.credentials and receiver.url not in channel.credentials
    (pub,) = services.publish(actor=editor, story=story, channels=[channel])
    receiver.fail_next = ["500"]
    services.send(pub)
    response = Caller(editor)("GET", "/channels")
    assert response.status_code == 200 and SECRET not in response.content.decode()
    page = admin_client.get(f"/admin/distribution/channel/{channel.pk}/change/")
    assert page.status_code == 200 and SECRET not in page.content.decode() and receiver.url not in page.content.decode()
    assert SECRET not in caplog.text and SECRET not in json.dumps(list(audit.history(channel).values("summary", "data")))
    pub.refresh_from_db()
    assert SECRET not in pub.last_error and receiver.url not in pub.last_error


def test_only_operators_admins_and_the_chief_configure_channels(editor, channel):
    with pytest.raises(NotAllowed):
        services.configure_webhook(actor=editor, channel=channel, url="https://x.example/h", secret=SECRET)


def test_retraction_reaches_every_channel_and_needs_the_chief_and_a_reason(
    story, editor, chief, chief2, site, channel, receiver, django_capture_on_commit_callbacks
):
    _configure_all(chief, receiver.url)
    other = Channel.objects.get(code="douyin")
    pubs = services.publish(actor=editor, story=story, channels=[site, channel, other])
    for pub in pubs:
        services.send(pub)
    with pytest.raises(NotAllowed):
        services.retract(actor=editor, story=story, reason="错误")
    with pytest.raises(DomainError):
        services.retract(actor=chief, story=story, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.retract(actor=chief, story=story, reason="数据有误，撤稿核实")
    assert set(Publication.objects.values_list("state", flat=True)) == {S.RETRACTING}
    for pub in pubs:
        assert services.withdraw(pub) == S.RETRACTED
    assert receiver.items == {} and set(receiver.deletes) == {p.key for p in pubs if p.channel != site}
    story.refresh_from_db()
    assert story.state == Story.State.RETRACTED
    line = audit.history(story).get(action="story.retract")
    assert line.summary == "数据有误，撤稿核实" and line.actor == chief
    with pytest.raises(StateConflict):
        services.publish(actor=chief, story=story, channels=[site])


def test_retracting_cancels_what_never_reached_a_channel(story, editor, chief, channel):
    (pub,) = services.publish(actor=editor, story=story, channels=[channel], at=timezone.now() + dt.timedelta(days=1))
    services.retract(actor=chief, story=story, reason="取消发布")
    pub.refresh_from_db()
    assert pub.state == S.RETRACTED


def _published(editor, story, site):
    (pub,) = services.publish(actor=editor, story=story, channels=[site])
    services.send(pub)


def test_feeds_list_exactly_the_published_not_retracted_stories(reporter, team, editor, column_lead, chief, site, client):
    live = factories.signed_off_story(reporter, team, [editor, column_lead, chief])
    gone = factories.signed_off_story(reporter, team, [editor, column_lead, chief])
    factories.signed_off_story(reporter, team, [editor, column_lead, chief])  # signed off, never published
    _published(editor, live, site)
    _published(editor, gone, site)
    services.retract(actor=chief, story=gone, reason="撤稿")
    rss = ET.fromstring(client.get(f"/feeds/{team.slug}/rss.xml").content)  # noqa: S314 - our own output
    assert [i.findtext("link").endswith(f"/news/{live.pk}/") for i in rss.iter("item")] == [True]
    atom = ET.fromstring(client.get(f"/feeds/{team.slug}/atom.xml").content)  # noqa: S314
    entries = atom.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1
    ninjs = json.loads(client.get("/feeds/ninjs.json").content)
    assert [i["uri"].endswith(f"/news/{live.pk}/") for i in ninjs["items"]] == [True]
    assert ninjs["items"][0]["headlines"][0]["value"] == live.current_version.headline
    assert client.get("/feeds/no-such-team/rss.xml").status_code == 404


def test_the_board_shows_every_channel_and_its_query_count_does_not_grow(
    reporter, team, editor, column_lead, chief, site, django_assert_num_queries
):
    client = Client()
    client.force_login(editor)
    _published(editor, factories.signed_off_story(reporter, team, [editor, column_lead, chief]), site)
    client.get("/newsroom/publish/")  # warm the session
    assert client.get("/newsroom/publish/").status_code == 200
    with django_assert_num_queries(9) as ctx:
        response = client.get("/newsroom/publish/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    for _i in range(3):
        _published(editor, factories.signed_off_story(reporter, team, [editor, column_lead, chief]), site)
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.get("/newsroom/publish/", headers={"HX-Request": "true"})
    assert response.content.decode().count("state-published") >= 4


def test_an_editor_publishes_from_the_story_page_and_a_bad_time_keeps_the_form(story, editor, site):
    client = Client()
    client.force_login(editor)
    url = f"/newsroom/publish/stories/{story.pk}/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"channels": [site.pk], "at": "2099-01-01T10:00"})
    assert bad.status_code == 400 and Publication.objects.count() == 0
    assert client.post(url, {"channels": [site.pk]}).status_code == 302
    assert Publication.objects.get().channel == site


def test_the_api_publishes_lists_retries_and_retracts(story, editor, reporter, chief, channel):
    # Tokens issued for automation: a plain token may not publish (accounts/tests/test_step_up.py).
    as_editor = Caller(editor, automation=True)
    response = as_editor("POST", f"/stories/{story.pk}/publications", {"channels": ["website", "wechat_oa"]})
    assert response.status_code == 200, response.content
    assert {p["channel"] for p in response.json()} == {"website", "wechat_oa"}
    assert Caller(reporter, automation=True)("POST", f"/stories/{story.pk}/publications", {"channels": ["website"]}).status_code == 403
    assert as_editor("POST", f"/stories/{story.pk}/publications", {"channels": ["nope"]}).status_code == 400
    dead = Publication.objects.get(channel=channel)
    services.send(dead)
    assert as_editor("GET", "/publications/dead").json()[0]["id"] == dead.pk
    assert as_editor("POST", f"/publications/{dead.pk}/retry").json()["state"] == "pending"
    assert len(as_editor("GET", f"/stories/{story.pk}/publications").json()) == 2
    assert as_editor("POST", f"/stories/{story.pk}/retraction", {"reason": "错误"}).status_code == 403
    chief_api = Caller(chief, automation=True)("POST", f"/stories/{story.pk}/retraction", {"reason": "事实有误"})
    assert chief_api.status_code == 200, chief_api.content


def test_a_bad_webhook_address_is_refused_with_a_message(chief, channel):
    with pytest.raises(DomainError) as e:
        services.configure_webhook(actor=chief, channel=channel, url="ftp://x", secret=SECRET)
    assert e.value.field == "url"
    channel.refresh_from_db()
    assert not channel.has_credentials


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings_module.REDIS_URL, reason="REDIS_URL is not set")
def test_with_redis_rq_sends_and_retries(
    story, editor, chief, channel, receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    import django_rq

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    monkeypatch.setattr(services, "retry_delay", lambda attempt: dt.timedelta(0))
    queue = django_rq.get_queue("default")
    queue.empty()
    _configure_all(chief, receiver.url)
    receiver.fail_next = ["500", "drop"]
    with django_capture_on_commit_callbacks(execute=True):
        (pub,) = services.publish(actor=editor, story=story, channels=[channel])
    for _i in range(3):
        call_command(
            "rqworker",
            "default",
            burst=True,
            with_scheduler=True,
            worker_class="rq.worker.SimpleWorker",
            job_class="django_tasks_rq.Job",
            verbosity=0,
        )
    pub.refresh_from_db()
    assert pub.state == S.PUBLISHED and pub.attempts == 3
    assert receiver.deliveries[pub.key] == 1
