"""Step-up (再次验证): privileged actions need a second factor verified within the last few minutes.

A session remembers when its second factor (TOTP) was last verified: at login on the two-factor
page and at each step-up. A password login alone never counts. Privileged actions — publishing,
retracting, changing people's roles and permissions, exporting personal data — ask for that time
to be within ``settings.RONGMEI_STEP_UP_SECONDS`` (15 minutes by default):

- screens: ``require_recent_second_factor`` on the view. A GET goes to the step-up page and comes
  back after the code. A POST is answered with the step-up form itself, carrying what the person
  submitted (except passwords) as hidden fields and posting back to the same address: the code and
  the original submission arrive together and the action goes through in that one request, so
  nothing typed is lost.
- the Django admin: ``StepUpAdminMixin`` on the ModelAdmins that change roles and permissions
  (the same check on every POST of their add, change, delete and list pages).
- the API: ``check_api(request)`` at the top of a privileged operation. A browser session needs a
  recent step-up like a screen; a personal access token is refused with 403 ``step_up_required``
  unless it was issued for automation (``manage.py issue_token --automation``), because a token
  carries no second factor at all.

People with no confirmed authenticator are told to set one up first (the two-factor page).
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login

from rongmei.core import audit
from rongmei.core.exceptions import NotAllowed

VERIFIED_AT_SESSION_KEY = "rongmei_second_factor_at"
# When this session's password was last checked (the login): enrolling a first authenticator in
# a session older than the step-up window asks for the password again, so a stolen session cookie
# cannot enrol the thief's phone and then pass every step-up with it.
PASSWORD_AT_SESSION_KEY = "rongmei_password_at"  # noqa: S105 (a session key name, not a secret)
# The field of the step-up form that carries the code when it posts back to the privileged view.
CODE_FIELD = "step_up_code"
STEP_UP_CODE = "step_up_required"
# Never echoed into the page: the person types a password again rather than have it in the HTML.
_NOT_ECHOED = ("csrfmiddlewaretoken", CODE_FIELD)


class StepUpRequired(NotAllowed):
    """A privileged action without a recent second factor (HTTP 403, code ``step_up_required``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=STEP_UP_CODE)


def window_seconds() -> int:
    return int(getattr(settings, "RONGMEI_STEP_UP_SECONDS", 15 * 60))


# --- the session's stamp ------------------------------------------------------------------------


def mark_verified(request: HttpRequest, *, at=None) -> None:
    """Remember that this session's second factor was verified now (or at ``at``)."""
    request.session[VERIFIED_AT_SESSION_KEY] = (at or timezone.now()).timestamp()


