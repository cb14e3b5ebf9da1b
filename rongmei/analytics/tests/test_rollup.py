import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from rongmei.analytics import services
from rongmei.analytics.models import DailyRollup, Dimension, Event, RollupRun, Via
from rongmei.analytics.tests.conftest import ev, ingest_on
from rongmei.core.models import AuditLog

WECHAT_UA = "Mozilla/5.0 MicroMessenger/8.0.47"
FIELDS = ("views", "visitors", "devices", "reads", "plays", "shares")


def figures(dimension, key, day, via=0):
    row = DailyRollup.objects.get(dimension=dimension, key=key, day=day, via=via)
    return {f: getattr(row, f) for f in FIELDS}


def f(views=0, visitors=0, devices=0, reads=0, plays=0, shares=0):
    return dict(views=views, visitors=visitors, devices=devices, reads=reads, plays=plays, shares=shares)


@pytest.fixture
def day():
    return timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def scene(day, story, story2, village_story, columns):
    """Five readers of yesterday: A (web), B (WeChat), C (app), D (web), E (app, only plays)."""
    ingest_on(
        day,
        [
            ev(path=f"/news/{story.pk}/", device="device-A-0001"),
            ev("read", article=story.pk, device="device-A-0001", seconds=30),
            ev(article=story2.pk, device="device-A-0001"),
            ev(path="/column/rongmeibang/", device="device-A-0001"),
        ],
    )
    ingest_on(
        day,
        [
            ev(article=story.pk, device="device-B-0001"),
            ev(article=story.pk, device="device-B-0001"),
            ev("share", article=story.pk, device="device-B-0001"),
        ],
        user_agent=WECHAT_UA,
    )
    ingest_on(
        day,
        [
            ev(article=village_story.pk, device="device-C-0001", channel="app"),
            ev("play", article=village_story.pk, device="device-C-0001", channel="app"),
            ev(path="/column/meili/", device="device-C-0001", channel="app"),
            ev("play", article=village_story.pk, device="device-E-0001", channel="app"),
        ],
    )
    ingest_on(day, [ev(column="toutiao", device="device-D-0001"), ev(path="/", device="device-D-0001")])
    return {"story": story, "story2": story2, "village": village_story, **columns}


def test_site_figures_pv_uv_dau(scene, day):
    services.rollup_day(day)
    assert figures(Dimension.SITE, 0, day) == f(views=9, visitors=4, devices=5, reads=1, plays=2, shares=1)


def test_figures_per_place_read(scene, day):
    services.rollup_day(day)
    assert figures(Dimension.VIA, Via.WEB, day) == f(views=5, visitors=2, devices=2, reads=1)
    assert figures(Dimension.VIA, Via.WECHAT, day) == f(views=2, visitors=1, devices=1, shares=1)
    assert figures(Dimension.VIA, Via.APP, day) == f(views=2, visitors=1, devices=2, plays=2)


def test_figures_per_article_in_all_and_by_place(scene, day):
    services.rollup_day(day)
    s = scene["story"].pk
    assert figures(Dimension.ARTICLE, s, day) == f(views=3, visitors=2, devices=2, reads=1, shares=1)
    assert figures(Dimension.ARTICLE, s, day, Via.WEB) == f(views=1, visitors=1, devices=1, reads=1)
    assert figures(Dimension.ARTICLE, s, day, Via.WECHAT) == f(views=2, visitors=1, devices=1, shares=1)
    assert figures(Dimension.ARTICLE, scene["story2"].pk, day) == f(views=1, visitors=1, devices=1)
    assert figures(Dimension.ARTICLE, scene["village"].pk, day) == f(views=1, visitors=1, devices=2, plays=2)


def test_a_column_counts_its_page_and_the_articles_of_its_teams(scene, day):
    services.rollup_day(day)
    assert figures(Dimension.COLUMN, scene["toutiao"].pk, day) == f(views=5, visitors=3, devices=3, reads=1, shares=1)
    assert figures(Dimension.COLUMN, scene["meili"].pk, day) == f(views=2, visitors=1, devices=2, plays=2)
    assert figures(Dimension.COLUMN, scene["both"].pk, day) == f(views=6, visitors=3, devices=4, reads=1, plays=2, shares=1)


def test_an_author_counts_every_article_they_wrote(scene, day, reporter, reporter2, outsider):
    services.rollup_day(day)
    assert figures(Dimension.AUTHOR, reporter.pk, day) == f(views=4, visitors=2, devices=2, reads=1, shares=1)
    assert figures(Dimension.AUTHOR, reporter2.pk, day) == f(views=1, visitors=1, devices=1)
    assert figures(Dimension.AUTHOR, outsider.pk, day) == f(views=1, visitors=1, devices=2, plays=2)


