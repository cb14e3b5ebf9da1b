"""Revenue of operations (经营收入): money received (``Payment.received_on``) and invoiced
(``Invoice.issued_on``) over a period of whole months, per month, client, kind of service
(``Project.kind``) and salesperson (``Project.salesperson``); the receivables ageing as of a day;
and this month's revenue for the command screen.

Amounts are integers in fen, summed by the database: each grouping is one query (the payments and
the invoices of the period, grouped and joined with UNION ALL), never a loop over projects. The
ageing loops only over the projects that still have money outstanding, after two queries.
Payments and invoices of cancelled projects count: the money came, or is owed, all the same.

Money is for operations staff, administrators and the chief editor (``report`` checks);
``month_revenue_fen`` is one aggregate without names, for the command screen. ``to_xlsx`` writes
the page's tables as a workbook."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BigIntegerField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.business import permissions, selectors
from rongmei.business.models import Invoice, Payment, Project
from rongmei.business.selectors import OVERDUE_DAYS, yuan
from rongmei.core.spreadsheet import as_text

MAX_MONTHS = 60  # a longer period is a typing mistake; the per-month table stays readable
EARLIEST_YEAR = 2000

# Days after the invoice date: 0–30, 31–60, 61–90, over 90. The first bucket is the time an invoice
# may stay open before selectors.payment_status calls it overdue.
AGEING_LIMITS = (OVERDUE_DAYS, 60, 90)
BUCKETS = len(AGEING_LIMITS) + 1


def ageing_labels() -> list[str]:
    """["0–30 days", "31–60 days", "61–90 days", "Over 90 days"], translated."""
    starts = (0, *(limit + 1 for limit in AGEING_LIMITS))
    labels = [_("%(a)s–%(b)s days") % {"a": a, "b": b} for a, b in zip(starts, AGEING_LIMITS, strict=False)]
    return [*labels, _("Over %(n)s days") % {"n": AGEING_LIMITS[-1]}]


# --- periods --------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months: from the month of ``first`` to the month of ``last`` (both first days)."""

    first: dt.date
    last: dt.date

    def __post_init__(self):
        if self.first.day != 1 or self.last.day != 1 or self.first > self.last:
            raise ValueError(f"not a period of months: {self.first} – {self.last}")

    @classmethod
    def of(cls, first: dt.date, last: dt.date | None = None) -> Period:
        return cls(month_start(first), month_start(last or first))

    @classmethod
    def current(cls) -> Period:
        return cls.of(timezone.localdate())

    @property
    def first_day(self) -> dt.date:
        return self.first

    @property
    def last_day(self) -> dt.date:
        return add_months(self.last, 1) - dt.timedelta(days=1)

    @property
    def months(self) -> list[dt.date]:
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
        return [add_months(self.first, i) for i in range(count)]

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m} – {self.last:%Y-%m}"


# --- the tables -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    received_fen: int
    invoiced_fen: int

    @property
    def received_yuan(self) -> str:
        return yuan(self.received_fen)

    @property
    def invoiced_yuan(self) -> str:
        return yuan(self.invoiced_fen)


@dataclass(frozen=True)
class Table:
    lines: list[Line]

    @property
    def received_fen(self) -> int:
        return sum(line.received_fen for line in self.lines)

    @property
    def invoiced_fen(self) -> int:
        return sum(line.invoiced_fen for line in self.lines)

    @property
    def received_yuan(self) -> str:
        return yuan(self.received_fen)

    @property
    def invoiced_yuan(self) -> str:
        return yuan(self.invoiced_fen)

    def by_key(self) -> dict[str, Line]:
        return {line.key: line for line in self.lines}


def _grouped(period: Period, fields) -> dict[tuple, tuple[int, int]]:
    """{group values: (received fen, invoiced fen)} in one query. ``fields(date_field)`` gives the
    grouping expressions by name, the same for payments and invoices (both reach the project
    through ``project``); ``date_field`` is the model's date (received_on or issued_on)."""
    zero = Value(0, output_field=BigIntegerField())
    payments = (
        Payment.objects.filter(received_on__gte=period.first_day, received_on__lte=period.last_day)
        .order_by()
        .values(**fields("received_on"))
        .annotate(received=Sum("amount_fen"), invoiced=zero)
    )
    invoices = (
        Invoice.objects.filter(issued_on__gte=period.first_day, issued_on__lte=period.last_day)
        .order_by()
        .values(**fields("issued_on"))
        .annotate(received=zero, invoiced=Sum("amount_fen"))
    )
    names = list(fields("received_on"))
    out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for row in payments.union(invoices, all=True):
        sums = out[tuple(row[name] for name in names)]
        sums[0] += row["received"] or 0
        sums[1] += row["invoiced"] or 0
    return {key: (received, invoiced) for key, (received, invoiced) in out.items()}


def _largest_first(lines: list[Line]) -> list[Line]:
    return sorted(lines, key=lambda line: (-line.received_fen, -line.invoiced_fen, line.label))


