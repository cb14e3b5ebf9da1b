"""The phone pages of 新时代文明实践 at /practice/, for residents and volunteers: the practice
center's page, an activity (sign up, withdraw), 点单 (request a service), one request (its steps;
the resident's QR code and rating; the team's 接单; the taker's scans), the volunteer's own page
(registration, hours, points, the store) and the activity check-in opened by its QR code.

App users log in by SMS code (rongmei.fans); every change goes through rongmei.practice.services,
whose DomainError messages are shown on the page with what was typed."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from rongmei.core.exceptions import DomainError
from rongmei.fans.auth import current_fan
from rongmei.portal import pages
from rongmei.practice import cases, photos, selectors, services
from rongmei.practice.forms_public import CONSENT_TEXT, RateForm, RequestForm, VolunteerForm
from rongmei.practice.models import Activity, ServiceRequest, SignUp, StoreItem, Volunteer

State = ServiceRequest.State


def _context(**extra) -> dict:
    return {"columns": pages.columns(), **extra}


def _login_redirect(request: HttpRequest, path: str | None = None) -> HttpResponse:
    return redirect(f"{reverse('fans:login')}?{urlencode({'next': path or request.get_full_path()})}")


def _put_error(form, exc: DomainError, fields: dict[str, str]) -> str | None:
    """Put the service's message at its field; returns it when it belongs to no field (shown on top)."""
    field = fields.get(exc.field or "")
    if field and form is not None:
        form.add_error(field, exc.message)
        return None
    return exc.message


# --- the practice center's page ----------------------------------------------------------------------


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = _context(
        activities=selectors.open_activities(),
        teams=selectors.teams(),
        volunteer_ranking=selectors.volunteer_ranking(),
        team_ranking=selectors.team_ranking(),
        cases=cases.published_cases(limit=selectors.HOME_CASES_MAX),
    )
    context["column"], context["stories"] = selectors.column_stories()
    return render(request, "practice/public/home.html", context)


# --- an activity -----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.public_activity(pk)
    if found is None:
        raise Http404
    fan = current_fan(request)
    error, status = None, 200
    if request.method == "POST":
        if fan is None:
            return _login_redirect(request)
        action = request.POST.get("action")
        try:
            if action == "sign_up":
                signup = services.sign_up(fan=fan, activity=found)
                if signup.state == SignUp.State.WAITING:
                    messages.info(request, _("The places are taken: you are on the waiting list and will be told when one comes free."))
                else:
                    messages.success(request, _("You are signed up."))
            elif action == "withdraw":
                services.cancel_sign_up(fan=fan, activity=found)
                messages.success(request, _("You withdrew from the activity."))
            else:
                raise DomainError(_("Unknown action."))
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("practice:activity", pk=found.pk)
        found = selectors.public_activity(pk)
    volunteer = services.volunteer_of(fan)
    context = _context(
        activity=found,
        fan=fan,
        volunteer=volunteer,
        signup=selectors.signup_of(found, volunteer),
        places_left=max(found.capacity - found.registered, 0),
        open=found.state == Activity.State.PUBLISHED and timezone.now() < found.ends_at,
        error=error,
        photos=photos.activity_photos(found),
    )
    return render(request, "practice/public/activity.html", context, status=status)


# --- 点单 ------------------------------------------------------------------------------------------


REQUEST_FIELDS = {"category": "other", "description": "description", "address": "address", "wanted_on": "wanted_on"}


@never_cache
@require_http_methods(["GET", "POST"])
def request_service(request: HttpRequest) -> HttpResponse:
    fan = current_fan(request)
    if fan is None:
        return _login_redirect(request)
    form = RequestForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                service = services.request_service(
                    fan=fan,
                    category=form.category_value(),
                    description=data["description"],
                    address=data["address"],
                    place=data["place"],
                    wanted_on=data["wanted_on"],
                )
            except DomainError as exc:
                error, status = _put_error(form, exc, REQUEST_FIELDS), exc.status
            else:
                messages.success(request, _("Your request is sent. The practice center will give it to a volunteer team."))
                return redirect("practice:request_detail", pk=service.pk)
        else:
            status = 400
    context = _context(form=form, error=error, mine=selectors.requests_of_resident(fan))
    return render(request, "practice/public/request.html", context, status=status)


# --- one request -----------------------------------------------------------------------------------


def _qr_svg(request: HttpRequest, service: ServiceRequest) -> str:
    """The QR code the volunteer scans: this page's address with the token, so that a phone's
    camera opens the taker's scan form already filled in."""
    url = request.build_absolute_uri(reverse("practice:request_detail", args=[service.pk])) + "?" + urlencode({"token": service.token})
    return segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#111", svgclass="qr", omitsize=True)


