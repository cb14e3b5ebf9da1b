"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2), JSON only.

- ``GET services.json``: one service per active Category (``service_code`` = the category's id,
  ``type`` realtime, ``metadata`` true: ``GET services/<code>.json`` describes the two optional
  attributes, ``kind`` and ``is_public``).
- ``GET requests.json``: published, public, not hidden questions only, in their public (masked)
  version — never the original text, the phone or the author. Filters ``service_request_id`` (the
  receipt numbers, comma-separated; the other filters are then ignored, as the spec says),
  ``service_code``, ``status`` (open, closed; comma-separated), ``start_date``, ``end_date`` (W3C
  datetimes). Without ``start_date`` the last 90 days; at most 1000 requests, newest first.
  ``GET requests/<receipt>.json``: one of them.
- ``POST requests.json``: a partner system files a question on behalf of a citizen. It needs
  ``api_key``: a personal access token (``rm_…``) of a desk person (an operator account made for the
  partner is the usual choice), ``service_code``, ``description``, ``address_string`` (the town or
  village) and ``phone``, a mainland mobile number. THE PARTNER VOUCHES FOR THE PHONE: we do not send
  it a code; the question belongs to the app user (``fans.Fan``) of that number, created if new,
  who sees it after logging in with an SMS code. Optional: ``title`` (else the start of the
  description), ``attribute[kind]`` and ``attribute[is_public]``. The citizen's own limits apply
  (one question a minute, five a day); the partner's address is not counted (all its citizens share
  it), the token is instead: ``OPEN311_HOUR`` (window seconds, most), default 300 an hour.
  ``jurisdiction_id`` is accepted and ignored (one county). No CSRF check: the token authenticates.

Status: ``open`` while the answer is published but the question is not closed (the citizen may
still rate it, ask again or reopen it), ``closed`` once closed. Errors are GeoReport's
``[{"code": <HTTP status>, "description": "…"}]``. Locations are names of places, so ``lat`` and
``long`` are null; attachments are not shared (photos may show people or plates).
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.db.models import Prefetch
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from rongmei.accounts.services import authenticate_token
from rongmei.core import audit, ratelimit
from rongmei.core.exceptions import DomainError
from rongmei.inquiries import services as inquiry_services
from rongmei.inquiries.models import Category, Inquiry, Kind, Reply, State

DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
DEFAULT_TOKEN_HOUR = (3600, 300)


def _error(status: int, description, **headers) -> JsonResponse:
    response = JsonResponse([{"code": status, "description": str(description)}], status=status, safe=False)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# --- services ------------------------------------------------------------------------------------


def _service(category: Category) -> dict:
    return {
        "service_code": str(category.pk),
        "service_name": category.name,
        "description": _("Questions about %(c)s, answered by the responsible government unit.") % {"c": category.name},
        "metadata": True,
        "type": "realtime",
        "keywords": category.name,
        "group": category.unit.name if category.unit_id else _("Questions to government units"),
    }


def services(request):
    if request.method != "GET":
        return _error(405, _("Only GET is offered here."))
    categories = Category.objects.filter(active=True).select_related("unit")
    return JsonResponse([_service(c) for c in categories], safe=False)


def service_definition(request, code: str):
    if request.method != "GET":
        return _error(405, _("Only GET is offered here."))
    category = Category.objects.filter(pk=int(code) if code.isdigit() else 0, active=True).first()
    if category is None:
        return _error(404, _("There is no service with the code %(c)s.") % {"c": code})
    values = lambda pairs: [{"key": k, "name": str(n)} for k, n in pairs]  # noqa: E731
    return JsonResponse(
        {
            "service_code": str(category.pk),
            "attributes": [
                {
                    "variable": True,
                    "code": "kind",
                    "datatype": "singlevaluelist",
                    "required": False,
                    "datatype_description": _("The type of the question; an enquiry when not given."),
                    "order": 1,
                    "description": _("Type"),
                    "values": values(Kind.choices),
                },
                {
                    "variable": True,
                    "code": "is_public",
                    "datatype": "singlevaluelist",
                    "required": False,
                    "datatype_description": _("Whether the question and its answer may be published; yes when not given."),
                    "order": 2,
                    "description": _("May be published"),
                    "values": values([("true", _("Public")), ("false", _("Private (保密)"))]),
                },
            ],
        }
    )


