"""Login security screens (login, two-factor, logout) and the person's own profile page."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from rongmei.accounts import services, stepup
from rongmei.accounts.forms import LoginForm, TokenCodeForm, TokenCreateForm
from rongmei.accounts.middleware import roles_requiring_two_factor
from rongmei.accounts.models import ApiToken, Role
from rongmei.core import audit
from rongmei.core.exceptions import DomainError
from rongmei.core.forms import add_domain_error


def _safe_next(request: HttpRequest) -> str:
    """The `next` the person came for, if it points at this site; else the newsroom home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(failure_limit=settings.AXES_FAILURE_LIMIT, **kwargs)

    def get_default_redirect_url(self) -> str:
        # Unit staff work in the units portal, not the newsroom.
        if self.request.user.role == Role.UNIT_STAFF:
            return reverse("units:inbox")
        # Self-media partners work in their portal.
        if self.request.user.role == Role.PARTNER:
            return reverse("partners:home")
        # Operations staff work on clients and projects (/ops/).
        if self.request.user.role == Role.OPERATIONS:
            return reverse("ops:home")
        return super().get_default_redirect_url()

    def get_success_url(self) -> str:
        url = super().get_success_url()
        # A role that needs two-factor login goes straight to the code page, keeping where it was going.
        # (A password login is never verified yet; auth.login replaced request.user, so the
        # OTP middleware's is_verified() is not on it.)
        if self.request.user.role in roles_requiring_two_factor():
            return f"{reverse('accounts:two_factor')}?{urlencode({'next': url})}"
        return url


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET): a link cannot log anyone out."""


# --- two-factor -----------------------------------------------------------------------


def _confirmed_devices(user) -> list:
    return list(devices_for_user(user, confirmed=True))


def _pending_totp(user) -> TOTPDevice:
    """The person's unconfirmed authenticator, created on first visit (reused so the QR code stays the same)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def _setup_context(device: TOTPDevice) -> dict:
    secret = base64.b32encode(device.bin_key).decode()
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#111", svgclass="qr", omitsize=True)
    return {
        "setup": True,
        "device": device,
        "qr_svg": qr_svg,
        # Grouped in fours: easier to type into a phone by hand.
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (first time), or enter its current code to verify this login."""
    user = request.user
    next_url = _safe_next(request)
    devices = _confirmed_devices(user)
    if request.method == "GET" and devices and user.is_verified():
        return redirect(next_url)

    context: dict = {"next": next_url, "required": user.role in roles_requiring_two_factor()}
    form = TokenCodeForm(request.POST if request.method == "POST" else None)
    if devices:
        context["setup"] = False
    else:
        context.update(_setup_context(_pending_totp(user)))
        # Enrolling a first authenticator long after the login asks for the password again.
        context["ask_password"] = not stepup.password_recent(request)

    password_ok = True
    if request.method == "POST" and context.get("ask_password"):
        password_ok = user.check_password(request.POST.get("password", ""))
        if password_ok:
            request.session[stepup.PASSWORD_AT_SESSION_KEY] = timezone.now().timestamp()
        else:
            audit.record("accounts.2fa_setup_refused", actor=user, subject=user, summary=_("Authenticator setup refused: wrong password"))
    if request.method == "POST" and form.is_valid() and not password_ok:
        form.add_error(None, _("Enter your password again to set up the authenticator app."))
    elif request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if devices:
            device, throttled = _match(devices, code)
        else:
            pending = context["device"]
            allowed, _info = pending.verify_is_allowed()
            throttled = not allowed
            device = pending if allowed and pending.verify_token(code) else None
        if device is not None:
            with transaction.atomic():
                if not device.confirmed:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    audit.record("accounts.2fa_setup", actor=user, subject=user, summary=_("Set up two-factor login"))
                otp_login(request, device)
                # The login's second factor counts as recent for privileged actions (stepup.py).
                stepup.mark_verified(request)
            messages.success(request, _("Two-factor verification succeeded."))
            return redirect(next_url)
        if throttled:
            form.add_error("code", _("Too many wrong codes in a row. Wait a few seconds, then enter the newest code."))
        else:
            form.add_error(
                "code",
                _(
                    "That code is not right. Enter the 6-digit code your authenticator app shows now, and check that the phone's clock is correct."
                ),
            )
    context["form"] = form
    return render(request, "accounts/two_factor.html", context, status=200 if not form.errors else 400)


_match = stepup.match_code


@login_required
@require_http_methods(["GET", "POST"])
def step_up(request: HttpRequest) -> HttpResponse:
    """再次验证: enter the authenticator's code again before a privileged action, then go back to it."""
    next_url = _safe_next(request)
    if request.method == "POST" and stepup.confirmed_devices(request.user):
        ok, error = stepup.verify(request, request.POST.get(stepup.CODE_FIELD, ""), purpose=next_url)
        if ok:
            messages.success(request, _("Verified. You can go on."))
            return redirect(next_url)
        return stepup.render_step_up(request, action=request.path, next_url=next_url, error=error, status=400)
    return stepup.render_step_up(request, action=request.path, next_url=next_url)


# --- profile ----------------------------------------------------------------------------


def _profile(request: HttpRequest, *, password_form=None, token_form=None, new_token: str = "", status: int = 200) -> HttpResponse:
    user = request.user
    now = timezone.now()
    tokens = list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))
    for token in tokens:
        token.is_expired = token.expires_at is not None and token.expires_at <= now
    context = {
        "profile_user": user,
        "teams": user.teams.all(),
        "led_teams": user.led_teams.all(),
        "password_form": password_form or PasswordChangeForm(user),
        "token_form": token_form or TokenCreateForm(),
        "tokens": tokens,
        "new_token": new_token,
        "devices": list(TOTPDevice.objects.filter(user=user).order_by("id")),
        "two_factor_required": user.role in roles_requiring_two_factor(),
        "two_factor_verified": user.is_verified(),
    }
    return render(request, "accounts/profile.html", context, status=status)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return _profile(request)


@login_required
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST)
    if not form.is_valid():
        return _profile(request, password_form=form, status=400)
    with transaction.atomic():
        user = form.save()
        audit.record("accounts.password_change", actor=user, subject=user, summary=_("Changed own password"))
    update_session_auth_hash(request, user)  # stay logged in on this device
    messages.success(request, _("Your password was changed."))
    return redirect("accounts:profile")


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, raw_key = services.create_token(
                actor=request.user, name=form.cleaned_data["name"], expires_in_days=form.cleaned_data["expires_in_days"]
            )
        except DomainError as exc:
            # Not core.forms.call_service: that lets NotAllowed through to newsroom's 403 page,
            # and these screens have none, so a refusal is shown on the form like any other error.
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
            # Rendered, not redirected: the raw key is shown on this one response and stored nowhere.
            response = _profile(request, new_token=raw_key)
            response["Cache-Control"] = "no-store"
            return response
    return _profile(request, token_form=form, status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    try:
        services.revoke_token(actor=request.user, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("accounts:profile")
