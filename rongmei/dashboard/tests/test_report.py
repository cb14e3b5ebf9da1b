"""The monthly report: its figures against counts made here from the database, the page, the PDF
and the Excel file showing the same figures (and the same as the reach and assessment pages),
who may open it, and the mail with both files through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rongmei.analytics.models import DailyRollup, Dimension
from rongmei.dashboard import assessment, reach, report
from rongmei.dashboard.models import ChannelDay
from rongmei.distribution.models import Channel, Publication
from rongmei.distribution.tests.servers.smtp import SmtpServer
from rongmei.inquiries import services as inquiries
from rongmei.inquiries.tests.public_flow import NO_LIMITS, ask
from rongmei.live.models import LiveRoom
from rongmei.newsroom import services as newsroom
from rongmei.newsroom.models import Lead, Story
from rongmei.practice.tests.test_manage_views import login
from rongmei.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def limits(settings):
    settings.RONGMEI_INQUIRIES = NO_LIMITS


@pytest.fixture
def month():
    return timezone.localdate().replace(day=1)


@pytest.fixture
def work(reporter, team, editor, column_lead, chief, operator, citizen, unit, month):
    Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    wechat, _ = Channel.objects.get_or_create(code=Channel.Code.WECHAT_OA, defaults={"name": "微信公众号"})
    reviewers = [editor, column_lead, chief]
    story = factories.published_story(reporter, team, reviewers, headline="本月发布的稿件")
    factories.published_story(reporter, team, reviewers, headline="另一篇本月稿件")
    factories.draft_story(reporter, team, headline="一篇草稿")
    newsroom.create_lead(actor=reporter, title="一条本月的线索", description="描述", team=team)
    old = factories.published_story(reporter, team, reviewers, headline="上月发布的稿件")
    before = timezone.make_aware(dt.datetime.combine(month - dt.timedelta(days=3), dt.time(9)))
    Story.objects.filter(pk=old.pk).update(created_at=before)
    Publication.objects.filter(story=old).update(published_at=before)
    Lead.objects.filter(title="上月的线索").update(created_at=before)
    DailyRollup.objects.create(day=month, dimension=Dimension.SITE, key=0, views=5000, reads=1200, devices=800)
    DailyRollup.objects.create(day=month + dt.timedelta(days=1), dimension=Dimension.SITE, key=0, views=3000, reads=600, devices=400)
    DailyRollup.objects.create(day=month, dimension=Dimension.ARTICLE, key=story.pk, views=2100, reads=700, visitors=1500)
    ChannelDay.objects.create(channel=wechat, day=month, followers=20000, reads=4000, top_reads=2500, likes=80)
    question = ask(citizen)
    inquiries.forward(actor=editor, inquiry=question, unit=unit)
    now = timezone.now()
    LiveRoom.objects.create(
        title="夏南牛节开幕式",
        scheduled_at=now,
        state=LiveRoom.State.ENDED,
        started_at=now,
        created_by=operator,
        views_total=30000,
        viewers_peak=4200,
    )
    return {"story": story}


def test_the_figures_are_the_counts_of_the_month(work, month):
    data = report.report_data(month)
    start, end = assessment.month_bounds(month)
    assert data.newsroom["stories_published"] == 2  # last month's story counts in its month
    assert data.newsroom["stories_filed"] == Story.objects.filter(created_at__gte=start, created_at__lt=end).count() == 3
    assert data.newsroom["leads"] == Lead.objects.filter(created_at__gte=start, created_at__lt=end).count() == 1
    assert (
        data.newsroom["publications"]
        == Publication.objects.filter(state="published", published_at__gte=start, published_at__lt=end).count()
        == 2
    )
    assert data.readership == {"views": 8000, "reads": 1800, "plays": 0, "shares": 0, "days": 2, "dau": 600}
    assert [line.key for line in data.top_articles] == [work["story"].pk]
    assert data.inquiries["received"] == 1 and data.inquiries["forwarded"] == 1
    assert data.live == {"rooms": 1, "views": 30000, "peak": 4200}
    # the same as the reach and assessment pages
    last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    assert data.reach.index == reach.index(month, last).index
    assert [(r.user.pk, r.total) for r in data.assessment] == [(r.user.pk, r.total) for r in assessment.table(month)][:10]


def test_the_page_the_pdf_and_the_workbook_show_the_same_figures(client, work, month, chief):
    login(client, chief)
    page = client.get(reverse("dashboard:report"), {"month": f"{month:%Y-%m}"})
    assert page.status_code == 200
    rows = page.context["rows"]
    html = page.content.decode()
    data = report.report_data(month)
    pdf_html = report.report_html(data)
    for label, value in rows:
        assert str(label) in html and str(label) in pdf_html
        assert f'<td class="num">{value}</td>' in html and f'<td class="num">{value}</td>' in pdf_html
    book = load_workbook(io.BytesIO(client.get(reverse("dashboard:report_xlsx"), {"month": f"{month:%Y-%m}"}).content))
    summary = [(a, b) for a, b in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert summary == [(str(label), value) for label, value in rows]
    assessment_sheet = list(book["Assessment"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], Decimal(str(r[3]))) for r in assessment_sheet] == [(r.user.display_name, r.total) for r in data.assessment]
    pdf = client.get(reverse("dashboard:report_pdf"), {"month": f"{month:%Y-%m}"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert f"report-{month:%Y-%m}.pdf" in pdf["Content-Disposition"]


def test_without_a_month_the_page_shows_last_month_and_a_bad_one_is_refused(client, chief):
    login(client, chief)
    assert client.get(reverse("dashboard:report")).context["data"].month == report.last_month()
    assert client.get(reverse("dashboard:report"), {"month": "2026-00"}).status_code == 400


@pytest.mark.parametrize("name", ["dashboard:report", "dashboard:report_pdf", "dashboard:report_xlsx"])
def test_only_the_leaders_open_the_report(client, name, reporter, editor):
    assert client.get(reverse(name)).status_code == 302
    assert login(client, reporter).get(reverse(name)).status_code == 403
    assert login(client, editor).get(reverse(name)).status_code == 200


def test_the_report_is_mailed_with_its_pdf_and_workbook(work, month, chief, settings, tmp_path):
    chief.email = "zhaozb@rongmei.example.cn"
    chief.save(update_fields=["email"])
    with SmtpServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        call_command("dashboard_report", "--month", f"{month:%Y-%m}", "--out", str(tmp_path))
        (message,) = smtp.messages()
    assert smtp.received[0]["to"] == ["zhaozb@rongmei.example.cn"]
    assert f"{month:%Y-%m}" in message["Subject"]
    names = sorted(part.get_filename() for part in message.iter_attachments())
    assert names == [f"report-{month:%Y-%m}.pdf", f"report-{month:%Y-%m}.xlsx"]
    pdf = next(p for p in message.iter_attachments() if p.get_filename().endswith(".pdf")).get_content()
    assert pdf.startswith(b"%PDF")
    assert (tmp_path / f"report-{month:%Y-%m}.xlsx").is_file() and (tmp_path / f"report-{month:%Y-%m}.pdf").is_file()
    body = message.get_body(("plain",)).get_content()
    assert "2" in body and "30000" in body


def test_nobody_to_mail_sends_nothing(month, settings):
    settings.RONGMEI_DASHBOARD = {"REPORT_RECIPIENTS": []}
    _data, sent = report.send(month)
    assert sent == []


def test_editors_get_the_report_without_the_staff_assessment(client, work, month, editor, chief):
    page = login(client, editor).get(reverse("dashboard:report"), {"month": f"{month:%Y-%m}"})
    assert page.context["data"].assessment == [] and 'id="report-assessment"' not in page.content.decode()
    book = load_workbook(io.BytesIO(client.get(reverse("dashboard:report_xlsx"), {"month": f"{month:%Y-%m}"}).content))
    assert "Assessment" not in book.sheetnames
    assert 'id="report-assessment"' in login(client, chief).get(reverse("dashboard:report"), {"month": f"{month:%Y-%m}"}).content.decode()


def test_overdue_at_the_end_of_the_month_does_not_change_when_answered_later(work, month, citizen, unit, editor):
    from rongmei.inquiries.models import Inquiry

    end = assessment.month_bounds(month)[1]
    question = ask(citizen, title="小区门口的路灯坏了很久没人修")
    inquiries.forward(actor=editor, inquiry=question, unit=unit, now=end - dt.timedelta(days=40))
    Inquiry.objects.filter(pk=question.pk).update(forwarded_at=end - dt.timedelta(days=40))
    before = report.report_data(month).inquiries["overdue_at_end"]
    Inquiry.objects.filter(pk=question.pk).update(state="published", published_at=end + dt.timedelta(days=2))
    assert report.report_data(month).inquiries["overdue_at_end"] == before >= 1