def unsupported_format(request, **kwargs):
    return _error(400, _("Only the JSON format is offered: use the .json address."))


# --- requests: reading ---------------------------------------------------------------------------


def _status(inquiry: Inquiry) -> str:
    return "closed" if inquiry.state == State.CLOSED else "open"


def _request(inquiry: Inquiry) -> dict:
    published = [r for r in inquiry.replies.all() if r.status == Reply.Status.PUBLISHED]
    reply = published[-1] if published else None
    updated = max(t for t in (inquiry.submitted_at, inquiry.published_at, inquiry.rated_at, inquiry.closed_at) if t)
    return {
        "service_request_id": inquiry.receipt,
        "status": _status(inquiry),
        "status_notes": reply.shown_body if reply else "",
        "service_name": inquiry.category.name if inquiry.category_id else "",
        "service_code": str(inquiry.category_id) if inquiry.category_id else "",
        "description": f"{inquiry.shown_title}\n\n{inquiry.shown_body}",
        "agency_responsible": inquiry.lead_unit.name if inquiry.lead_unit_id else "",
        "service_notice": "",
        "requested_datetime": _iso(inquiry.submitted_at),
        "updated_datetime": _iso(updated),
        "expected_datetime": _iso(inquiry.deadline),
        "address": inquiry.location,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _public_requests():
    return (
        Inquiry.objects.public()
        .select_related("category", "lead_unit")
        .prefetch_related(Prefetch("replies", queryset=Reply.objects.filter(status=Reply.Status.PUBLISHED).order_by("created_at", "id")))
        .order_by("-submitted_at", "-id")
    )


def _moment(raw: str, name: str, *, end: bool = False) -> dt.datetime:
    raw = raw.strip().replace(" ", "+")  # a "+" of an offset arrives as a space when not encoded
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw)
        if day is None:
            raise DomainError(
                _("%(name)s is not a date and time in the W3C format (for example 2026-09-29T08:00:00+08:00).") % {"name": name},
                field=name,
            )
        moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _list(request) -> list[dict]:
    query = request.GET
    found = _public_requests()
    ids = [s.strip() for s in query.get("service_request_id", "").split(",") if s.strip()]
    if ids:
        return [_request(q) for q in found.filter(receipt__in=ids[:MAX_REQUESTS])]
    codes = [s.strip() for s in query.get("service_code", "").split(",") if s.strip()]
    if codes:
        if not all(c.isdigit() for c in codes):
            raise DomainError(_("service_code must be the number of a service."), field="service_code")
        found = found.filter(category_id__in=[int(c) for c in codes])
    statuses = {s.strip().lower() for s in query.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise DomainError(_("status must be open or closed."), field="status")
    if statuses == {"open"}:
        found = found.exclude(state=State.CLOSED)
    elif statuses == {"closed"}:
        found = found.filter(state=State.CLOSED)
    end = _moment(query["end_date"], "end_date", end=True) if query.get("end_date") else None
    if query.get("start_date"):
        start = _moment(query["start_date"], "start_date")
    else:
        start = (end or timezone.now()) - dt.timedelta(days=DEFAULT_DAYS)
    found = found.filter(submitted_at__gte=start)
    if end is not None:
        if end < start:
            raise DomainError(_("end_date comes before start_date."), field="end_date")
        found = found.filter(submitted_at__lte=end)
    return [_request(q) for q in found[:MAX_REQUESTS]]


def request_detail(request, receipt: str):
    if request.method != "GET":
        return _error(405, _("Only GET is offered here."))
    inquiry = _public_requests().filter(receipt=receipt).first()
    if inquiry is None:
        return _error(404, _("There is no published request %(r)s.") % {"r": receipt})
    return JsonResponse([_request(inquiry)], safe=False)


@csrf_exempt
def requests(request):
    try:
        if request.method == "GET":
            return JsonResponse(_list(request), safe=False)
        if request.method == "POST":
            return _create(request)
    except DomainError as exc:
        headers = {"Retry_After": str(exc.retry_after)} if hasattr(exc, "retry_after") else {}
        return _error(exc.status, exc.message, **headers)
    return _error(405, _("Use GET to read requests and POST to file one."))


# --- requests: filing ----------------------------------------------------------------------------


def _form(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise DomainError(_("The request body is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise DomainError(_("The request body is not valid JSON."))
        return {str(k): v if isinstance(v, str | dict) else str(v) for k, v in data.items()}
    return {k: request.POST.get(k) for k in request.POST}


def _attribute(data: dict, name: str) -> str:
    nested = data.get("attribute")
    if isinstance(nested, dict) and name in nested:
        return str(nested[name]).strip()
    return str(data.get(f"attribute[{name}]") or "").strip()


def _title_from(description: str) -> str:
    """The start of the description as the title: the first line, cut to the longest title allowed."""
    text = " ".join(description.split())
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    low, high = inquiry_services.conf("TITLE_LENGTH")
    title = first if len(first) >= low else text
    return title[:high]


def _token_limit(user_id: int) -> None:
    window, most = getattr(settings, "RONGMEI_INQUIRIES", {}).get("OPEN311_HOUR", DEFAULT_TOKEN_HOUR)
    now = timezone.now().timestamp()
    key = f"inq:open311:{user_id}"
    wait = ratelimit.over(ratelimit.recent(key, window, now), (window, most), now)
    if wait is not None:
        raise inquiry_services.Throttled(
            _("This API key has filed %(n)s requests in the last hour, the most allowed. Try again in %(wait)s.")
            % {"n": most, "wait": ratelimit.wait_words(wait)},
            retry_after=int(wait) + 1,
        )
    ratelimit.record(key, window, now)


def _create(request):
    from rongmei.fans.models import Fan
    from rongmei.fans.services import normalize_phone

    data = _form(request)
    user = authenticate_token(str(data.get("api_key") or ""))
    if user is None:
        return _error(403, _("A valid api_key is required to file a request."))
    if not inquiry_services.is_desk(user):
        return _error(403, _("This api_key may not file requests: it must belong to the media center's desk."))
    code = str(data.get("service_code") or "").strip()
    if not code:
        raise DomainError(_("service_code is required."), field="service_code")
    category = Category.objects.filter(pk=int(code) if code.isdigit() else 0, active=True).first()
    if category is None:
        raise DomainError(_("There is no service with the code %(c)s.") % {"c": code}, field="service_code")
    location = str(data.get("address_string") or "").strip()
    if not location:
        raise DomainError(_("address_string is required: the town or village of the matter."), field="address_string")
    description = str(data.get("description") or "")
    title = str(data.get("title") or "").strip() or _title_from(description)
    kind = _attribute(data, "kind") or Kind.CONSULT
    if kind not in Kind.values:
        raise DomainError(_("attribute[kind] must be one of %(v)s.") % {"v": ", ".join(Kind.values)}, field="kind")
    public = _attribute(data, "is_public").lower() or "true"
    if public not in ("true", "false"):
        raise DomainError(_("attribute[is_public] must be true or false."), field="is_public")
    phone = normalize_phone(str(data.get("phone") or ""))
    _token_limit(user.pk)
    fan, _created = Fan.objects.get_or_create(phone=phone)
    # The partner's address is every one of its citizens' address: only the citizen's own limits count.
    inquiry = inquiry_services.submit(
        fan=fan,
        kind=kind,
        title=title,
        body=description,
        location=location,
        is_public=public == "true",
        category_id=category.pk,
        ip=None,
    )
    audit.record(
        "inquiry.open311_filed",
        actor=user,
        subject=inquiry,
        summary=_("Filed through Open311 for the citizen %(p)s") % {"p": fan.masked_phone},
        data={"fan": fan.pk},
    )
    notice = _("Received as %(r)s. The media center screens it within a working day; the citizen can follow it in the app.") % {
        "r": inquiry.receipt
    }
    return JsonResponse([{"service_request_id": inquiry.receipt, "service_notice": notice, "account_id": None}], safe=False)
