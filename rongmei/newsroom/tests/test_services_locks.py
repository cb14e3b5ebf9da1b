import datetime as dt

import pytest
from django.utils import timezone

from rongmei.core.context import reset_client_ip, set_client_ip
from rongmei.core.exceptions import NotAllowed, StateConflict
from rongmei.core.models import AuditLog, Notification
from rongmei.newsroom import services
from rongmei.newsroom.models import EditLock, Story, StoryVersion
from rongmei.testing import factories


@pytest.fixture
def client_ip():
    token = set_client_ip("198.51.100.77")
    yield "198.51.100.77"
    reset_client_ip(token)


@pytest.fixture
def story(reporter, team):
    return factories.draft_story(reporter, team)


def expire(story):
    EditLock.objects.filter(story=story).update(expires_at=timezone.now() - dt.timedelta(seconds=1))


def test_acquiring_the_lock_holds_it_for_the_configured_time(story, reporter, settings):
    settings.RONGMEI = {**settings.RONGMEI, "EDIT_LOCK_SECONDS": 300}
    before = timezone.now()
    lock = services.acquire_lock(actor=reporter, story=story)
    assert lock.holder == reporter
    assert lock.is_active
    assert before + dt.timedelta(seconds=299) <= lock.expires_at <= timezone.now() + dt.timedelta(seconds=300)


def test_the_holder_renews_their_own_lock(story, reporter):
    first = services.acquire_lock(actor=reporter, story=story)
    expire(story)
    again = services.acquire_lock(actor=reporter, story=story)
    assert again.pk == first.pk
    assert again.is_active
    assert EditLock.objects.count() == 1


def test_a_second_editor_is_refused_while_the_lock_is_live(story, reporter, editor):
    services.acquire_lock(actor=reporter, story=story)
    with pytest.raises(StateConflict) as err:
        services.acquire_lock(actor=editor, story=story)
    assert err.value.code == "locked"
    assert "王小记" in err.value.message
    with pytest.raises(StateConflict):
        services.autosave(actor=editor, story=story, body="<p>编辑的改动</p>")
    with pytest.raises(StateConflict):
        services.save_version(actor=editor, story=story, body="<p>编辑的改动</p>")
    assert Story.objects.get(pk=story.pk).body == factories.BODY
    assert not StoryVersion.objects.exists()


def test_the_lock_holders_own_saves_go_through(story, reporter):
    services.acquire_lock(actor=reporter, story=story)
    services.autosave(actor=reporter, story=story, body="<p>作者自己的改动</p>")
    assert services.save_version(actor=reporter, story=story).body == "<p>作者自己的改动</p>"


def test_a_second_editor_gets_the_lock_after_it_expires(story, reporter, editor):
    services.acquire_lock(actor=reporter, story=story)
    expire(story)
    lock = services.acquire_lock(actor=editor, story=story)
    assert lock.holder == editor
    assert EditLock.objects.get(story=story).holder == editor


def test_the_lock_expires_by_the_clock(story, reporter, editor, settings):
    from freezegun import freeze_time

    settings.RONGMEI = {**settings.RONGMEI, "EDIT_LOCK_SECONDS": 60}
    with freeze_time(timezone.now()) as clock:
        services.acquire_lock(actor=reporter, story=story)
        clock.tick(dt.timedelta(seconds=30))
        with pytest.raises(StateConflict):
            services.acquire_lock(actor=editor, story=story)
        clock.tick(dt.timedelta(seconds=31))
        assert services.acquire_lock(actor=editor, story=story).holder == editor


def test_a_live_lock_of_another_stops_submission(story, reporter, column_lead):
    services.acquire_lock(actor=column_lead, story=story)
    with pytest.raises(StateConflict):
        services.submit_story(actor=reporter, story=story)
    assert Story.objects.get(pk=story.pk).state == Story.State.DRAFT


def test_autosave_takes_the_lock(story, reporter, editor):
    services.autosave(actor=reporter, story=story, intro="导语")
    assert EditLock.objects.get(story=story).holder == reporter
    with pytest.raises(StateConflict):
        services.autosave(actor=editor, story=story, intro="另一个导语")
    assert Story.objects.get(pk=story.pk).intro == "导语"


@pytest.mark.parametrize("name", ["outsider", "operator", "other_lead", "photographer"])
def test_people_who_may_not_edit_cannot_take_the_lock(people, story, name):
    with pytest.raises(NotAllowed):
        services.acquire_lock(actor=people[name], story=story)
    assert not EditLock.objects.exists()


def test_releasing_frees_the_lock_for_others(story, reporter, editor):
    services.acquire_lock(actor=reporter, story=story)
    services.release_lock(actor=reporter, story=story)
    assert not EditLock.objects.exists()
    assert services.acquire_lock(actor=editor, story=story).holder == editor


def test_releasing_someone_elses_lock_does_nothing(story, reporter, editor):
    services.acquire_lock(actor=reporter, story=story)
    services.release_lock(actor=editor, story=story)
    assert EditLock.objects.get(story=story).holder == reporter


@pytest.mark.parametrize("name", ["column_lead", "chief"])
def test_the_team_lead_or_chief_forces_the_lock_open_audited_and_the_holder_is_told(people, story, name, client_ip):
    services.acquire_lock(actor=people["editor"], story=story)
    Notification.objects.all().delete()
    services.force_unlock(actor=people[name], story=story)
    assert not EditLock.objects.exists()
    line = AuditLog.objects.get(action="story.force_unlock", subject_id=str(story.pk))
    assert (line.actor, line.ip_address) == (people[name], client_ip)
    assert "李编辑" in line.summary
    notes = list(Notification.objects.all())
    assert [(n.recipient, n.kind) for n in notes] == [(people["editor"], "lock")]
    assert services.acquire_lock(actor=people["reporter"], story=story).holder == people["reporter"]


@pytest.mark.parametrize("name", ["reporter", "reporter2", "editor2", "other_lead", "outsider", "operator"])
def test_others_may_not_force_the_lock_open(people, story, name):
    services.acquire_lock(actor=people["editor"], story=story)
    with pytest.raises(NotAllowed) as err:
        services.force_unlock(actor=people[name], story=story)
    assert err.value.message
    assert EditLock.objects.get(story=story).holder == people["editor"]
    assert not AuditLog.objects.filter(action="story.force_unlock").exists()


def test_force_unlocking_ones_own_lock_notifies_nobody(story, column_lead):
    services.acquire_lock(actor=column_lead, story=story)
    Notification.objects.all().delete()
    services.force_unlock(actor=column_lead, story=story)
    assert not Notification.objects.exists()
    assert not EditLock.objects.exists()


def test_force_unlocking_an_unlocked_story_changes_nothing(story, column_lead):
    services.force_unlock(actor=column_lead, story=story)
    assert not AuditLog.objects.filter(action="story.force_unlock").exists()
