"""The public search page: /search/?q=…&team=&since=&until=&page=."""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from rongmei.search import backends
from rongmei.search.forms import SearchForm

PAGE_SIZE = 10
MAX_PAGE = 50


def _page_number(raw: str | None) -> int:
    try:
        return min(max(1, int(raw or 1)), MAX_PAGE)
    except ValueError:
        return 1


@require_safe
def results(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    q, total, hits, page, num_pages = "", 0, [], _page_number(request.GET.get("page")), 1
    if form.is_bound:
        form.is_valid()
        q = backends.clean_query(form.value("q"))
        filters = {"team": form.value("team"), "since": form.value("since"), "until": form.value("until")}
        if q:
            total, hits = backends.search(q, **filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
            num_pages = min(MAX_PAGE, max(1, math.ceil(total / PAGE_SIZE)))
            if page > num_pages:  # past the end (an old link): show the last page
                page = num_pages
                total, hits = backends.search(q, **filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "q": q,
        "total": total,
        "hits": hits,
        "page": page,
        "num_pages": num_pages,
        "query_string": params.urlencode(),
    }
    return render(request, "search/results.html", context)
