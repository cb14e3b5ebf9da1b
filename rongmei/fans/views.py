"""The app user's pages on the public site: /me/login/ (number → code → logged in, plain forms, no
JavaScript needed), /me/ (nickname, logout), POST /me/logout/."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rongmei.core.exceptions import DomainError
from rongmei.core.middleware import request_ip
from rongmei.fans import services, sms
from rongmei.fans.auth import current_fan, log_in, log_out
from rongmei.portal.models import Column


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
    context = {"fan": fan, "nickname": nickname, "error": error, "columns": _columns(), "favorites": services.favorites(fan)}
    return render(request, "fans/profile.html", context, status=status)


@require_POST
def favorite(request: HttpRequest, story_id: int) -> HttpResponse:
    """Keep an article (keep=1) or let it go (keep=0), then back to the article."""
    back = reverse("portal:story", args=[story_id])
    fan = current_fan(request)
    if fan is None:
        return redirect(f"{reverse('fans:login')}?next={back}")
    keep = request.POST.get("keep") == "1"
    try:
        services.set_favorite(fan=fan, story_id=story_id, keep=keep)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("fans:profile")
    messages.success(request, _("Kept in your favorites.") if keep else _("Removed from your favorites."))
    return redirect(back)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    log_out(request)
    messages.info(request, _("You are logged out."))
    return redirect("portal:index")
