"""The issue's "done when", through the screens: an operator sets the quarter's quotas for ten
partners; partners contribute (one piece adopted into a story that is published) and report
their reads (one Excel upload with a bad row, refused by its row number, the rest kept); the
quarter closes; the ranking, the Excel table and the certificates come out; a partner sees its
own breakdown and nobody else's."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import Workbook, load_workbook

from rongmei.distribution import services as distribution
from rongmei.distribution.models import Channel
from rongmei.newsroom import services as newsroom
from rongmei.newsroom.models import Story
from rongmei.partners import scoring, services
from rongmei.partners.models import Contribution, Honour, Post, Quota, Score
from rongmei.testing.partners import make_partners

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows) -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("阅读量.xlsx", buffer.getvalue(), content_type=XLSX)


def publish(story: Story, author, reviewers) -> None:
    newsroom.submit_story(actor=author, story=story)
    for reviewer in reviewers:
        newsroom.approve(actor=reviewer, story=Story.objects.get(pk=story.pk))
    story = Story.objects.get(pk=story.pk)
    for publication in distribution.publish(actor=reviewers[-1], story=story, channels=list(Channel.objects.filter(code="website"))):
        distribution.send(publication)


def test_a_quarter_of_the_partner_network_from_quotas_to_certificates(
    client, settings, tmp_path, operator, editor, editor2, column_lead, chief, team
):
    settings.MEDIA_ROOT = str(tmp_path)
    partners = make_partners(operator, 10)
    (first, first_login), (second, second_login) = partners[0], partners[1]
    quarter = services.current_quarter()
    today = timezone.localdate()

    # The operator sets the quarter's quotas for all ten in one table.
    client.force_login(operator)
    table = {}
    for i, (partner, _login) in enumerate(partners):
        table.update({f"posts-{partner.pk}": 4 + i % 3, f"originals-{partner.pk}": 2, f"reposts-{partner.pk}": 1, f"tasks-{partner.pk}": 0})
    assert client.post(reverse("partners:quotas_for", args=[quarter.code]), table).status_code == 302
    assert Quota.objects.filter(quarter=quarter).count() == 10

    # Partners contribute; the desk adopts one as a story, which is published, and declines another.
    client.force_login(first_login)
    client.post(
        reverse("partners:contribute"),
        {"kind": "story", "title": "羊册镇艾草种植助农增收", "body": "羊册镇今年种植艾草三千亩。\n合作社带动两百多户村民增收。"},
    )
    piece = Contribution.objects.get(partner=first)
    client.force_login(second_login)
    client.post(reverse("partners:contribute"), {"kind": "lead", "title": "一条重复的线索", "body": "这条线索与中心已有报道重复。"})
    lead_piece = Contribution.objects.get(partner=second)
    client.force_login(editor)
    client.post(reverse("partners:contribution_decide", args=[piece.pk]), {"action": "story", "team": team.pk})
    client.post(reverse("partners:contribution_decide", args=[lead_piece.pk]), {"action": "decline", "reason": "与已有报道重复"})
    piece.refresh_from_db()
    assert piece.status == Contribution.Status.ADOPTED and piece.story.source == first.name
    publish(piece.story, editor, [editor2, column_lead, chief])
    assert Story.objects.get(pk=piece.story_id).state == Story.State.PUBLISHED

    # The first partner uploads its reads: row 3 is refused by its number, rows 2 and 4 are kept.
    client.force_login(first_login)
    upload = workbook(
        [
            ["标题", "链接", "发布日期", "类型", "阅读量"],
            ["艾草丰收", "https://example.org/1/a", today, "原创", 5200],
            ["艾草加工", "https://example.org/1/b", today, "原创", "很多"],
            ["转发：艾草报道", "https://example.org/1/c", today, "转发", "1.5万"],
        ]
    )
    page = client.post(reverse("partners:upload"), {"file": upload}).content.decode()
    assert 'id="import-errors"' in page and "<td>3</td>" in page
    assert sorted(Post.objects.filter(partner=first).values_list("reads", flat=True)) == [5200, 15000]
    # The operator uploads the others' reads in one file.
    client.force_login(operator)
    rows = [["合作方", "标题", "链接", "发布日期", "类型", "阅读量"]]
    for i, (partner, _login) in enumerate(partners[1:], start=2):
        for j in range(i % 4 + 1):
            rows.append([partner.name, f"{partner.name}的第{j + 1}篇", f"https://example.org/{i}/{j}", today, "原创", 300 * i + j])
    page = client.post(reverse("partners:posts_upload"), {"file": workbook(rows)}).content.decode()
    assert 'id="import-errors"' not in page
    assert Post.objects.count() == 2 + len(rows) - 1

    expected = {line.partner_id: line for line in scoring.score_lines(quarter)}

    # The quarter ends; the operator closes it.
    with freeze_time(dt.datetime.combine(quarter.end + dt.timedelta(days=1), dt.time(9), tzinfo=timezone.get_current_timezone())):
        client.force_login(operator)  # the session of weeks ago has expired
        response = client.post(reverse("partners:quarter_close", args=[quarter.code]), {"issuer": "中共泌阳县委宣传部"})
    assert response.status_code == 302
    scores = list(Score.objects.filter(quarter=quarter).order_by("rank"))
    assert len(scores) == 10
    assert {s.partner_id: s.total for s in scores} == {pk: line.total for pk, line in expected.items()}
    assert [s.rank for s in scores] == sorted(s.rank for s in scores)
    awards = Honour.objects.filter(quarter=quarter, kind=Honour.Kind.AWARD)
    assert awards.exists() and all(h.certificate_no for h in awards)
    assert set(awards.values_list("partner_id", flat=True)) == {s.partner_id for s in scores if s.tier}

    # The ranking page, the Excel table for the leadership and a certificate.
    client.force_login(operator)
    ranking = client.get(reverse("partners:quarter_for", args=[quarter.code])).content.decode()
    assert all(partner.name in ranking for partner, _login in partners)
    sheet = load_workbook(io.BytesIO(client.get(reverse("partners:quarter_export", args=[quarter.code])).content)).worksheets[0]
    names = {cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)}
    assert {partner.name for partner, _login in partners} <= names
    award = awards.first()
    pdf = client.get(reverse("partners:certificate_manage", args=[award.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"

    # A partner reads its own frozen breakdown, and nobody else's.
    client.force_login(first_login)
    mine = client.get(reverse("partners:score_for", args=[quarter.code])).content.decode()
    assert mine.count('data-component="') == 4
    assert str(Score.objects.get(quarter=quarter, partner=first).total) in mine
    assert not any(partner.name in mine for partner, _login in partners[1:])
    story_page = client.get(reverse("partners:contribution", args=[piece.pk])).content.decode()
    assert reverse("portal:story", args=[piece.story_id]) in story_page
    others = Honour.objects.exclude(partner=first).filter(quarter=quarter).first()
    if others is not None:
        assert client.get(reverse("partners:certificate", args=[others.pk])).status_code == 404
