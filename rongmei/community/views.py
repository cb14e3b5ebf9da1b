"""The moderation queue (评论审核) at /newsroom/moderation/: pending comments, flagged first, and
the moderators' actions on them.

Every action posts to the queue's own address (with its filters in the query string), so a plain
form lands back on the same list (POST, redirect, GET) and a refusal is shown on the comment with
the typed reason kept (status 400). With htmx, a row's action answers with that row only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from rongmei.community import permissions as perms
from rongmei.community import selectors, services
from rongmei.community.forms import QueueFilterForm
from rongmei.community.models import Comment
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.newsroom.views._common import forbidden, staff_view

PAGE_SIZE = 30
ROW_ACTIONS = ("approve", "reject", "remove", "ban")


def _decorate(comment: Comment) -> Comment:
    comment.runs = selectors.highlighted(comment)
    return comment


def _one(pk) -> Comment:
    return get_object_or_404(selectors.queue(status=""), pk=pk)


def _render_queue(request: HttpRequest, *, row_error: dict | None = None, status: int = 200) -> HttpResponse:
    form = QueueFilterForm(request.GET or None, articles=selectors.articles_with_comments())
    filters = form.filters()
    page = Paginator(selectors.queue(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    comments = [_decorate(c) for c in page.object_list]
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "comments": comments,
        "counts": selectors.pending_counts(),
        "row_error": row_error or {},
        "here": request.get_full_path(),
    }
    return render(request, "community/queue.html", context, status=status)


def _render_row(request: HttpRequest, comment: Comment, *, row_error: dict | None = None, notice: str = "", status: int = 200):
    context = {"c": _decorate(comment), "row_error": row_error or {}, "notice": notice, "here": request.get_full_path()}
    return render(request, "community/_item.html", context, status=status)


def _act(request: HttpRequest, action: str, comment: Comment) -> str:
    """Run one row action; returns the message for the moderator."""
    reason = request.POST.get("reason", "")
    if action == "approve":
        services.approve(actor=request.user, comment=comment)
        return _("The comment is published; its author has been told.")
    if action == "reject":
        services.reject(actor=request.user, comment=comment, reason=reason)
        return _("The comment is not published; its author reads your reason.")
    if action == "remove":
        services.remove(actor=request.user, comment=comment, reason=reason)
        return _("The comment is removed; its author reads your reason.")
    rejected = services.ban_fan(actor=request.user, fan=comment.fan, reason=reason)
    return ngettext(
        "%(name)s is banned; %(n)s pending comment was rejected.",
        "%(name)s is banned; %(n)s pending comments were rejected.",
        len(rejected),
    ) % {"name": comment.fan.display_name, "n": len(rejected)}


@require_http_methods(["GET", "POST"])
@staff_view
def queue(request: HttpRequest) -> HttpResponse:
    if not perms.can_moderate(request.user):
        return forbidden(request, _("Only operators, editors and the chief editor may moderate comments."))
    if request.method == "GET":
        return _render_queue(request)
    action = request.POST.get("action", "")
    htmx = bool(request.headers.get("HX-Request"))
    if action == "approve_many":
        try:
            done = services.approve_many(actor=request.user, comment_ids=_ids(request.POST.getlist("ids")))
        except NotAllowed:
            raise
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(
                request,
                ngettext("%(n)s comment published.", "%(n)s comments published.", len(done)) % {"n": len(done)},
            )
        return redirect(request.get_full_path())
    if action not in ROW_ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect(request.get_full_path())
    comment = _one(request.POST.get("comment") if str(request.POST.get("comment", "")).isdigit() else 0)
    try:
        notice = _act(request, action, comment)
    except NotAllowed:
        raise
    except DomainError as e:
        error = {"pk": comment.pk, "action": action, "message": e.message, "reason": request.POST.get("reason", "")[:500]}
        if htmx:
            return _render_row(request, _one(comment.pk), row_error=error, status=400)
        return _render_queue(request, row_error=error, status=400)
    if htmx:
        return _render_row(request, _one(comment.pk), notice=notice)
    messages.success(request, notice)
    return redirect(request.get_full_path())


def _ids(raw: list[str]) -> list[int]:
    return [int(v) for v in raw if v.isdigit() and 0 < int(v) < 2**63]