def test_running_a_day_again_replaces_its_figures(scene, day):
    services.rollup_day(day)
    before = list(DailyRollup.objects.filter(day=day).order_by("dimension", "key", "via").values(*FIELDS, "dimension", "key", "via"))
    services.rollup_day(day)
    again = list(DailyRollup.objects.filter(day=day).order_by("dimension", "key", "via").values(*FIELDS, "dimension", "key", "via"))
    assert again == before
    # Late events of the day are taken in by the next run, not added twice.
    Event.objects.create(day=day, at=timezone.now(), kind=1, via=Via.WEB, device=42, article_id=scene["story2"].pk)
    services.rollup_day(day)
    assert figures(Dimension.ARTICLE, scene["story2"].pk, day)["views"] == 2
    assert figures(Dimension.SITE, 0, day)["views"] == 10
    assert DailyRollup.objects.filter(day=day).count() == len(before)
    assert AuditLog.objects.filter(action="readership.rollup").count() == 3


def test_a_rollup_never_touches_other_days(scene, day, story):
    ingest_on(day - dt.timedelta(days=1), [ev(article=story.pk)] * 7)
    services.rollup_day(day - dt.timedelta(days=1))
    services.rollup_day(day)
    assert figures(Dimension.ARTICLE, story.pk, day - dt.timedelta(days=1))["views"] == 7
    assert figures(Dimension.ARTICLE, story.pk, day)["views"] == 3


def test_a_day_without_events_has_zero_site_figures(db, day):
    run = services.rollup_day(day)
    assert run.events == 0 and run.complete
    assert figures(Dimension.SITE, 0, day) == f()


def test_old_raw_events_are_deleted_after_a_rollup_and_their_day_cannot_be_rolled_up(settings, db, story):
    settings.RONGMEI_READERSHIP = {"FLUSH_THREAD": False, "RETENTION_DAYS": 3}
    today = timezone.localdate()
    for back in (5, 4, 3, 1):
        ingest_on(today - dt.timedelta(days=back), [ev(article=story.pk)])
    services.rollup_day(today - dt.timedelta(days=1))
    assert sorted(Event.objects.values_list("day", flat=True)) == [today - dt.timedelta(days=3), today - dt.timedelta(days=1)]
    with pytest.raises(services.DomainError) as refused:
        services.rollup_day(today - dt.timedelta(days=4))
    assert "no longer kept" in refused.value.message
    with pytest.raises(services.DomainError) as refused:
        services.rollup_day(today + dt.timedelta(days=1))
    assert "has not begun" in refused.value.message


def test_pending_days_are_the_finished_days_with_events_not_yet_complete(db, story):
    today = timezone.localdate()
    for back in (3, 2, 0):
        ingest_on(today - dt.timedelta(days=back), [ev(article=story.pk)])
    services.rollup_day(today - dt.timedelta(days=3))
    services.rollup_day(today)  # partial: today is never pending
    assert services.pending_days() == [today - dt.timedelta(days=2)]
    runs = services.rollup_pending()
    assert [r.day for r in runs] == [today - dt.timedelta(days=2)]
    assert services.pending_days() == [] and services.rollup_pending() == []


def test_the_commands(db, story, capsys):
    today = timezone.localdate()
    services.ingest([ev(article=story.pk)], now=timezone.now() - dt.timedelta(days=1))
    call_command("readership_flush")
    assert "1" in capsys.readouterr().out and Event.objects.count() == 1
    call_command("readership_rollup")
    assert RollupRun.objects.get(day=today - dt.timedelta(days=1)).complete
    call_command("readership_rollup")
    assert "Nothing to roll up" in capsys.readouterr().out
    call_command("readership_rollup", "--date", today.isoformat())
    assert not RollupRun.objects.get(day=today).complete
    with pytest.raises(CommandError):
        call_command("readership_rollup", "--date", "2020-02-30")
    with pytest.raises(CommandError):
        call_command("readership_rollup", "--date", (today + dt.timedelta(days=2)).isoformat())


def test_after_midnight_the_web_process_asks_the_worker_for_yesterdays_rollup(db, story, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    today = timezone.localdate()
    ingest_on(today - dt.timedelta(days=1), [ev(article=story.pk)])
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time(0)))
    assert services.housekeeping_tick(now=midnight + dt.timedelta(minutes=2)) is False  # too early
    assert services.housekeeping_tick(now=midnight + dt.timedelta(minutes=15)) is True
    assert DBTaskResult.objects.filter(task_path="rongmei.analytics.tasks.rollup_pending_days").count() == 1
    assert services.housekeeping_tick(now=midnight + dt.timedelta(minutes=16)) is False  # not again at once
    services.rollup_pending()
    services._tick["tried"] = 0.0
    assert services.housekeeping_tick(now=midnight + dt.timedelta(hours=1)) is False  # done
    assert DBTaskResult.objects.count() == 1


def test_the_task_rolls_up(db, story, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    from rongmei.analytics.tasks import rollup_pending_days

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    ingest_on(yesterday, [ev(article=story.pk)])
    result = rollup_pending_days.enqueue()
    assert result.return_value == [yesterday.isoformat()]
