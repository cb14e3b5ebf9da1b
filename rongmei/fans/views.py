"""The app user's pages on the public site, plain forms that need no JavaScript: /me/login/ (number
→ code → logged in), /me/ (nickname, favorites, followed columns, counts, logout), /me/favorites/<id>/
and /me/follows/<slug>/ (confirm, then keep or follow), /me/notifications/ (the notification
center), POST /me/logout/, /me/data/ (download my data) and /me/delete/ (delete my account).

The public article and column pages are static files, the same for every reader: their links lead
here, and fan-actions.js does the same through the API without leaving the page."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from rongmei.core.exceptions import DomainError
from rongmei.core.middleware import request_ip
from rongmei.distribution import selectors as distribution_selectors
from rongmei.fans import privacy, services, sms
from rongmei.fans import selectors as fan_selectors
from rongmei.fans.auth import current_fan, log_in, log_out
from rongmei.fans.models import ColumnFollow, Favorite
from rongmei.portal.models import Column

NOTIFICATIONS_PAGE = 30


def _columns() -> list[Column]:
    return list(Column.objects.filter(active=True))


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("fans:profile")


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if current_fan(request) is not None and request.method == "GET":
        return redirect(_next_url(request))
    context = {
        "phone": request.POST.get("phone", "").strip()[:32],
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "step": "phone",
        "error": None,
        "field": None,
        "sent_to": "",
        "console_hint": settings.DEBUG and sms.is_console(),
    }
    status = 200
    action = request.POST.get("action")
    if request.method == "POST" and action == "send":
        try:
            sent = services.request_code(phone=context["phone"], ip=request_ip(request))
        except DomainError as exc:
            # Throttled: a code was sent a moment ago, so the code form is what the person needs.
            context.update(error=exc.message, field=exc.field, step="code" if exc.code == "throttled" else "phone")
            status = exc.status
        else:
            context.update(step="code", sent_to=sent.phone.removeprefix("+86"))
    elif request.method == "POST" and action == "verify":
        context["step"] = "code"
        try:
            fan, registered = services.verify_code(phone=context["phone"], code=request.POST.get("code", ""), ip=request_ip(request))
        except DomainError as exc:
            context.update(error=exc.message, field=exc.field, step="phone" if exc.field == "phone" else "code")
            status = exc.status
        else:
            log_in(request, fan)
            messages.success(request, _("Welcome, you are registered.") if registered else _("You are logged in."))
            return redirect(_next_url(request))
    context["columns"] = _columns()
    return render(request, "fans/login.html", context, status=status)


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    fan = current_fan(request)
    if fan is None:
        return redirect(f"{reverse('fans:login')}?next={reverse('fans:profile')}")
    nickname, error, status = fan.nickname, None, 200
    if request.method == "POST":
        nickname = request.POST.get("nickname", "")[:100]
        try:
            services.set_nickname(fan=fan, nickname=nickname)
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("Your nickname was saved."))
            return redirect("fans:profile")
    context = {
        "fan": fan,
        "nickname": nickname,
        "error": error,
        "columns": _columns(),
        "favorites": services.favorites(fan),
        "follows": list(fan_selectors.followed_columns(fan)),
        "liked": fan_selectors.liked_count(fan),
        "unread": fan_selectors.unread_count(fan),
    }
    return render(request, "fans/profile.html", context, status=status)


def _to_login(path: str) -> HttpResponse:
    return redirect(f"{reverse('fans:login')}?{urlencode({'next': path}, safe='/')}")


@require_http_methods(["GET", "POST"])
def favorite(request: HttpRequest, story_id: int) -> HttpResponse:
    """GET: a small page to keep the article or let it go (the article page's "Keep" link without
    JavaScript). POST keep=1 / keep=0: do it, then back to the article."""
    back = reverse("portal:story", args=[story_id])
    fan = current_fan(request)
    if fan is None:
        return _to_login(back if request.method == "POST" else request.path)
    if request.method == "GET":
        story = get_object_or_404(distribution_selectors.published_stories(), pk=story_id)
        context = {
            "story": story,
            "headline": distribution_selectors.live_content(story)["headline"],
            "kept": Favorite.objects.filter(fan=fan, story=story).exists(),
            "columns": _columns(),
        }
        return render(request, "fans/favorite_confirm.html", context)
    keep = request.POST.get("keep") == "1"
    try:
        services.set_favorite(fan=fan, story_id=story_id, keep=keep)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("fans:profile")
    messages.success(request, _("Kept in your favorites.") if keep else _("Removed from your favorites."))
    return redirect(back)


@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: a small page to follow the column or stop (the column page's link without JavaScript).
    POST follow=1 / follow=0: do it, then back to ``next`` (the column page by default)."""
    fan = current_fan(request)
    if fan is None:
        return _to_login(request.path)
    try:
        column = services.followable_column(slug)
    except DomainError as exc:
        raise Http404(exc.message) from None
    back = reverse("portal:column", args=[column.slug])
    if request.method == "GET":
        context = {
            "column": column,
            "following": ColumnFollow.objects.filter(fan=fan, column=column).exists(),
            "next": _safe_next(request, back),
            "columns": _columns(),
        }
        return render(request, "fans/follow_confirm.html", context)
    if request.POST.get("follow") == "1":
        services.follow(fan=fan, column_slug=column.slug)
        messages.success(request, _("You follow %(column)s: its new articles will appear in your messages.") % {"column": column.name})
    else:
        services.unfollow(fan=fan, column_slug=column.slug)
        messages.success(request, _("You no longer follow %(column)s.") % {"column": column.name})
    return redirect(_safe_next(request, back))


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@require_safe
def notifications(request: HttpRequest) -> HttpResponse:
    """The notification center: newest first, unread ones marked, a page at a time."""
    fan = current_fan(request)
    if fan is None:
        return _to_login(request.path)
    page = Paginator(fan.notifications.order_by("-created_at", "-id"), NOTIFICATIONS_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "unread": fan_selectors.unread_count(fan), "columns": _columns()}
    return render(request, "fans/notifications.html", context)


