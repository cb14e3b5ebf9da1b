"""``manage.py seed_demo`` builds the demo partner network through the partner services.

The full seed takes half a minute, so the module seeds once (inside a transaction rolled back
when the module is done) and each test reads that database in its own savepoint."""

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from rongmei.accounts.models import Role, User
from rongmei.core.models import AuditLog, Notification
from rongmei.newsroom import demo_data
from rongmei.partners import demo, permissions, scoring, services
from rongmei.partners.models import (
    Account,
    Alert,
    Contribution,
    Honour,
    Partner,
    Post,
    Quarter,
    Quota,
    Score,
    Task,
    TaskAssignment,
)


def seed() -> str:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def counts() -> dict[str, int]:
    models = {
        "partners": Partner,
        "accounts": Account,
        "users": User,
        "quarters": Quarter,
        "quotas": Quota,
        "posts": Post,
        "contributions": Contribution,
        "tasks": Task,
        "assignments": TaskAssignment,
        "scores": Score,
        "honours": Honour,
        "alerts": Alert,
        "notifications": Notification,
        "audit": AuditLog,
    }
    return {name: model.objects.count() for name, model in models.items()}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    # The settings conftest's _fast_tests gives each test, for the whole module: files in a
    # temporary folder, the fast hasher the tests' password checks expect.
    root = tmp_path_factory.mktemp("demo")
    test_settings = override_settings(
        MEDIA_ROOT=root / "media",
        RONGMEI={**settings.RONGMEI, "PAGES_ROOT": root / "pages"},
        RONGMEI_LIVE={**settings.RONGMEI_LIVE, "ROOT": root / "live"},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with test_settings, django_db_blocker.unblock(), transaction.atomic():
        output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def quarters(seeded, db):
    current = services.current_quarter()
    previous = services.quarter_for(current.start - dt.timedelta(days=1))
    return previous, current


def test_the_demo_has_the_ten_partners_of_biyang_each_with_accounts_and_a_login(seeded, db):
    partners = list(Partner.objects.prefetch_related("accounts", "members"))
    assert {p.name for p in partners} == {name for name, *_rest in demo.PARTNERS}
    for partner in partners:
        accounts = list(partner.accounts.all())
        assert 1 <= len(accounts) <= 3
        assert len({a.platform for a in accounts}) == len(accounts)
        assert all(a.followers > 0 for a in accounts)
        assert partner.agreement_no and partner.agreement_start < partner.agreement_end
        assert partner.place is not None
        assert [m.role for m in partner.members.all()] == [Role.PARTNER]
    usernames = set(User.objects.filter(role=Role.PARTNER).values_list("username", flat=True))
    assert usernames == {"partner", *(f"zmt{i:02d}" for i in range(2, 11))}


def test_the_login_partner_acts_for_biyang_weibang_with_the_demo_password(seeded, db):
    login = User.objects.get(username="partner")
    assert login.name == "王微帮" and login.check_password(demo_data.DEMO_PASSWORD)
    assert permissions.partner_of(login).name == "泌阳微帮"
    assert permissions.partner_of(User.objects.get(username="zmt02")).name == "泌阳在线"


def test_the_seed_prints_the_partner_login(seeded, db):  # db: ordered with the other database tests
    line = next(line for line in seeded.splitlines() if " partner " in f"{line} ")
    assert "王微帮" in line and demo_data.DEMO_PASSWORD in line


def test_the_previous_quarter_is_closed_with_ten_scores_and_certified_awards(seeded, db, quarters):
    previous, _current = quarters
    previous.refresh_from_db()
    assert previous.is_closed and previous.closed_by.username == "operator"
    scores = list(previous.scores.order_by("rank"))
    assert len(scores) == 10
    assert scores[0].partner.name == "泌阳微帮" and scores[0].tier == "一等奖"
    # The ranking is spread out: readership differs by orders of magnitude.
    reads = sorted(s.breakdown["figures"]["reads"] for s in scores)
    assert reads[-1] > 100 * reads[0]
    assert all(8 <= s.breakdown["figures"]["posts"] <= 30 for s in scores)
    awards = Honour.objects.filter(kind=Honour.Kind.AWARD, quarter=previous)
    assert awards.exists()
    for award in awards:
        assert award.certificate_no.startswith(f"ZMT-{previous.year}Q{previous.number}-")
    assert {a.partner_id for a in awards} == {s.partner_id for s in scores if s.tier}
    assert Honour.objects.filter(kind=Honour.Kind.HONOUR, issuer="中共泌阳县委宣传部").count() == 1
    assert Honour.objects.filter(kind=Honour.Kind.HONOUR).count() == 2


def test_the_current_quarter_is_open_with_ten_quotas_and_no_post_from_today_on(seeded, db, quarters):
    _previous, current = quarters
    assert not current.is_closed
    assert Quota.objects.filter(quarter=current).count() == 10
    assert not Post.objects.filter(published_on__gt=timezone.localdate()).exists()
    # Only the repost the operator accepted today is dated today.
    today = Post.objects.filter(published_on=timezone.localdate())
    assert set(today.values_list("source", flat=True)) <= {Post.Source.TASK}


def test_one_partner_is_silent_for_three_weeks_and_has_an_alert(seeded, db):
    alerts = Alert.objects.filter(kind=Alert.Kind.SILENT, resolved_at=None)
    assert [a.partner.name for a in alerts] == [demo.SILENT]
    silent = Partner.objects.get(name=demo.SILENT)
    last = services.last_activity(silent)
    assert last is None or (timezone.localdate() - last).days >= 21


def test_contributions_are_waiting_declined_and_adopted_as_lead_and_story(seeded, db):
    contributions = Contribution.objects.all()
    assert contributions.filter(status=Contribution.Status.SUBMITTED).count() == 3
    declined = contributions.get(status=Contribution.Status.DECLINED)
    assert declined.decline_reason
    adopted = contributions.filter(status=Contribution.Status.ADOPTED)
    lead = adopted.get(lead__isnull=False)
    story = adopted.get(story__isnull=False)
    assert story.story.team.slug == "news" and story.decided_by.username == "editor"
    assert lead.decided_by.username == "editor" and lead.lead.source == "partner"
    lines = scoring.score_lines(services.current_quarter())
    assert sum(line.figures.adopted for line in lines) == 2


def test_the_repost_task_is_open_for_all_ten_with_two_reports_and_one_accepted(seeded, db):
    task = Task.objects.get(kind=Task.Kind.REPOST)
    assert task.starts_at < timezone.now() < task.due_at
    assert task.stories.get().state == "published"
    statuses = sorted(task.assignments.values_list("status", flat=True))
    assert statuses.count(TaskAssignment.Status.OPEN) == 8
    assert statuses.count(TaskAssignment.Status.REPORTED) == 1
    done = task.assignments.get(status=TaskAssignment.Status.DONE)
    assert done.report_url and done.checked_by.username == "operator"
    assert Post.objects.filter(partner=done.partner, url=done.report_url, kind=Post.Kind.REPOST).exists()
    feature = Task.objects.get(kind=Task.Kind.FEATURE)
    assert feature.title.startswith("专题片制作") and feature.assignments.count() == 3


def test_the_demo_is_in_the_audit_log(seeded, db):
    actions = set(AuditLog.objects.filter(action__startswith="partner.").values_list("action", flat=True))
    assert {
        "partner.create",
        "partner.account",
        "partner.quota",
        "partner.post",
        "partner.honour",
        "partner.rule",
        "partner.quarter_close",
        "partner.contribution",
        "partner.contribution_decide",
        "partner.task",
        "partner.task_report",
        "partner.task_check",
    } <= actions


def test_a_second_run_creates_nothing(seeded, db):
    before = counts()
    assert demo.seed_demo() == 0
    seed()
    assert counts() == before