def _request_action(request: HttpRequest, fan, view: selectors.RequestView, action: str, rate_form: RateForm) -> str:
    service = view.service
    if action == "take":
        services.take(fan=fan, service=service)
        return _("You took the request. Scan the resident's QR code when you arrive.")
    if action == "scan":
        token = request.POST.get("token", "").strip()
        if service.state == State.SERVING:
            services.finish_service(fan=fan, service=service, token=token)
            return _("The service is done: its hours and points are credited.")
        services.start_service(fan=fan, service=service, token=token)
        return _("The service started. Scan the code again when you are done.")
    if action == "rate":
        rate_form.is_valid()
        data = rate_form.cleaned_data
        services.rate(
            fan=fan,
            service=service,
            skill=data.get("skill"),
            attitude=data.get("attitude"),
            effect=data.get("effect"),
            comment=data.get("comment") or "",
        )
        return _("Thank you for your rating.")
    raise DomainError(_("Unknown action."))


@never_cache
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fan = current_fan(request)
    if fan is None:
        return _login_redirect(request)
    view = selectors.request_view(pk, fan=fan)
    if view is None:
        raise Http404
    rate_form = RateForm(request.POST if request.POST.get("action") == "rate" else None)
    failed, status = None, 200
    token = request.GET.get("token", "")[:40]
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            text = _request_action(request, fan, view, action, rate_form)
        except DomainError as exc:
            failed, status = {"action": action, "message": exc.message}, exc.status
            token = request.POST.get("token", "")[:40]
            view = selectors.request_view(pk, fan=fan)
            if view is None:
                raise Http404 from None
        else:
            messages.success(request, text)
            return redirect("practice:request_detail", pk=pk)
    context = _context(
        view=view,
        service=view.service,
        steps=view.steps(),
        qr_svg=_qr_svg(request, view.service) if view.shows_qr else "",
        rate_form=rate_form,
        token=token,
        failed=failed or {},
        State=State,
    )
    return render(request, "practice/public/request_detail.html", context, status=status)


# --- the volunteer's own page -------------------------------------------------------------------------


VOLUNTEER_FIELDS = {"real_name": "real_name", "consent": "consent"}


def _register(request: HttpRequest, fan) -> HttpResponse:
    form = VolunteerForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST":
        form.is_valid()
        data = form.cleaned_data
        try:
            services.register_volunteer(
                fan=fan,
                real_name=data.get("real_name") or "",
                consent=bool(data.get("consent")),
                skills=form.skill_list(),
                availability=data.get("availability") or "",
                site=data.get("site"),
            )
        except DomainError as exc:
            error, status = _put_error(form, exc, VOLUNTEER_FIELDS), exc.status
        else:
            messages.success(request, _("Welcome, volunteer! The practice center will add you to a team."))
            return redirect("practice:me")
    context = _context(form=form, error=error, consent_text=CONSENT_TEXT, consent_version=services.CONSENT_VERSION)
    return render(request, "practice/public/register.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def me(request: HttpRequest) -> HttpResponse:
    fan = current_fan(request)
    if fan is None:
        return _login_redirect(request)
    registered = Volunteer.objects.filter(fan=fan).first()
    if registered is None:
        return _register(request, fan)
    volunteer = services.volunteer_of(fan)
    error, status = None, 200
    if request.method == "POST" and volunteer is not None:
        item = get_object_or_404(StoreItem, pk=request.POST.get("item") if str(request.POST.get("item", "")).isdigit() else 0)
        try:
            services.exchange(fan=fan, item=item)
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("Exchanged: collect %(i)s at the practice center.") % {"i": item.name})
            return redirect("practice:me")
    context = _context(volunteer=registered, suspended=volunteer is None, error=error, mine=selectors.requests_of_resident(fan))
    if volunteer is not None:
        context.update(selectors.volunteer_page(volunteer))
    return render(request, "practice/public/me.html", context, status=status)


# --- check-in by the activity's QR code ---------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    found = selectors.activity_by_token(token)
    if found is None:
        raise Http404
    fan = current_fan(request)
    if fan is None:
        return _login_redirect(request)
    volunteer = services.volunteer_of(fan)
    error, status, result = None, 200, None
    if request.method == "POST":
        sent = {k: request.POST.get(k, "")[:40] for k in ("token", "latitude", "longitude")}
        # Checking out is asked for by its own button: a second scan or a double tap on arrival
        # checks in again (nothing changes) instead of ending the volunteer's time at once.
        going_out = request.POST.get("action") == "out"
        try:
            call = services.check_out if going_out else services.check_in
            signup = call(
                fan=fan, activity=found, token=sent["token"], latitude=sent["latitude"] or None, longitude=sent["longitude"] or None
            )
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            result = "out" if going_out else "in"
    signup = selectors.signup_of(found, volunteer)
    context = _context(
        activity=found,
        token=token,
        volunteer=volunteer,
        signup=signup,
        result=result,
        credited=selectors.activity_credit(signup) if signup is not None and signup.checked_out_at else None,
        error=error,
    )
    return render(request, "practice/public/checkin.html", context, status=status)
