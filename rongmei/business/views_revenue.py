"""/ops/revenue/: the revenue of a period of months (per month, client, kind of service and
salesperson) and the receivables ageing, as a page and as an Excel workbook of the same tables.
Money: operations staff, administrators and the chief editor; everybody else gets 403."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from rongmei.accounts.stepup import require_recent_second_factor
from rongmei.business import permissions, revenue
from rongmei.core import audit
from rongmei.newsroom.views._common import guarded

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MonthInput(forms.TextInput):
    input_type = "month"


class PeriodForm(forms.Form):
    """From–to months as <input type="month"> gives them (YYYY-MM); either may be left out: the
    current month, or a single month."""

    start = forms.CharField(label=gettext_lazy("From"), max_length=7, required=False, widget=MonthInput())
    end = forms.CharField(label=gettext_lazy("To"), max_length=7, required=False, widget=MonthInput())

    @staticmethod
    def _month(value: str) -> dt.date | None:
        value = (value or "").strip()
        if not value:
            return None
        try:
            year, month = (int(part) for part in value.split("-"))
            chosen = dt.date(year, month, 1)
        except (ValueError, TypeError):
            raise forms.ValidationError(_("Give the month as YYYY-MM, e.g. 2026-11.")) from None
        if not revenue.EARLIEST_YEAR <= chosen.year <= timezone.localdate().year + 1:
            raise forms.ValidationError(_("Choose months between %(y)s and next year.") % {"y": revenue.EARLIEST_YEAR})
        return chosen

    def clean_start(self):
        return self._month(self.cleaned_data.get("start"))

    def clean_end(self):
        return self._month(self.cleaned_data.get("end"))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("start"), data.get("end")
        if start is None and end is None:
            period = revenue.Period.current()
        else:
            period_start, period_end = start or end, end or start
            if period_start > period_end:
                raise forms.ValidationError(_("The start of the period must not be after its end."))
            period = revenue.Period.of(period_start, period_end)
            if len(period.months) > revenue.MAX_MONTHS:
                raise forms.ValidationError(_("Choose a period of at most %(n)s months.") % {"n": revenue.MAX_MONTHS})
        data["period"] = period
        return data


def _period(request) -> tuple[PeriodForm, revenue.Period, bool]:
    """The form to show, the period asked for (this month when none or a bad one was), and
    whether the input was refused."""
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["period"], False
    period = revenue.Period.current()
    if not form.is_bound:
        form = PeriodForm(initial={"start": f"{period.first:%Y-%m}", "end": f"{period.last:%Y-%m}"})
    return form, period, form.is_bound


money_readers = guarded(permissions.may_read, lambda: _("Only operations staff and the chief editor may see this."))


@require_safe
@money_readers
def revenue_page(request: HttpRequest) -> HttpResponse:
    form, period, bad = _period(request)
    data = revenue.report(actor=request.user, period=period)
    query = urlencode({"start": f"{period.first:%Y-%m}", "end": f"{period.last:%Y-%m}"})
    return render(
        request,
        "business/revenue.html",
        {"form": form, "report": data, "xlsx_url": f"{reverse('ops:revenue_xlsx')}?{query}"},
        status=400 if bad else 200,
    )


@require_safe
@money_readers
@require_recent_second_factor  # clients' money and each salesperson's figures leave the building
def revenue_xlsx(request: HttpRequest) -> HttpResponse:
    form, period, bad = _period(request)
    if bad:
        # The page says what is wrong with the months.
        return redirect(f"{reverse('ops:revenue')}?{request.GET.urlencode()}")
    data = revenue.report(actor=request.user, period=period)
    audit.record(
        "export.revenue",
        actor=request.user,
        subject=request.user,
        summary=_("Downloaded the revenue of %(p)s (Excel)") % {"p": period.label},
        data={"first": f"{period.first:%Y-%m}", "last": f"{period.last:%Y-%m}", "as_of": data.ageing.as_of.isoformat()},
    )
    response = HttpResponse(revenue.to_xlsx(data), content_type=XLSX)
    name = f"revenue-{period.first:%Y-%m}" + (f"-{period.last:%Y-%m}" if period.last != period.first else "")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
