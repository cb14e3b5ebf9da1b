"""The monthly report (report.py, manage.py inquiries_report): Excel and PDF with the pages' figures."""

from __future__ import annotations

import io
import re
import zlib

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from rongmei.inquiries import report, stats
from rongmei.inquiries.tests.test_stats import NOW, OCTOBER, _quick_services, by_unit, october  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(october):  # noqa: F811 - the fixture imported above
    return report.report_data(OCTOBER, now=NOW, with_hot=False)


def _sheet_rows(ws) -> list[tuple]:
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


def test_report_figures_equal_the_supervision_pages(client, editor, data, unit, other_unit):
    client.force_login(editor)
    page = client.get("/newsroom/wenzheng/supervision/?month=2026-10").context
    for u in (unit, other_unit):
        ours, theirs = by_unit(data.units, u), by_unit(page["units"], u)
        for name in ("received", "accepted", "returned", "replied", "rated", "reopened", "escalated", "on_time_rank"):
            assert getattr(ours, name) == getattr(theirs, name), name
        assert (ours.on_time, ours.satisfaction, ours.median_workdays) == (theirs.on_time, theirs.satisfaction, theirs.median_workdays)
    assert data.county.total == page["county"].total
    public = client.get("/wenzheng/stats/?month=2026-10").context
    assert data.county.total.received == public["county"].total.received == 6
    assert [(t.label, t.received, t.answered) for t in data.county.by_kind] == [
        (t.label, t.received, t.answered) for t in public["county"].by_kind
    ]


def test_excel_opens_and_has_the_numbers_and_charts(data, unit):
    book = load_workbook(io.BytesIO(report.to_xlsx(data)))
    assert book.sheetnames == ["Summary", "By unit", "By type", "By town", "By current unit", "Hot issues"]
    summary = dict((r[0], r[1]) for r in _sheet_rows(book["Summary"])[:14])
    assert summary["Month"] == "2026-10"
    assert (summary["Received (收到)"], summary["Forwarded (转办)"], summary["Published and forwarded (公开并转办)"]) == (6, 4, 3)
    assert summary["Answered (已答复)"] == 2 and summary["Answer rate (答复率)"] == 0.5
    assert book["Summary"]._charts and book["By unit"]._charts  # native Excel charts
    rows = {r[0]: r for r in _sheet_rows(book["By unit"])[1:] if r[0]}
    a = rows[unit.name]
    assert a[1:6] == (4, 2, 1, 3, 3)  # received, accepted, returned, replied, on time
    assert a[6] == 1.0 and a[9] == 1  # on-time rate, rank
    assert a[10] == 2  # median working days
    kinds = {r[0]: r[1] for r in _sheet_rows(book["By type"])[1:]}
    assert kinds["Complaint"] == 4 and kinds["Enquiry"] == 1


def test_pdf_is_a_pdf_about_the_month(data):
    pdf = report.to_pdf(data)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    html = report.report_html(data)
    assert (
        "2026-10" in html and "<svg" in html and "http" not in html.split("<body>", 1)[1].replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    # The month is in the document's title, which WeasyPrint stores as UTF-16 hex in a compressed object stream.
    assert "2026-10".encode("utf-16-be").hex().encode() in b"".join(_streams(pdf)).lower()


def _streams(pdf: bytes):
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            yield zlib.decompress(m.group(1))
        except zlib.error:
            continue


def test_command_writes_both_files(october, tmp_path):  # noqa: F811
    call_command("inquiries_report", "--month", "2026-10", "--out", str(tmp_path / "out"))
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["wenzheng-report-2026-10.pdf", "wenzheng-report-2026-10.xlsx"]
    book = load_workbook(tmp_path / "out" / "wenzheng-report-2026-10.xlsx")
    assert book["Summary"]["B3"].value == 6


def test_command_refuses_a_bad_month(tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("inquiries_report", "--month", "Oct", "--out", str(tmp_path))


def test_supervision_offers_both_downloads(client, editor, october):  # noqa: F811
    client.force_login(editor)
    xlsx = client.get("/newsroom/wenzheng/supervision/report.xlsx?month=2026-10")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]
    assert 'filename="wenzheng-report-2026-10.xlsx"' in xlsx["Content-Disposition"]
    assert load_workbook(io.BytesIO(xlsx.content))["Summary"]["B2"].value == "2026-10"
    pdf = client.get("/newsroom/wenzheng/supervision/report.pdf?month=2026-10")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get("/newsroom/wenzheng/supervision/report.pdf?month=13-2026").status_code == 400


def test_trend_covers_twelve_months_ending_with_the_report_month(data):
    assert [t.label for t in data.trend][-2:] == ["2026-09", "2026-10"] and len(data.trend) == 12
    assert data.trend[-1].received == 6 and data.trend[-2].received == 1
    assert stats.min_count() == data.min_count == 2
