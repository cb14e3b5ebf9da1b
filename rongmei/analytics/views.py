"""The staff page of readership: /newsroom/readership/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
    context = {"form": form, "start": start, "end": end, **selectors.readership_report(request.user, start, end)}
    return render(request, "analytics/readership.html", context, status=status)
