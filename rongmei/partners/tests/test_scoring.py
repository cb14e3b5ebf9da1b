"""Scoring a quarter: the four components and the total for figures worked out by hand, the figures
against counts made here from what the test recorded, ranking with ties, award tiers, and the rule
(services.save_rule) that the open quarter follows and a closed quarter does not."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from freezegun import freeze_time

from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.models import AuditLog
from rongmei.partners import scoring, services
from rongmei.partners.models import Post, Quarter, ScoringRule
from rongmei.partners.scoring import Component, Figures, Line
from rongmei.testing.partners import make_partner

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
Q1_START, Q1_END = dt.date(2025, 1, 1), dt.date(2025, 3, 31)
BODY = "夏南牛养殖户在铜山湖畔开起了农家乐，周末游客络绎不绝。"


@pytest.fixture(autouse=True)
def _english(english):
    """Messages are read by their English msgids."""


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def q1() -> Quarter:
    return services.quarter_for(dt.date(2025, 2, 1))


def record(login, partner, posts, *, prefix: str) -> None:
    for i, (day, kind, reads) in enumerate(posts):
        services.record_post(
            actor=login,
            partner=partner,
            title=f"{prefix}第{i + 1}篇",
            url=f"https://mp.example.com/{prefix}/{i}",
            published_on=day,
            reads=reads,
            kind=kind,
        )


def adopt(login, desk, *, sent: dt.datetime, decided: dt.datetime, title: str) -> None:
    with freeze_time(sent) as clock:
        contribution = services.submit_contribution(actor=login, kind="lead", title=title, body=BODY)
        clock.move_to(decided)
        services.adopt_as_lead(actor=desk, contribution=contribution)


def in_q1(rows):
    return [row for row in rows if Q1_START <= row[0] <= Q1_END]


# What 泌阳微帮 (A) and 泌阳在线 (B) published: (day, kind, reads). Days outside Q1 must not count.
A_POSTS = [
    (dt.date(2024, 12, 31), "original", 5000),
    (dt.date(2025, 1, 1), "original", 100),
    (dt.date(2025, 2, 5), "original", 200),
    (dt.date(2025, 3, 1), "repost", 400),
    (dt.date(2025, 3, 31), "original", 300),
    (dt.date(2025, 4, 1), "original", 7000),
]
B_POSTS = [(dt.date(2025, 2, 20), "original", 500)]
# When A's contributions were sent and adopted: only adoptions decided inside Q1 count.
A_ADOPTIONS = [
    (at(dt.date(2024, 12, 30)), at(dt.date(2025, 1, 2))),
    (at(dt.date(2025, 1, 10)), at(dt.date(2025, 1, 11))),
    (at(dt.date(2025, 2, 10)), at(dt.date(2025, 2, 11))),
    (at(dt.date(2025, 3, 20)), at(dt.date(2025, 3, 31), hour=23)),
    (at(dt.date(2025, 3, 30)), at(dt.date(2025, 4, 1), hour=0)),  # adopted after the quarter
]


@pytest.fixture
def scenario(operator, editor, partner, partner_login, other_partner, other_partner_login):
    """Q1 2025 for three partners. A: quota 4 posts / 2 originals / 2 reposts, four adoptions in
    the quarter (capped at 3), no task. B: quota 2 posts / 1 task, one adoption, two tasks due in
    the quarter of which one done (and one due in Q2). C: nothing at all."""
    quiet, _login = make_partner(operator, "泌阳大小事", username="zmt3")
    quarter = q1()
    services.set_quota(actor=operator, partner=partner, quarter=quarter, posts=4, originals=2, reposts=2, tasks=0)
    services.set_quota(actor=operator, partner=other_partner, quarter=quarter, posts=2, originals=0, reposts=0, tasks=1)
    record(partner_login, partner, A_POSTS, prefix="a")
    record(other_partner_login, other_partner, B_POSTS, prefix="b")
    for i, (sent, decided) in enumerate(A_ADOPTIONS):
        adopt(partner_login, editor, sent=sent, decided=decided, title=f"湖畔农家乐线索{i + 1}")
    adopt(other_partner_login, editor, sent=at(dt.date(2025, 2, 1)), decided=at(dt.date(2025, 2, 2)), title="夏南牛大会筹备")
    with freeze_time(at(dt.date(2025, 2, 1))) as clock:
        tasks = [
            services.create_task(
                actor=operator,
                kind="feature",
                title=title,
                starts_at=at(dt.date(2025, 2, 1)),
                due_at=at(due),
                partners=[other_partner],
            )
            for title, due in (
                ("专题片：牛业大会", dt.date(2025, 3, 1)),
                ("承办乡村春晚", dt.date(2025, 3, 15)),
                ("四月专题", dt.date(2025, 4, 10)),
            )
        ]
        clock.move_to(at(dt.date(2025, 2, 20)))
        done = tasks[0].assignments.get()
        services.report_task(actor=other_partner_login, assignment=done, url="https://v.example.com/feature/1")
        services.check_task(actor=operator, assignment=done, accept=True)
        # Done, but due in Q2: neither assigned nor done in Q1.
        later = tasks[2].assignments.get()
        services.report_task(actor=other_partner_login, assignment=later, url="https://v.example.com/feature/2")
        services.check_task(actor=operator, assignment=later, accept=True)
    return {"quarter": quarter, "a": partner, "b": other_partner, "c": quiet}


def by_partner(lines):
    return {line.partner_id: line for line in lines}


def comp(line: Line, key: str) -> Component:
    return next(c for c in line.components if c.key == key)


# --- figures ------------------------------------------------------------------------------------


def test_figures_equal_the_counts_of_what_was_recorded_in_the_quarter(scenario):
    a, b, c = scenario["a"], scenario["b"], scenario["c"]
    figs = scoring.figures(scenario["quarter"], [a.pk, b.pk, c.pk])

    a_in = in_q1(A_POSTS)
    assert figs[a.pk].posts == len(a_in) == 4
    assert figs[a.pk].originals == sum(1 for _d, kind, _r in a_in if kind == "original") == 3
    assert figs[a.pk].reposts == sum(1 for _d, kind, _r in a_in if kind == "repost") == 1
    assert figs[a.pk].reads == sum(reads for _d, _k, reads in a_in) == 1000
    in_quarter = [decided for _sent, decided in A_ADOPTIONS if Q1_START <= decided.date() <= Q1_END]
    assert figs[a.pk].adopted == len(in_quarter) == 4
    assert (figs[a.pk].tasks_assigned, figs[a.pk].tasks_done) == (0, 0)
    assert figs[a.pk].targets == {"posts": 4, "originals": 2, "reposts": 2, "tasks": 0}

    assert (figs[b.pk].posts, figs[b.pk].originals, figs[b.pk].reposts, figs[b.pk].reads) == (1, 1, 0, 500)
    assert figs[b.pk].adopted == 1
    assert (figs[b.pk].tasks_assigned, figs[b.pk].tasks_done) == (2, 1)

    assert figs[c.pk] == Figures()


def test_a_post_on_the_quarters_last_day_counts_and_one_on_the_next_day_does_not(scenario):
    a = scenario["a"]
    assert Post.objects.filter(partner=a).count() == len(A_POSTS)
    line = by_partner(scoring.score_lines(scenario["quarter"]))[a.pk]
    assert line.figures.reads == 100 + 200 + 400 + 300


# --- components and total -------------------------------------------------------------------------


def test_components_and_total_match_the_hand_computed_figures(scenario):
    lines = by_partner(scoring.score_lines(scenario["quarter"]))
    a, b, c = lines[scenario["a"].pk], lines[scenario["b"].pk], lines[scenario["c"].pk]

    # A: quota mean of posts 4/4, originals 3/2 (capped), reposts 1/2; tasks target 0 left out.
    quota = comp(a, "quota")
    assert {m: v["rate"] for m, v in quota.detail["metrics"].items()} == {"posts": 100.0, "originals": 100.0, "reposts": 50.0}
    assert quota.score == 83.3
    assert comp(a, "reads").score == 100.0  # the most reads
    assert comp(a, "adopted").score == 100.0  # 4 adoptions, full marks at 3
    assert comp(a, "adopted").detail == {"adopted": 4, "full": 3}
    assert comp(a, "tasks").score is None and not comp(a, "tasks").applies
    # No task: its weight 10 goes to the others, (40×83.3 + 30×100 + 20×100) / 90 = 92.58.
    assert a.total == Decimal("92.6")
    assert [comp(a, k).points for k in scoring.COMPONENTS] == [
        37.0,
        33.4,
        22.2,
        0.0,
    ]  # shares of 92.6 in tenths, the leftover tenth to the largest remainder

    # B: quota mean of posts 1/2 and tasks 1/1; reads 500/1000; 1 of 3 adoptions; 1 of 2 tasks.
    assert [comp(b, k).score for k in scoring.COMPONENTS] == [75.0, 50.0, 33.3, 50.0]
    assert b.total == Decimal("56.7")  # (40×75 + 30×50 + 20×33.3 + 10×50) / 100
    assert [comp(b, k).points for k in scoring.COMPONENTS] == [30.0, 15.0, 6.7, 5.0]

    # C: no quota, no reads, nothing adopted, no task.
    assert [comp(c, k).score for k in scoring.COMPONENTS] == [0.0, 0.0, 0.0, None]
    assert comp(c, "quota").detail["has_quota"] is False
    assert c.total == Decimal("0.0")


def test_points_add_up_to_the_total_within_rounding(scenario):
    for line in scoring.score_lines(scenario["quarter"]):
        points = sum(Decimal(str(c.points)) for c in line.components)
        assert abs(points - line.total) <= Decimal("0.1") * len(line.components) / 2, line.partner_name


def test_ranking_goes_by_total_and_only_a_total_reaching_a_tier_gets_it(scenario):
    lines = scoring.score_lines(scenario["quarter"])
    assert [(line.partner_name, line.rank, line.tier) for line in lines] == [
        ("泌阳微帮", 1, "一等奖"),
        ("泌阳在线", 2, ""),  # 56.7 is below 二等奖's 70
        ("泌阳大小事", 3, ""),
    ]
    assert scoring.line_for(scenario["quarter"], scenario["b"]).total == Decimal("56.7")


# --- ranking and tiers (pure) ---------------------------------------------------------------------


def line(name: str, total: str, reads: int = 0) -> Line:
    return Line(partner_id=ord(name[0]), partner_name=name, figures=Figures(reads=reads), components=[], total=Decimal(total))


def test_equal_totals_share_a_rank_and_a_tier_and_the_next_place_skips():
    tiers = [{"name": "一等奖", "count": 1, "min_score": 0}, {"name": "二等奖", "count": 1, "min_score": 0}]
    lines = scoring.rank_lines([line("丙", "50.0"), line("乙", "80.0", reads=10), line("甲", "80.0", reads=20)], tiers)
    # Equal totals: ordered by reads, same rank, same tier even past the tier's count.
    assert [(x.partner_name, x.rank, x.tier) for x in lines] == [("甲", 1, "一等奖"), ("乙", 1, "一等奖"), ("丙", 3, "二等奖")]


def test_tiers_take_their_count_in_order_and_a_zero_total_gets_nothing():
    tiers = [{"name": "一等奖", "count": 1, "min_score": 0}, {"name": "二等奖", "count": 2, "min_score": 0}]
    lines = scoring.rank_lines([line(n, t) for n, t in (("甲", "90"), ("乙", "80"), ("丙", "70"), ("丁", "60"), ("戊", "0"))], tiers)
    assert [(x.rank, x.tier) for x in lines] == [(1, "一等奖"), (2, "二等奖"), (3, "二等奖"), (4, ""), (5, "")]


def test_equal_totals_with_equal_reads_are_ordered_by_name():
    lines = scoring.rank_lines([line("泌阳在线", "40.0"), line("泌阳大小事", "40.0")], [])
    assert [x.partner_name for x in lines] == sorted(["泌阳在线", "泌阳大小事"])
    assert [x.rank for x in lines] == [1, 1]


def test_a_total_missing_one_tier_falls_to_the_next_tier_it_reaches():
    lines = scoring.rank_lines([line("甲", "92.6"), line("乙", "65.0")], scoring.DEFAULT_TIERS)
    assert [x.tier for x in lines] == ["一等奖", "三等奖"]


# --- the rule -----------------------------------------------------------------------------------


def save(operator, *, weights=(40, 30, 20, 10), adopted_full=3, tiers=None):
    q, r, a, t = weights
    return services.save_rule(
        actor=operator,
        weight_quota=q,
        weight_reads=r,
        weight_adopted=a,
        weight_tasks=t,
        adopted_full=adopted_full,
        tiers=scoring.DEFAULT_TIERS if tiers is None else tiers,
    )


def test_adopted_is_capped_at_adopted_full_from_the_rule(scenario, operator):
    save(operator, adopted_full=5)
    lines = by_partner(scoring.score_lines(scenario["quarter"]))
    assert comp(lines[scenario["a"].pk], "adopted").score == 80.0  # 4 of 5
    save(operator, adopted_full=1)
    lines = by_partner(scoring.score_lines(scenario["quarter"]))
    assert comp(lines[scenario["a"].pk], "adopted").score == 100.0
    assert comp(lines[scenario["b"].pk], "adopted").score == 100.0


def test_changing_the_rule_changes_the_open_quarter_but_not_a_closed_one(scenario, operator, partner, partner_login):
    quarter = scenario["quarter"]
    save(operator, weights=(0, 100, 0, 0))
    lines = by_partner(scoring.score_lines(quarter))
    assert (lines[scenario["a"].pk].total, lines[scenario["b"].pk].total) == (Decimal("100.0"), Decimal("50.0"))
    assert AuditLog.objects.filter(action="partner.rule").count() == 1

    services.close_quarter(actor=operator, quarter=quarter)
    quarter.refresh_from_db()
    # The current quarter is open: a post today.
    now_quarter = services.current_quarter()
    services.record_post(
        actor=partner_login,
        partner=partner,
        title="今天的一篇",
        url="https://mp.example.com/today",
        published_on=timezone.localdate(),
        reads=10,
    )
    open_total = scoring.line_for(now_quarter, partner).total
    assert open_total == Decimal("100.0")

    save(operator, weights=(0, 0, 100, 0))
    frozen = by_partner(scoring.ranking(quarter))
    assert (frozen[scenario["a"].pk].total, frozen[scenario["b"].pk].total) == (Decimal("100.0"), Decimal("50.0"))
    assert comp(frozen[scenario["a"].pk], "reads").weight == 100
    assert quarter.rule["weights"] == {"quota": 0, "reads": 100, "adopted": 0, "tasks": 0}
    assert scoring.line_for(now_quarter, partner).total == Decimal("0.0")  # nothing adopted this quarter


def test_the_rule_starts_with_the_default_weights_and_tiers(db):
    rule = scoring.rule_dict(scoring.current_rule())
    assert rule == {
        "weights": {"quota": 40, "reads": 30, "adopted": 20, "tasks": 10},
        "adopted_full": 3,
        "tiers": scoring.DEFAULT_TIERS,
    }
    assert ScoringRule.objects.count() == 1


def test_save_rule_stores_weights_and_cleaned_tiers(operator):
    rule = save(
        operator, weights=(50, 50, 0, 0), adopted_full=2, tiers=[{"name": " 特等奖 ", "count": "2", "min_score": "75.5"}, {"name": ""}]
    )
    rule.refresh_from_db()
    assert (rule.weight_quota, rule.weight_reads, rule.weight_adopted, rule.weight_tasks, rule.adopted_full) == (50, 50, 0, 0, 2)
    assert rule.tiers == [{"name": "特等奖", "count": 2, "min_score": 75.5}]
    assert rule.updated_by == operator


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weights": (0, 0, 0, 0)}, "weight_quota"),
        ({"weights": (40, -1, 20, 10)}, "weight_reads"),
        ({"weights": (40, 30, "很多", 10)}, "weight_adopted"),
        ({"weights": (40, 30, 20, 101)}, "weight_tasks"),
        ({"adopted_full": 0}, "adopted_full"),
        ({"tiers": [{"name": "一等奖", "count": 1, "min_score": 101}]}, "tiers"),
        ({"tiers": [{"name": "一等奖", "count": 1, "min_score": -5}]}, "tiers"),
        ({"tiers": [{"name": "一等奖", "count": 1, "min_score": "高分"}]}, "tiers"),
        ({"tiers": [{"name": "一等奖", "count": -1, "min_score": 60}]}, "tiers"),
        ({"tiers": [{"name": "奖" * 31, "count": 1, "min_score": 60}]}, "tiers"),
    ],
)
def test_save_rule_refuses_bad_values_naming_the_field_and_keeps_the_rule(operator, changes, field):
    before = scoring.rule_dict(scoring.current_rule())
    with pytest.raises(DomainError) as e:
        save(operator, **changes)
    assert e.value.field == field
    assert scoring.rule_dict(scoring.current_rule()) == before
    assert not AuditLog.objects.filter(action="partner.rule").exists()


def test_save_rule_refuses_a_lowest_score_that_is_not_a_number_at_all(operator):
    with pytest.raises(DomainError) as e:
        save(operator, tiers=[{"name": "一等奖", "count": 1, "min_score": "NaN"}])
    assert e.value.field == "tiers"


def test_only_managers_change_the_rule(editor, reporter, partner_login, chief):
    for person in (editor, reporter, partner_login):
        with pytest.raises(NotAllowed):
            save(person, weights=(0, 100, 0, 0))
    assert scoring.current_rule().weight_reads == 30
    save(chief, weights=(0, 100, 0, 0))
    assert scoring.current_rule().weight_reads == 100


def test_the_points_add_up_to_the_total_exactly_for_any_figures():
    import random
    from decimal import Decimal

    rng = random.Random(7)
    for _ in range(2000):
        targets = {m: rng.choice([0, 0, 1, 5, 13, 30]) for m in ("posts", "originals", "reposts", "tasks")}
        f = scoring.Figures(
            posts=rng.randint(0, 40),
            originals=rng.randint(0, 30),
            reposts=rng.randint(0, 9),
            reads=rng.randint(0, 10**6),
            adopted=rng.randint(0, 5),
            tasks_assigned=rng.randint(0, 4),
            targets=targets,
        )
        f.tasks_done = rng.randint(0, f.tasks_assigned)
        rule = {
            "weights": {k: rng.randint(0, 60) for k in ("quota", "reads", "adopted", "tasks")},
            "adopted_full": rng.randint(1, 4),
            "tiers": [],
        }
        parts = scoring.components_for(f, rule=rule, most_reads=max(f.reads, rng.randint(0, 10**6)))
        total = scoring._total(parts)
        assert sum(Decimal(str(c.points)) for c in parts) == total
