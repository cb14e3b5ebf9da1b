"""Revenue (rongmei.business.revenue and /ops/revenue/): payments and invoices summed per month,
client, kind of service and salesperson against amounts chosen here; the receivables ageing with
partial payments; who may open the page and the workbook; bad months refused with a message."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from rongmei.business import revenue, selectors, services
from rongmei.business.revenue import Period, add_months
from rongmei.business.selectors import PaymentStatus
from rongmei.core.exceptions import NotAllowed
from rongmei.core.models import AuditLog
from rongmei.practice.tests.test_manage_views import login

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = add_months(THIS_MONTH, -1)
TWO_MONTHS_AGO = add_months(THIS_MONTH, -2)


def contracted(sales, client, *, kind: str, title: str, amount_fen: int, salesperson=None):
    """A project with a signed contract (invoices and payments may be recorded)."""
    project = services.create_project(actor=sales, client=client, kind=kind, title=title, salesperson=salesperson)
    services.add_quote_line(actor=sales, project=project, description="服务费用", quantity=1, unit_price_fen=amount_fen)
    services.mark_quoted(actor=sales, project=project)
    return services.sign_contract(actor=sales, project=project, amount_fen=amount_fen)


_numbers = iter(range(1, 10_000))


def invoice(sales, project, amount_fen: int, issued_on: dt.date):
    return services.issue_invoice(
        actor=sales, project=project, number=f"No.{next(_numbers):08d}", amount_fen=amount_fen, issued_on=issued_on
    )


def pay(sales, project, amount_fen: int, received_on: dt.date, invoice=None):
    return services.record_payment(actor=sales, project=project, amount_fen=amount_fen, received_on=received_on, invoice=invoice)


@pytest.fixture
def niuye(sales):
    return services.create_client(actor=sales, kind="enterprise", name="泌阳县夏南牛业有限公司")


@pytest.fixture
def bureau(sales):
    return services.create_client(actor=sales, kind="government", name="泌阳县农业农村局")


@pytest.fixture
def money(sales, sales2, niuye, bureau):
    """Last month and this month, three projects of two clients sold by two salespeople:

    ============  ==========  ==============  =========  ===========================================
    project       client      kind            sold by    money
    ============  ==========  ==============  =========  ===========================================
    live          牛业         live broadcast  孙经营      last month: invoice 40,000, paid 30,000;
                                                         this month: invoice 20,000, paid 15,000
    film          牛业         documentary     李销售      this month: invoice 50,000, paid 20,000
    fair          农业农村局    event           孙经营      two months ago: invoice 30,000 (before the
                                                         period); last month: paid 10,000
    ============  ==========  ==============  =========  ===========================================
    """
    live = contracted(sales, niuye, kind="live_broadcast", title="牛业大会直播", amount_fen=10_000_000)
    film = contracted(sales, niuye, kind="documentary", title="牛业宣传片", amount_fen=5_000_000, salesperson=sales2)
    fair = contracted(sales, bureau, kind="event", title="农民丰收节", amount_fen=3_000_000)
    invoice(sales, live, 4_000_000, LAST_MONTH + dt.timedelta(days=4))
    pay(sales, live, 3_000_000, LAST_MONTH + dt.timedelta(days=10))
    invoice(sales, live, 2_000_000, THIS_MONTH)
    pay(sales, live, 1_500_000, THIS_MONTH)
    invoice(sales, film, 5_000_000, THIS_MONTH)
    pay(sales, film, 2_000_000, THIS_MONTH)
    invoice(sales, fair, 3_000_000, TWO_MONTHS_AGO + dt.timedelta(days=3))
    pay(sales, fair, 1_000_000, LAST_MONTH)
    return {"live": live, "film": film, "fair": fair}


def _sums(table) -> dict[str, tuple[int, int]]:
    return {line.label: (line.received_fen, line.invoiced_fen) for line in table.lines}


# --- the groupings ----------------------------------------------------------------------------------


def test_a_period_is_whole_months():
    period = Period.of(dt.date(2025, 11, 17), dt.date(2026, 2, 3))
    assert (period.first_day, period.last_day) == (dt.date(2025, 11, 1), dt.date(2026, 2, 28))
    assert period.months == [dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert Period.of(dt.date(2024, 2, 10)).last_day == dt.date(2024, 2, 29)
    assert Period.current().months == [THIS_MONTH]


def test_revenue_is_grouped_per_month_client_kind_and_salesperson(money, sales, niuye, bureau):
    period = Period.of(LAST_MONTH, THIS_MONTH)
    assert _sums(revenue.by_month(period)) == {
        f"{LAST_MONTH:%Y-%m}": (3_000_000 + 1_000_000, 4_000_000),
        f"{THIS_MONTH:%Y-%m}": (1_500_000 + 2_000_000, 2_000_000 + 5_000_000),
    }
    # The invoice of two months ago is outside the period; the clients with most money first.
    by_client = revenue.by_client(period)
    assert [line.label for line in by_client.lines] == ["泌阳县夏南牛业有限公司", "泌阳县农业农村局"]
    assert _sums(by_client) == {"泌阳县夏南牛业有限公司": (6_500_000, 11_000_000), "泌阳县农业农村局": (1_000_000, 0)}
    assert by_client.by_key()[str(niuye.pk)].received_yuan == "65,000.00"
    assert {line.key: (line.received_fen, line.invoiced_fen) for line in revenue.by_kind(period).lines} == {
        "documentary": (2_000_000, 5_000_000),
        "event": (1_000_000, 0),
        "live_broadcast": (4_500_000, 6_000_000),
        "campaign": (0, 0),  # every kind is listed
    }
    assert _sums(revenue.by_salesperson(period)) == {"孙经营": (5_500_000, 6_000_000), "李销售": (2_000_000, 5_000_000)}
    # Each grouping totals the same money.
    for table in (revenue.by_month(period), by_client, revenue.by_kind(period), revenue.by_salesperson(period)):
        assert (table.received_fen, table.invoiced_fen) == (7_500_000, 11_000_000)
        assert isinstance(table.received_fen, int) and table.received_yuan == "75,000.00"


def test_a_single_month_counts_only_its_own_days(money):
    this_month = Period.of(THIS_MONTH)
    assert _sums(revenue.by_month(this_month)) == {f"{THIS_MONTH:%Y-%m}": (3_500_000, 7_000_000)}
    assert _sums(revenue.by_client(this_month)) == {"泌阳县夏南牛业有限公司": (3_500_000, 7_000_000)}
    last_month = Period.of(LAST_MONTH)
    assert _sums(revenue.by_salesperson(last_month)) == {"孙经营": (4_000_000, 4_000_000)}
    earlier = Period.of(add_months(THIS_MONTH, -5), TWO_MONTHS_AGO)
    assert len(revenue.by_month(earlier).lines) == 4 and revenue.by_month(earlier).invoiced_fen == 3_000_000


def test_each_grouping_is_one_query(money, django_assert_num_queries):
    period = Period.of(LAST_MONTH, THIS_MONTH)
    for grouping in (revenue.by_month, revenue.by_client, revenue.by_kind, revenue.by_salesperson):
        with django_assert_num_queries(1):
            grouping(period)
    with django_assert_num_queries(2):
        revenue.ageing(TODAY)


def test_the_month_revenue_for_the_screen_is_the_payments_of_the_calendar_month(money):
    assert revenue.month_revenue_fen(THIS_MONTH) == 3_500_000
    assert revenue.month_revenue_fen(LAST_MONTH) == 4_000_000
    assert revenue.month_revenue_fen(TWO_MONTHS_AGO) == 0
    assert revenue.month_revenue_fen(add_months(THIS_MONTH, 1)) == 0


def test_the_report_needs_a_money_reader(money, sales, people):
    assert revenue.report(actor=people["chief"]).by_month.received_fen == 3_500_000
    for outsider in (people["reporter"], people["editor"], people["operator"], None):
        with pytest.raises(NotAllowed):
            revenue.report(actor=outsider)


# --- receivables ageing -----------------------------------------------------------------------------------


def test_the_buckets_are_0_to_30_31_to_60_61_to_90_and_over_90_days():
    assert [revenue._bucket(days) for days in (0, 30, 31, 60, 61, 90, 91, 400)] == [0, 0, 1, 1, 2, 2, 3, 3]


@pytest.fixture
def owed(sales, niuye, bureau):
    """牛业's big project: four invoices (100, 75, 45 and 10 days old), 25,000 paid naming the
    newest; its old one: 10,000 invoiced 95 days ago, 4,000 paid. The bureau: 3,000 invoiced 20
    days ago, unpaid. One project fully paid and one paid before any invoice owe nothing."""
    days = lambda n: TODAY - dt.timedelta(days=n)  # noqa: E731
    big = contracted(sales, niuye, kind="campaign", title="牛业品牌推广", amount_fen=10_000_000)
    invoice(sales, big, 2_000_000, days(100))
    invoice(sales, big, 3_000_000, days(75))
    invoice(sales, big, 1_000_000, days(45))
    newest = invoice(sales, big, 500_000, days(10))
    pay(sales, big, 2_500_000, days(5), invoice=newest)
    old = contracted(sales, niuye, kind="event", title="牛业年会", amount_fen=1_000_000)
    invoice(sales, old, 1_000_000, days(95))
    pay(sales, old, 400_000, days(3))
    small = contracted(sales, bureau, kind="event", title="农技培训", amount_fen=300_000)
    invoice(sales, small, 300_000, days(20))
    paid = contracted(sales, bureau, kind="documentary", title="已结清项目", amount_fen=500_000)
    invoice(sales, paid, 500_000, days(40))
    pay(sales, paid, 500_000, days(35))
    deposit = contracted(sales, bureau, kind="live_broadcast", title="预付款项目", amount_fen=800_000)
    pay(sales, deposit, 200_000, days(2))
    return {"big": big, "old": old, "small": small, "paid": paid, "deposit": deposit}


def test_payments_cover_the_oldest_invoices_first_and_the_rest_ages(owed):
    report = revenue.ageing(TODAY)
    rows = {row.label: row.buckets for row in report.projects}
    assert rows == {
        # 25,000 paid covers the 20,000 of 100 days and 5,000 of the 30,000 of 75 days.
        "牛业品牌推广": (500_000, 1_000_000, 2_500_000, 0),
        "牛业年会": (0, 0, 0, 600_000),
        "农技培训": (300_000, 0, 0, 0),
    }
    clients = {row.label: row.buckets for row in report.clients}
    assert clients == {"泌阳县夏南牛业有限公司": (500_000, 1_000_000, 2_500_000, 600_000), "泌阳县农业农村局": (300_000, 0, 0, 0)}
    assert [row.label for row in report.clients] == ["泌阳县夏南牛业有限公司", "泌阳县农业农村局"]  # most owed first
    assert report.totals == (800_000, 1_000_000, 2_500_000, 600_000) and report.total_yuan == "49,000.00"
    # The balance is what selectors count as not yet received.
    for key, project in owed.items():
        outstanding = max(0, selectors.invoiced_total(project) - selectors.received_total(project))
        assert sum(rows.get(project.title, ())) == outstanding, key


def test_the_ageing_agrees_with_the_overdue_payment_status(owed):
    report = revenue.ageing(TODAY)
    late = {row.label for row in report.projects if any(row.buckets[1:])}
    for project in owed.values():
        assert (selectors.payment_status(project, today=TODAY) == PaymentStatus.OVERDUE) == (project.title in late)


def test_the_ageing_as_of_an_earlier_day_counts_what_was_known_then(owed):
    report = revenue.ageing(TODAY - dt.timedelta(days=50))
    # Nothing was paid yet; the invoices of 45, 20 and 10 days ago were not issued.
    assert {row.label: row.buckets for row in report.projects} == {
        "牛业品牌推广": (3_000_000, 2_000_000, 0, 0),
        "牛业年会": (0, 1_000_000, 0, 0),
    }


# --- the page --------------------------------------------------------------------------------------------


def test_operations_staff_and_the_chief_editor_see_the_tables(client, money, sales, people):
    url = reverse("ops:revenue") + f"?start={LAST_MONTH:%Y-%m}&end={THIS_MONTH:%Y-%m}"
    for reader in (sales, people["chief"]):
        response = login(client, reader).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        for part in ("revenue-month", "revenue-client", "revenue-kind", "revenue-salesperson", "revenue-ageing", "ageing-clients"):
            assert f'id="{part}"' in html
        assert "泌阳县夏南牛业有限公司" in html and "李销售" in html
        assert "65,000.00" in html and "75,000.00" in html  # 牛业 received, the total received
        # Owed: 15,000 of 牛业大会直播's second invoice, 30,000 of the film, 20,000 of the fair.
        assert response.context["report"].ageing.total_fen == 6_500_000
        assert {"牛业大会直播", "牛业宣传片", "农民丰收节"} <= {row.label for row in response.context["report"].ageing.projects}
        assert f'value="{LAST_MONTH:%Y-%m}"' in html and 'type="month"' in html


def test_the_page_shows_the_current_month_by_default(client, money, sales):
    response = login(client, sales).get(reverse("ops:revenue"))
    assert response.status_code == 200
    assert response.context["report"].period == Period.of(THIS_MONTH)
    assert response.context["report"].by_month.received_yuan == "35,000.00"


def test_the_page_is_for_money_readers_only(client, money, people):
    url = reverse("ops:revenue")
    assert client.get(url).status_code == 302  # to the login page
    for outsider in (people["reporter"], people["editor"], people["column_lead"], people["operator"]):
        response = login(client, outsider).get(url)
        assert response.status_code == 403
        assert "泌阳县夏南牛业有限公司" not in response.content.decode()
        assert login(client, outsider).get(reverse("ops:revenue_xlsx")).status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-13", "请按“年-月”填写月份，例如 2026-11。"),
        ("start=abc&end=2026-01", "请按“年-月”填写月份，例如 2026-11。"),
        ("start=2026-05&end=2026-03", "开始日期不能晚于结束日期。"),
    ],
)
def test_bad_months_get_a_message_and_this_month(client, sales, query, message):
    response = login(client, sales).get(reverse("ops:revenue") + "?" + query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["report"].period == Period.of(THIS_MONTH)


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("query", "message"),
    [("start=1999-12", "between 2000 and next year"), ("start=2001-01&end=2026-01", "at most 60 months")],
)
def test_far_or_long_periods_are_refused(client, sales, query, message):
    response = login(client, sales).get(reverse("ops:revenue") + "?" + query)
    assert response.status_code == 400 and message in response.content.decode()
    xlsx = client.get(reverse("ops:revenue_xlsx") + "?" + query)
    assert xlsx.status_code == 302 and xlsx["Location"].startswith(reverse("ops:revenue") + "?")


# --- the workbook -----------------------------------------------------------------------------------------


def test_the_excel_download_holds_the_figures(client, money, sales):
    from openpyxl import load_workbook

    url = reverse("ops:revenue_xlsx") + f"?start={LAST_MONTH:%Y-%m}&end={THIS_MONTH:%Y-%m}"
    response = login(client, sales).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="revenue-{LAST_MONTH:%Y-%m}-{THIS_MONTH:%Y-%m}.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 6
    months, clients, kinds, people, ageing, per_client = (book[name] for name in book.sheetnames)

    def rows(sheet):
        return {row[0]: row[1:] for row in sheet.iter_rows(min_row=3, values_only=True)}

    assert rows(months)[f"{THIS_MONTH:%Y-%m}"] == (35_000, 70_000)
    assert rows(months)["合计"] == (75_000, 110_000)
    assert rows(clients)["泌阳县夏南牛业有限公司"] == (65_000, 110_000)
    assert rows(people)["李销售"] == (20_000, 50_000)
    assert len(rows(kinds)) == 5  # four kinds and the total
    assert {row[1]: row[2:] for row in ageing.iter_rows(min_row=3, values_only=True)}["牛业大会直播"] == (15_000, 0, 0, 0, 15_000)
    fair = [0, 0, 0, 0]  # 20,000 of an invoice of two months ago: 31–60 or 61–90 days old
    fair[revenue._bucket((TODAY - TWO_MONTHS_AGO).days - 3)] = 20_000
    assert rows(per_client)["泌阳县农业农村局"] == (*fair, 20_000)
    assert rows(per_client)["合计"] == (45_000 + fair[0], fair[1], fair[2], fair[3], 65_000)
    assert months["B3"].number_format == "#,##0.00"
    assert AuditLog.objects.filter(action="export.revenue", actor=sales).count() == 1


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook(client, sales):
    from openpyxl import load_workbook

    hostile = services.create_client(actor=sales, kind="enterprise", name='=HYPERLINK("http://x")公司')
    project = contracted(sales, hostile, kind="event", title="+项目", amount_fen=100_000)
    pay(sales, project, 100_000, THIS_MONTH)
    book = load_workbook(io.BytesIO(login(client, sales).get(reverse("ops:revenue_xlsx")).content))
    clients = book[book.sheetnames[1]]
    assert clients["A3"].value == "'" + hostile.name
