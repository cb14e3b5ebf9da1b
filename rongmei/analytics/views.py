"""The staff page of readership: /newsroom/readership/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from rongmei.analytics import selectors
from rongmei.analytics.forms import PeriodForm
from rongmei.newsroom.views._common import staff_view


@staff_view
def readership(request: HttpRequest) -> HttpResponse:
    """Daily PV/UV/DAU and the top articles, columns, places and authors of a period (the last 30
    days by default). Reporters and photographers see only their own articles."""
    start, end = PeriodForm.default_period()
    status = 200
    if request.GET:
        form = PeriodForm(request.GET)
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        else:
            status = 400
    else:
        form = PeriodForm(initial={"start": start, "end": end})
    key = selectors.report_key(request.user, start, end)
    context = {
        "form": form,
        "start": start,
        "end": end,
        # The tables are rendered from the cache under the same key (a year's tables are ~80 KB of
        # HTML); the report itself is fetched only when they are not.
        "report_key": key,
        "report_seconds": selectors.REPORT_CACHE_SECONDS,
        "report": SimpleLazyObject(lambda: selectors.readership_report(request.user, start, end, key=key)),
    }
    return render(request, "analytics/readership.html", context, status=status)