def verified_at(request: HttpRequest):
    raw = request.session.get(VERIFIED_AT_SESSION_KEY) if hasattr(request, "session") else None
    if raw is None:
        return None
    try:
        return dt.datetime.fromtimestamp(float(raw), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def is_recent(request: HttpRequest) -> bool:
    when = verified_at(request)
    if when is None:
        return False
    age = (timezone.now() - when).total_seconds()
    # A stamp from the future (a clock set back) does not count either.
    return 0 <= age <= window_seconds()


@receiver(user_logged_in, dispatch_uid="stepup_forget_on_login")
def _forget_on_login(sender, request, user, **kwargs):
    # auth.login keeps the session's data when the same person logs in again: a password alone
    # must never inherit an earlier second factor.
    if request is not None and hasattr(request, "session"):
        request.session.pop(VERIFIED_AT_SESSION_KEY, None)
        request.session[PASSWORD_AT_SESSION_KEY] = timezone.now().timestamp()


def password_recent(request: HttpRequest) -> bool:
    """Was the password entered within the step-up window (at login, or again on the setup page)?"""
    raw = request.session.get(PASSWORD_AT_SESSION_KEY) if hasattr(request, "session") else None
    try:
        age = timezone.now().timestamp() - float(raw)
    except (TypeError, ValueError):
        return False
    return 0 <= age <= window_seconds()


# --- verifying a code ---------------------------------------------------------------------------


def confirmed_devices(user) -> list:
    return list(devices_for_user(user, confirmed=True))


def match_code(devices: list, code: str):
    """The device that accepts the code, and whether any device refused to check because of throttling."""
    throttled = False
    for device in devices:
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            throttled = True
            continue
        if device.verify_token(code):
            return device, False
    return None, throttled


def verify(request: HttpRequest, code: str, *, purpose: str) -> tuple[bool, str]:
    """Check ``code`` against the person's authenticators; on success stamp the session. Both
    outcomes are audited. Returns (ok, error message for the person)."""
    from rongmei.accounts.forms import TokenCodeForm

    user = request.user
    form = TokenCodeForm({"code": code})
    device, throttled = (None, False)
    if form.is_valid():
        device, throttled = match_code(confirmed_devices(user), form.cleaned_data["code"])
    data = {"path": purpose[:300], "method": request.method}
    if device is not None:
        otp_login(request, device)
        mark_verified(request)
        audit.record("accounts.step_up", actor=user, subject=user, summary=_("Verified the second factor again (step-up)"), data=data)
        return True, ""
    audit.record(
        "accounts.step_up_failed",
        actor=user,
        subject=user,
        summary=_("Entered a wrong code for the second factor (step-up)"),
        data={**data, "throttled": throttled},
    )
    if not form.is_valid():
        return False, form.errors["code"][0]
    if throttled:
        return False, _("Too many wrong codes in a row. Wait a few seconds, then enter the newest code.")
    return False, _(
        "That code is not right. Enter the 6-digit code your authenticator app shows now, and check that the phone's clock is correct."
    )


# --- screens ------------------------------------------------------------------------------------


def step_up_url(next_url: str) -> str:
    return f"{reverse('accounts:step_up')}?{urlencode({'next': next_url})}"


def setup_url(next_url: str) -> str:
    return f"{reverse('accounts:two_factor')}?{urlencode({'next': next_url})}"


def _echoed_fields(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_ECHOED and "password" not in name.lower()
        for value in values
    ]


def render_step_up(
    request: HttpRequest, *, action: str, next_url: str, fields=(), error: str = "", status: int = 200, resubmit: bool = False
) -> HttpResponse:
    """The step-up page: a code form posting to ``action`` (with ``fields`` as hidden inputs), or,
    for someone without an authenticator, the way to set one up."""
    has_device = bool(confirmed_devices(request.user))
    context = {
        "action": action,
        "next": next_url,
        "fields": list(fields),
        "error": error,
        "has_device": has_device,
        "setup_url": setup_url(next_url),
        "resubmit": resubmit,
        "code_field": CODE_FIELD,
        "minutes": max(1, window_seconds() // 60),
    }
    response = render(request, "accounts/step_up.html", context, status=status)
    # The page can carry what the person submitted: keep it out of every cache.
    response["Cache-Control"] = "no-store"
    return response


def require_recent_second_factor(view=None, *, methods: tuple[str, ...] | None = None):
    """Decorate a privileged view: it runs only if the session's second factor is recent.

    ``methods``: the HTTP methods that are privileged (default: every method), e.g. ``("POST",)``
    for a page whose GET only shows the form. Put it below the view's login/role guards, so
    strangers get those guards' answer, not a step-up page."""

    def decorator(func):
        @wraps(func)
        def wrapper(request: HttpRequest, *args, **kwargs):
            user = getattr(request, "user", None)
            privileged = methods is None or request.method in methods
            if not privileged or user is None or not user.is_authenticated or is_recent(request):
                return func(request, *args, **kwargs)
            if request.method in ("GET", "HEAD"):
                return redirect(step_up_url(request.get_full_path()))
            # A POST: answer with the step-up form posting back here with what was submitted.
            here = request.get_full_path()
            fields = _echoed_fields(request)
            code = request.POST.get(CODE_FIELD)
            if request.FILES:
                # Files cannot travel in hidden fields: to the step-up page, then back to the form.
                messages.warning(request, _("Verify your second factor again before submitting."))
                return redirect(step_up_url(request.headers.get("Referer") or here))
            if code is None or not confirmed_devices(user):
                # (Without an authenticator the page says to set one up; no code is checked.)
                return render_step_up(request, action=here, next_url=here, fields=fields, status=403, resubmit=True)
            ok, error = verify(request, code, purpose=here)
            if not ok:
                return render_step_up(request, action=here, next_url=here, fields=fields, error=error, status=403, resubmit=True)
            return func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


# --- the Django admin -----------------------------------------------------------------------------


class StepUpAdminMixin:
    """For ModelAdmins that change who may do what (users, groups, teams, policies): every POST of
    their add, change, delete and list pages needs a recent second factor, and every change they
    save is written to the audit log (besides the admin's own history)."""

    def _step_up(self, request, view, *args, **kwargs):
        guarded = require_recent_second_factor(view, methods=("POST",))
        return guarded(request, *args, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._step_up(request, super().changeform_view, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        return self._step_up(request, super().changelist_view, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._step_up(request, super().delete_view, object_id, extra_context)

    def _audit(self, request, obj, action: str, message) -> None:
        label = obj._meta.verbose_name
        summaries = {
            "add": _("Added %(what)s “%(obj)s” in the admin"),
            "change": _("Changed %(what)s “%(obj)s” in the admin"),
            "delete": _("Deleted %(what)s “%(obj)s” in the admin"),
        }
        audit.record(
            f"admin.{obj._meta.label_lower}.{action}",
            actor=request.user,
            subject=obj,
            summary=summaries[action] % {"what": label, "obj": obj},
            data={"changes": message if isinstance(message, list) else str(message or "")},
        )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "add", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "change", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "delete", "")
        return super().log_deletions(request, queryset)


# --- the API --------------------------------------------------------------------------------------


def check_api(request: HttpRequest) -> None:
    """Call first in a privileged API operation. Raises StepUpRequired (403 ``step_up_required``)
    unless the caller is a browser session with a recent second factor, or a token issued for
    automation."""
    if getattr(request, "auth_method", None) == "token":
        token = getattr(request, "api_token", None)
        if token is not None and token.automation:
            return
        raise StepUpRequired(
            _(
                "This action needs a recent second factor, which an API token cannot give. "
                "Do it on the website, or use a token issued for automation."
            )
        )
    if not is_recent(request):
        raise StepUpRequired(
            _("This action needs your second factor again. Verify it at %(url)s, then try again.") % {"url": reverse("accounts:step_up")}
        )