def by_month(period: Period) -> Table:
    """Every month of the period, in order, months without money included."""
    sums = _grouped(period, lambda date: {"month": TruncMonth(date)})
    found = {_as_date(month): value for (month,), value in sums.items()}
    return Table([Line(f"{m:%Y-%m}", f"{m:%Y-%m}", *found.get(m, (0, 0))) for m in period.months])


def _as_date(value) -> dt.date:
    # TruncMonth of a DateField is a date; a backend may hand back a datetime.
    return value.date() if isinstance(value, dt.datetime) else value


def by_client(period: Period) -> Table:
    """The clients with money in the period, the largest received first."""
    sums = _grouped(period, lambda date: {"client": F("project__client_id"), "name": F("project__client__name")})
    return Table(_largest_first([Line(str(client), name, *value) for (client, name), value in sums.items()]))


def by_kind(period: Period) -> Table:
    """Every kind of service, in the model's order, kinds without money included."""
    sums = {kind: value for (kind,), value in _grouped(period, lambda date: {"kind": F("project__kind")}).items()}
    return Table([Line(code, str(label), *sums.get(code, (0, 0))) for code, label in Project.Kind.choices])


def by_salesperson(period: Period) -> Table:
    """The salespeople with money in the period (that of their projects), the largest first."""

    def fields(date):
        # The parts of User.display_name, so that the names come with the sums.
        return {
            "user": F("project__salesperson_id"),
            "name": F("project__salesperson__name"),
            "first": F("project__salesperson__first_name"),
            "last": F("project__salesperson__last_name"),
            "username": F("project__salesperson__username"),
        }

    lines = []
    for (user, name, first, last, username), value in _grouped(period, fields).items():
        lines.append(Line(str(user), name or f"{first} {last}".strip() or username, *value))
    return Table(_largest_first(lines))


# --- receivables ageing -------------------------------------------------------------------------------


def _bucket(age_days: int) -> int:
    for index, limit in enumerate(AGEING_LIMITS):
        if age_days <= limit:
            return index
    return len(AGEING_LIMITS)


@dataclass(frozen=True)
class AgeingRow:
    """What a project (or, summed, a client) is owed on its invoices, by the age of the invoices."""

    key: str
    label: str
    client_label: str
    buckets: tuple[int, ...]
    oldest_on: dt.date | None = None

    @property
    def total_fen(self) -> int:
        return sum(self.buckets)

    @property
    def buckets_yuan(self) -> list[str]:
        return [yuan(fen) for fen in self.buckets]

    @property
    def total_yuan(self) -> str:
        return yuan(self.total_fen)


@dataclass(frozen=True)
class Ageing:
    as_of: dt.date
    projects: list[AgeingRow]
    clients: list[AgeingRow]

    @property
    def labels(self) -> list[str]:
        return ageing_labels()

    @property
    def totals(self) -> tuple[int, ...]:
        return tuple(sum(column) for column in zip(*(row.buckets for row in self.projects), strict=True)) or (0,) * BUCKETS

    @property
    def totals_yuan(self) -> list[str]:
        return [yuan(fen) for fen in self.totals]

    @property
    def total_fen(self) -> int:
        return sum(self.totals)

    @property
    def total_yuan(self) -> str:
        return yuan(self.total_fen)


def ageing(as_of: dt.date | None = None) -> Ageing:
    """Receivables on ``as_of`` (default: the local date), counting the invoices issued and the
    payments received by then. A project's payments cover its invoices oldest first, whichever
    invoice a payment names (as selectors.payment_status counts): the open balance of each invoice
    is aged by the days since it was issued."""
    as_of = as_of or timezone.localdate()

    def total(model, date_field):
        return Coalesce(
            Subquery(
                model.objects.filter(project=OuterRef("pk"), **{f"{date_field}__lte": as_of})
                .order_by()
                .values("project")
                .annotate(s=Sum("amount_fen"))
                .values("s")
            ),
            Value(0, output_field=BigIntegerField()),
        )

    owing = {
        p.pk: p
        for p in Project.objects.annotate(invoiced=total(Invoice, "issued_on"), received=total(Payment, "received_on"))
        .filter(invoiced__gt=F("received"))
        .select_related("client")
        .order_by()
    }
    invoices = defaultdict(list)
    for project_id, issued_on, amount in (
        Invoice.objects.filter(project_id__in=list(owing), issued_on__lte=as_of)
        .order_by("project_id", "issued_on", "id")
        .values_list("project_id", "issued_on", "amount_fen")
    ):
        invoices[project_id].append((issued_on, amount))

    rows = []
    for project_id, project in owing.items():
        buckets = [0] * BUCKETS
        balances = selectors.open_balances(invoices[project_id], project.received)
        for issued_on, open_fen in balances:
            buckets[_bucket((as_of - issued_on).days)] += open_fen
        oldest = balances[0][0] if balances else None
        rows.append(AgeingRow(str(project_id), project.title, project.client.name, tuple(buckets), oldest))
    rows.sort(key=lambda row: (row.client_label, row.oldest_on or as_of, row.label))

    per_client: dict[str, list[int]] = {}
    for row in rows:
        sums = per_client.setdefault(row.client_label, [0] * BUCKETS)
        for index, fen in enumerate(row.buckets):
            sums[index] += fen
    clients = sorted(
        (AgeingRow(name, name, name, tuple(sums)) for name, sums in per_client.items()), key=lambda row: (-row.total_fen, row.label)
    )
    return Ageing(as_of=as_of, projects=rows, clients=clients)


