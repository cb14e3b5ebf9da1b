"""The quarter's Excel table for the leadership: its figures are the database's, and a closed
quarter shows its frozen scores."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from openpyxl import load_workbook

from rongmei.partners import scoring, services
from rongmei.partners.exports import HEADER_ROW, quarter_workbook
from rongmei.partners.models import Contribution, Platform, Post, Quarter, Quota, Score, Task, TaskAssignment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def read_back(data: bytes):
    """(title, rule line, ranking rows as dicts by header, post rows as dicts by header)."""
    book = load_workbook(io.BytesIO(data))
    ranking, posts = book.worksheets
    header = [c.value for c in ranking[HEADER_ROW]]
    lines = []
    for row in ranking.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if row[0] is None or not isinstance(row[0], int):
            break
        lines.append(dict(zip(header, row, strict=True)))
    post_header = [c.value for c in posts[1]]
    post_rows = [dict(zip(post_header, row, strict=True)) for row in posts.iter_rows(min_row=2, values_only=True)]
    return ranking["A1"].value, ranking["A2"].value, lines, post_rows


@pytest.fixture
def open_quarter(operator, editor, partner, partner_login, other_partner, other_partner_login):
    """The current quarter with posts, quotas, adopted contributions and a task, for two partners."""
    today = timezone.localdate()
    quarter = services.current_quarter()
    services.save_account(actor=operator, partner=partner, platform=Platform.WECHAT, name="泌阳微帮公众号")
    services.save_account(actor=operator, partner=partner, platform=Platform.DOUYIN, name="泌阳微帮抖音")
    services.set_quota(actor=operator, partner=partner, quarter=quarter, posts=4, originals=2, reposts=2, tasks=1)
    for i, (kind, reads, day) in enumerate([("original", 1200, today), ("original", 800, quarter.start), ("repost", 300, today)], start=1):
        services.record_post(
            actor=partner_login,
            partner=partner,
            title=f"泌阳微帮{i}",
            url=f"https://example.com/a{i}",
            published_on=day,
            reads=reads,
            kind=kind,
        )
    services.record_post(
        actor=other_partner_login, partner=other_partner, title="泌阳在线1", url="https://example.com/b1", published_on=today, reads=5000
    )
    # Published in the quarter before: counted there, not here.
    services.record_post(
        actor=operator,
        partner=partner,
        title="上季度的",
        url="https://example.com/old",
        published_on=quarter.start - dt.timedelta(days=1),
        reads=99999,
    )
    for title in ("铜山湖旅游节筹备情况", "花园街道夜市开张"):
        sent = services.submit_contribution(actor=partner_login, kind="lead", title=title, body="一段足够长的线索内容，供编辑参考。")
        services.adopt_as_lead(actor=editor, contribution=sent)
    declined = services.submit_contribution(
        actor=partner_login, kind="lead", title="不采用的线索", body="一段足够长的线索内容，供编辑参考。"
    )
    services.decline_contribution(actor=editor, contribution=declined, reason="重复")
    now = timezone.now()
    last_moment = dt.datetime.combine(quarter.end, dt.time(23, 59), tzinfo=timezone.get_current_timezone())
    task = services.create_task(
        actor=operator,
        kind=Task.Kind.EVENT,
        title="承办读书活动",
        starts_at=now - dt.timedelta(hours=1),
        due_at=min(now + dt.timedelta(hours=1), last_moment),
        partners=[partner, other_partner],
    )
    assignment = TaskAssignment.objects.get(task=task, partner=partner)
    services.report_task(actor=partner_login, assignment=assignment, url="https://example.com/event")
    services.check_task(actor=operator, assignment=assignment, accept=True)
    return quarter


def test_the_workbook_figures_are_the_databases(open_quarter, partner, other_partner):
    quarter = open_quarter

    title, rule_line, lines, posts = read_back(quarter_workbook(quarter))

    assert "provisional" in title and str(quarter) in title
    assert "Quota completion 40" in rule_line and "Reads 30" in rule_line
    by_name = {line["Partner"]: line for line in lines}
    assert set(by_name) == {partner.name, other_partner.name}
    for p in (partner, other_partner):
        line = by_name[p.name]
        in_quarter = Post.objects.filter(partner=p, published_on__gte=quarter.start, published_on__lte=quarter.end)
        assert line["Posts: done"] == in_quarter.count()
        assert line["Original pieces: done"] == in_quarter.filter(kind=Post.Kind.ORIGINAL).count()
        assert line["Reposts: done"] == in_quarter.filter(kind=Post.Kind.REPOST).count()
        assert line["Reads"] == (in_quarter.aggregate(n=Sum("reads"))["n"] or 0)
        assert line["Adopted contributions"] == Contribution.objects.filter(partner=p, status=Contribution.Status.ADOPTED).count()
        assignments = TaskAssignment.objects.filter(partner=p)
        assert line["Tasks assigned"] == assignments.count()
        assert line["Tasks done"] == line["Tasks completed: done"] == assignments.filter(status=TaskAssignment.Status.DONE).count()
        quota = Quota.objects.filter(partner=p, quarter=quarter).first()
        for metric, label in scoring.METRIC_LABELS.items():
            assert line[f"{label}: target"] == (getattr(quota, metric) if quota else None)

    mine = by_name[partner.name]
    # The figures the fixture made, spelled out: 3 posts (2 original, 1 repost), 2300 reads, 2 adopted, 1 of 1 task.
    assert (mine["Posts: done"], mine["Original pieces: done"], mine["Reposts: done"], mine["Reads"]) == (3, 2, 1, 2300)
    assert (mine["Adopted contributions"], mine["Tasks done"], mine["Tasks assigned"]) == (2, 1, 1)
    assert "泌阳微帮公众号" in mine["Accounts"] and "泌阳微帮抖音" in mine["Accounts"]
    assert by_name[other_partner.name]["Tasks done"] == 0

    # Score and rank are the ranking page's.
    for page_line in scoring.ranking(quarter):
        line = by_name[page_line.partner_name]
        assert (line["Rank"], Decimal(str(line["Total"])), line["Award"] or "") == (page_line.rank, page_line.total, page_line.tier)
        points = sum(line[f"{c}: points"] or 0 for c in scoring.LABELS.values())
        assert abs(points - float(page_line.total)) <= 0.2

    # Sheet 2: every post of the quarter, none of the quarter before.
    in_quarter = Post.objects.filter(published_on__gte=quarter.start, published_on__lte=quarter.end)
    assert sorted(row["Link"] for row in posts) == sorted(in_quarter.values_list("url", flat=True))
    assert "https://example.com/old" not in {row["Link"] for row in posts}
    row = next(r for r in posts if r["Link"] == "https://example.com/a3")
    assert (row["Partner"], row["Reads"], row["Kind"]) == (partner.name, 300, "Repost")


def test_a_closed_quarter_shows_its_frozen_scores_not_a_new_computation(operator, partner, other_partner):
    today = timezone.localdate()
    quarter = Quarter.objects.create(year=today.year - 1, number=4)
    services.set_quota(actor=operator, partner=partner, quarter=quarter, posts=2, originals=1, reposts=1)
    services.set_quota(actor=operator, partner=other_partner, quarter=quarter, posts=10)
    for i, (who, kind, reads) in enumerate(
        [(partner, "original", 900), (partner, "repost", 100), (other_partner, "original", 3000)], start=1
    ):
        services.record_post(
            actor=operator,
            partner=who,
            title=f"去年第四季度{i}",
            url=f"https://example.com/q4/{i}",
            published_on=dt.date(today.year - 1, 11, i),
            reads=reads,
            kind=kind,
        )
    services.close_quarter(actor=operator, quarter=quarter)
    # The rule changes after closing: the closed quarter keeps the scores made with the old one.
    services.save_rule(actor=operator, weight_quota=5, weight_reads=90, weight_adopted=5, weight_tasks=0, adopted_full=3, tiers=[])
    quarter.refresh_from_db()
    recomputed = {line.partner_id: line.total for line in scoring.score_lines(quarter)}
    frozen = {score.partner_id: score for score in Score.objects.filter(quarter=quarter)}
    assert any(recomputed[pk] != score.total for pk, score in frozen.items())  # else the test proves nothing

    title, rule_line, lines, _posts = read_back(quarter_workbook(quarter))

    assert "closed" in title and "frozen" in title
    assert "Quota completion 40" in rule_line and "Reads 30" in rule_line
    by_name = {line["Partner"]: line for line in lines}
    assert set(by_name) == {s.partner.name for s in frozen.values()}
    for score in frozen.values():
        line = by_name[score.partner.name]
        assert Decimal(str(line["Total"])) == score.total
        assert line["Rank"] == score.rank
        assert (line["Award"] or "") == score.tier
        figures = score.breakdown["figures"]
        assert (line["Posts: done"], line["Reads"]) == (figures["posts"], figures["reads"])
        for component in score.breakdown["components"]:
            label = scoring.LABELS[component["key"]]
            if component["score"] is None:
                assert line[f"{label}: score"] is None
            else:
                assert line[f"{label}: score"] == component["score"]
                assert line[f"{label}: points"] == component["points"]
    assert by_name[partner.name]["Posts: target"] == 2


def test_a_title_that_looks_like_a_formula_stays_text(operator, partner):
    quarter = services.current_quarter()
    services.record_post(
        actor=operator,
        partner=partner,
        title='=HYPERLINK("http://evil.example","点我")',
        url="https://example.org/f/1",
        published_on=timezone.localdate(),
        reads=1,
    )
    sheet = load_workbook(io.BytesIO(quarter_workbook(quarter))).worksheets[1]
    titles = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ['\'=HYPERLINK("http://evil.example","点我")']
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
