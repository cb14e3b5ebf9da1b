"""The points store's staff pages under /practice/manage/store/: the items (add, edit) and the
exchanges waiting at the practice center (collect, or cancel with a reason, which returns the
points). Thin views over store.py."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rongmei.core.forms import call_service, call_service_or_message
from rongmei.practice import store as store_services
from rongmei.practice.forms_store import StoreItemForm
from rongmei.practice.models import Exchange, StoreItem
from rongmei.practice.views_manage import coordinator_view

WAITING_MAX = 500
HANDLED_MAX = 50


@coordinator_view
def store(request):
    exchanges = Exchange.objects.select_related("item", "volunteer__fan", "handled_by")
    waiting = exchanges.filter(state=Exchange.State.ORDERED).order_by("created_at", "id")[:WAITING_MAX]
    # The latest exchanges handled (collected or cancelled), by when they were handled.
    handled = exchanges.exclude(state=Exchange.State.ORDERED).order_by(F("handled_at").desc(nulls_last=True), "-id")[:HANDLED_MAX]
    return render(
        request,
        "practice/manage/store.html",
        {"items": StoreItem.objects.order_by("-active", "points", "name"), "waiting": waiting, "handled": handled},
    )


def _item_page(request, pk: int | None):
    item = get_object_or_404(StoreItem, pk=pk) if pk is not None else None
    form = StoreItemForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        ok, saved = call_service(form, store_services.save_item, actor=request.user, item=item, **form.cleaned_data)
        if ok:
            messages.success(request, _("%(n)s is saved.") % {"n": saved.name})
            return redirect("practice:manage_store")
        if item is not None and "stock" in form.errors:
            # Show the stock as it is now, so that saving again means "I have seen it".
            item.refresh_from_db(fields=["stock"])
            form.data = form.data.copy()
            form.data["stock_was"] = str(item.stock)
    status = 400 if request.method == "POST" else 200
    return render(request, "practice/manage/store_item_form.html", {"form": form, "item": item}, status=status)


@coordinator_view
def item_new(request):
    return _item_page(request, None)


@coordinator_view
def item_edit(request, pk: int):
    return _item_page(request, pk)


@coordinator_view
@require_POST
def exchange_collect(request, pk: int):
    exchange = get_object_or_404(Exchange.objects.select_related("item", "volunteer"), pk=pk)
    ok, _e = call_service_or_message(request, store_services.collect_exchange, actor=request.user, exchange=exchange)
    if ok:
        messages.success(request, _("%(v)s collected %(i)s.") % {"v": exchange.volunteer.real_name, "i": exchange.item.name})
    return redirect("practice:manage_store")


@coordinator_view
@require_POST
def exchange_cancel(request, pk: int):
    exchange = get_object_or_404(Exchange.objects.select_related("item", "volunteer"), pk=pk)
    reason = request.POST.get("reason", "")
    ok, _e = call_service_or_message(request, store_services.cancel_exchange, actor=request.user, exchange=exchange, reason=reason)
    if ok:
        messages.success(
            request,
            _("The exchange of %(i)s was cancelled; %(n)s points went back to %(v)s.")
            % {"i": exchange.item.name, "n": exchange.points, "v": exchange.volunteer.real_name},
        )
    return redirect("practice:manage_store")