@require_POST
def read_notifications(request: HttpRequest) -> HttpResponse:
    fan = current_fan(request)
    if fan is None:
        return _to_login(reverse("fans:notifications"))
    services.mark_read(fan=fan)
    messages.success(request, _("All messages are marked read."))
    return redirect("fans:notifications")


@require_safe
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a message's link, marking it read on the way (only the fan's own messages; a link
    off this site is not followed)."""
    fan = current_fan(request)
    if fan is None:
        return _to_login(reverse("fans:notifications"))
    note = services.open_notification(fan=fan, notification_id=pk)
    if note is None:
        raise Http404
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(note.url)
    return redirect("fans:notifications")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    log_out(request)
    messages.info(request, _("You are logged out."))
    return redirect("portal:index")


# --- my data: download and account deletion (rongmei.fans.privacy) ------------------------------


def _export_filename(fan) -> str:
    return f"rongmei-my-data-{fan.pk}-{timezone.localdate():%Y%m%d}.json"


@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    """GET: what the download holds; POST: the JSON file (a POST, so that no prefetch or crawler
    makes one, and the CSRF token proves it is this page's button)."""
    fan = current_fan(request)
    if fan is None:
        return _to_login(request.path)
    if request.method == "POST":
        data = privacy.export_own_data(fan=fan)
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{_export_filename(fan)}"'
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "fans/my_data.html", {"fan": fan, "columns": _columns()})


@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    """Deleting the account: a code sent to the account's own number (action=send), then the code
    and the ticked confirmation (action=delete). Then logged out, on the home page."""
    fan = current_fan(request)
    if fan is None:
        return _to_login(request.path)
    context = {
        "fan": fan,
        "step": "start",
        "error": None,
        "field": None,
        "columns": _columns(),
        "console_hint": settings.DEBUG and sms.is_console(),
    }
    status = 200
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "send":
        try:
            privacy.request_deletion_code(fan=fan, ip=request_ip(request))
        except DomainError as exc:
            context.update(error=exc.message, field=exc.field, step="code" if exc.code == "throttled" else "start")
            status = exc.status
        else:
            context["step"] = "code"
    elif action == "delete":
        context["step"] = "code"
        try:
            privacy.delete_account(
                fan=fan, code=request.POST.get("code", ""), confirmed=request.POST.get("confirm") == "1", ip=request_ip(request)
            )
        except DomainError as exc:
            context.update(error=exc.message, field=exc.field)
            status = exc.status
        else:
            log_out(request)
            messages.success(request, _("Your account was deleted. Thank you for having been with us."))
            return redirect("/")
    return render(request, "fans/delete_account.html", context, status=status)