# --- the report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    period: Period
    by_month: Table
    by_client: Table
    by_kind: Table
    by_salesperson: Table
    ageing: Ageing
    generated_at: dt.datetime

    def tables(self) -> list[tuple[str, str, str, Table]]:
        """(id, title, first column's heading, table) in the order the page and the workbook show them."""
        return [
            ("month", _("By month"), _("Month"), self.by_month),
            ("client", _("By client"), _("Client"), self.by_client),
            ("kind", _("By kind of service"), _("Kind of service"), self.by_kind),
            ("salesperson", _("By salesperson"), _("Salesperson"), self.by_salesperson),
        ]


def report(*, actor, period: Period | None = None, as_of: dt.date | None = None) -> Report:
    """The revenue of ``period`` (default: this month) and the receivables ageing as of ``as_of``
    (default: the period's last day, or today while the period runs)."""
    permissions.require_reader(actor)
    period = period or Period.current()
    today = timezone.localdate()
    as_of = as_of or min(today, period.last_day)
    return Report(
        period=period,
        by_month=by_month(period),
        by_client=by_client(period),
        by_kind=by_kind(period),
        by_salesperson=by_salesperson(period),
        ageing=ageing(as_of),
        generated_at=timezone.localtime(),
    )


# --- the command screen -------------------------------------------------------------------------------


def month_revenue_fen(month_start: dt.date) -> int:
    """Payments received in the calendar month that starts on ``month_start`` (local dates: a
    payment's ``received_on`` is the day in the center's time zone). No permission check: one
    aggregate without names, for the command screen."""
    first = month_start.replace(day=1)
    received = Payment.objects.filter(received_on__gte=first, received_on__lt=add_months(first, 1)).aggregate(s=Sum("amount_fen"))
    return received["s"] or 0


# --- the workbook: the page's tables ------------------------------------------------------------------

MONEY_FORMAT = "#,##0.00"


def _yuan_cell(fen: int) -> Decimal:
    """A number of yuan for a spreadsheet cell: exact (Decimal), never a float."""
    return Decimal(fen) / 100


def to_xlsx(data: Report) -> bytes:
    """The page's tables, one sheet each, amounts in yuan as numbers (format #,##0.00)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)

    def sheet(title: str, heading: str, header: list[str], rows: list[list], money_from: int):
        ws = book.create_sheet(title[:31])
        ws.append([heading])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(header)
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([as_text(value) for value in row])
        for row in ws.iter_rows(min_row=3, min_col=money_from + 1):
            for cell in row:
                cell.number_format = MONEY_FORMAT
        for cell in ws[ws.max_row]:  # the totals
            cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 30
        for letter in "BCDEFG":
            ws.column_dimensions[letter].width = 16

    made = f"{data.generated_at:%Y-%m-%d %H:%M}"
    for _id, title, column, table in data.tables():
        rows = [[line.label, _yuan_cell(line.received_fen), _yuan_cell(line.invoiced_fen)] for line in table.lines]
        rows.append([_("Total"), _yuan_cell(table.received_fen), _yuan_cell(table.invoiced_fen)])
        sheet(
            title,
            _("Revenue of %(p)s, %(t)s (made %(d)s)") % {"p": data.period.label, "t": title, "d": made},
            [column, _("Received (yuan)"), _("Invoiced (yuan)")],
            rows,
            money_from=1,
        )

    owed = data.ageing
    heading = _("Receivables ageing as of %(d)s (yuan, days after the invoice date)") % {"d": owed.as_of.isoformat()}
    rows = [[row.client_label, row.label, *map(_yuan_cell, row.buckets), _yuan_cell(row.total_fen)] for row in owed.projects]
    rows.append([_("Total"), "", *map(_yuan_cell, owed.totals), _yuan_cell(owed.total_fen)])
    sheet(_("Receivables ageing"), heading, [_("Client"), _("Project"), *owed.labels, _("Total")], rows, money_from=2)
    rows = [[row.label, *map(_yuan_cell, row.buckets), _yuan_cell(row.total_fen)] for row in owed.clients]
    rows.append([_("Total"), *map(_yuan_cell, owed.totals), _yuan_cell(owed.total_fen)])
    sheet(_("Receivables per client"), heading, [_("Client"), *owed.labels, _("Total")], rows, money_from=1)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
