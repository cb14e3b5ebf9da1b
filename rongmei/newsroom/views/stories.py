from __future__ import annotations

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rongmei.accounts.models import Role
from rongmei.accounts.stepup import require_recent_second_factor
from rongmei.core import audit, safety, text
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.forms import add_domain_error, call_service, call_service_or_message
from rongmei.newsroom import permissions as perms
from rongmei.newsroom import selectors, services
from rongmei.newsroom.diff import Span, marked_paragraphs, version_diff
from rongmei.newsroom.forms import ApproveForm, CommentForm, ReturnForm, StoryCreateForm, StoryEditForm, StoryFilterForm
from rongmei.newsroom.models import EditLock, Story
from rongmei.newsroom.services.stories import CONTENT_FIELDS, reading_minutes, sanitize_body, suggest_keywords, version_text
from rongmei.newsroom.views._common import fetch_or_404, staff_view


def _with_level_names(stories):
    stories = list(stories)
    names = selectors.review_level_names({s.team_id for s in stories if s.state == Story.State.IN_REVIEW})
    for story in stories:
        story.level_name = names.get((story.team_id, story.review_level), "")
    return stories


def _with_presence(stories, user):
    """Mark each story with the live edit lock someone else holds (``story.presence``), in one query."""
    stories = list(stories)
    ids = [s.pk for s in stories]
    locks = (
        {lock.story_id: lock for lock in EditLock.objects.filter(story_id__in=ids, expires_at__gt=timezone.now()).select_related("holder")}
        if ids
        else {}
    )
    for story in stories:
        lock = locks.get(story.pk)
        story.presence = lock if lock is not None and lock.holder_id != user.pk else None
    return stories


@staff_view
def story_list(request):
    filters = StoryFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.stories(state=params.get("state") or None, team=params.get("team"), author=request.user if params.get("mine") else None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    stories = _with_presence(_with_level_names(page.object_list), request.user)
    return render(request, "newsroom/story_list.html", {"filters": filters, "page": page, "stories": stories})


@staff_view
def story_create(request):
    form = StoryCreateForm(request.POST or None, initial={"team": request.user.teams.first()})
    if request.method == "POST" and form.is_valid():
        ok, story = call_service(form, services.create_story, actor=request.user, team=form.cleaned_data["team"], **form.content())
        if ok:
            return redirect("newsroom:story_edit", pk=story.pk)
    return render(request, "newsroom/story_create.html", {"form": form})


def _review_levels(story):
    version = story.current_version
    approvals = {a.level: a for a in version.approvals.select_related("reviewer")} if version else {}
    return [
        {
            "step": step,
            "approval": approvals.get(step.level),
            "current": story.state == Story.State.IN_REVIEW and step.level == story.review_level,
        }
        for step in perms.review_chain(story.team)
    ]


def _render_detail(request, story, *, return_form=None, comment_form=None, status=200):
    user = request.user
    version = story.current_version
    comments = list(story.comments.select_related("author", "version"))
    proof = None
    if version is not None:
        spans = [
            Span(c.anchor_start, c.anchor_end, "comment-anchor", f"{c.author.display_name}：{c.text}")
            for c in comments
            if c.version_id == version.pk and c.anchor_start is not None
        ]
        proof = marked_paragraphs(text.plain_text(version.body), spans)
    context = {
        "story": story,
        "version": version,
        "proof": proof,
        "levels": _review_levels(story),
        "comments": comments,
        "versions": selectors.versions_of(story),
        "history": audit.history(story),
        "can_review": perms.can_review(user, story),
        "can_edit": perms.can_edit_story(user, story),
        "can_comment": version is not None and (perms.can_review(user, story) or perms.can_edit_story(user, story)),
        "is_last_level": story.review_level == perms.review_chain(story.team)[-1].level,
        "approve_form": ApproveForm(initial={"version": version.number if version else None}),
        "return_form": return_form or ReturnForm(initial={"version": version.number if version else None}),
        "comment_form": comment_form or CommentForm(),
        "reading_minutes": reading_minutes(story),
        "presence": _with_presence([story], user)[0].presence,
        "can_force_unlock": perms.can_force_unlock(user, story),
        "deliverables": _deliverables(user, story=story),
    }
    return render(request, "newsroom/story_detail.html", context, status=status)


def _deliverables(user, **target):
    """The operations projects this is a deliverable of (no money: business.selectors)."""
    from rongmei.business.selectors import deliverable_notice

    return deliverable_notice(actor=user, **target)


@staff_view
def story_detail(request, pk):
    return _render_detail(request, fetch_or_404(selectors.story_detail, pk))


@require_POST
@staff_view
def story_approve(request, pk):
    story = get_object_or_404(Story, pk=pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        # Without the version the reviewer read, a story changed since could be approved unread.
        messages.error(request, _("The approval was not recorded: reload the page, read the current version and approve again."))
        return redirect("newsroom:story", pk=pk)
    data = form.cleaned_data
    ok, story = call_service_or_message(
        request, services.approve, actor=request.user, story=story, comment=data["comment"], version_number=data["version"]
    )
    if ok:
        if story.state == Story.State.APPROVED:
            messages.success(request, _("Signed off."))
        else:
            messages.success(request, _("Approved; the story moves to the next review level."))
    return redirect("newsroom:story", pk=pk)


@require_POST
@staff_view
def story_return(request, pk):
    story = get_object_or_404(Story, pk=pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ok, _result = call_service(
            form, services.return_story, actor=request.user, story=story, reason=data["reason"], version_number=data["version"]
        )
        if ok:
            messages.success(request, _("Returned to the authors."))
            return redirect("newsroom:story", pk=pk)
    return _render_detail(request, selectors.story_detail(pk), return_form=form, status=400)


@require_POST
@staff_view
def story_comment(request, pk):
    story = get_object_or_404(Story, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ok, _result = call_service(
            form,
            services.add_comment,
            actor=request.user,
            story=story,
            text_=data["text"],
            quote=data["quote"],
            start=data["start"],
            end=data["end"],
        )
        if ok:
            messages.success(request, _("Comment added."))
            return redirect("newsroom:story", pk=pk)
    return _render_detail(request, selectors.story_detail(pk), comment_form=form, status=400)


@staff_view
def story_diff(request, pk):
    story = fetch_or_404(selectors.story_detail, pk)
    versions = list(selectors.versions_of(story))
    by_number = {v.number: v for v in versions}
    newest = versions[0].number if versions else 0

    def pick(name, default):
        try:
            return by_number.get(int(request.GET.get(name, default)))
        except ValueError:
            return None

    new = pick("b", newest)
    old = pick("a", max(newest - 1, 1))
    labels = {
        "headline": _("Headline"),
        "subtitle": _("Subtitle"),
        "intro": _("Lead paragraph"),
        "body": _("Body"),
        "keywords": _("Keywords"),
    }
    rows = version_diff(old, new, labels) if old and new else []
    return render(request, "newsroom/story_diff.html", {"story": story, "versions": versions, "old": old, "new": new, "rows": rows})


@staff_view
@require_recent_second_factor  # personal data: people's names and addresses (IP)
def story_audit_csv(request, pk):
    story = get_object_or_404(Story, pk=pk)
    audit.record("export.story_audit", actor=request.user, subject=story, summary=_("Downloaded the story's audit trail (CSV)"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="story-{story.pk}-audit.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Chinese as UTF-8
    writer = csv.writer(response)
    writer.writerow([_("Time"), _("Actor"), _("Action"), _("From state"), _("To state"), _("Summary"), _("Address")])
    for line in audit.history(story):
        when = timezone.localtime(line.created_at).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow([when, line.actor_name, line.action, line.from_state, line.to_state, line.summary, line.ip_address or ""])
    return response


# --- the editor -----------------------------------------------------------------------------


def _initial(story) -> dict:
    initial = {name: getattr(story, name) for name in CONTENT_FIELDS}
    initial["keywords"] = ", ".join(story.keywords or [])
    return initial


def _edit_form(request, story, data=None) -> StoryEditForm:
    initial = _initial(story)
    initial["authors"] = list(story.authors.all())
    initial["authors_sent"] = True
    return StoryEditForm(data, initial=initial, can_set_authors=perms.can_set_authors(request.user, story))


def _lock_of(story):
    return EditLock.objects.select_related("holder").filter(story=story).first()


def _render_editor(request, story, form, *, hits=None, blocked=False, status=200):
    user = request.user
    checked = hits is not None
    hits = hits or []
    body = form["body"].value() or ""
    context = {
        "story": story,
        "form": form,
        "editor_html": sanitize_body(body),
        "lock": _lock_of(story),
        "hits_html": marked_paragraphs(version_text(story), [Span(h.start, h.end, h.severity, h.category) for h in hits]) if hits else None,
        "block_hits": [h for h in hits if h.severity == "block"],
        "flag_hits": [h for h in hits if h.severity != "block"],
        "checked": checked,
        "blocked": blocked,
        "show_override": blocked and user.role == Role.CHIEF_EDITOR,
        "can_submit": perms.can_submit_story(user, story),
        "comments": story.comments.filter(version=story.current_version).select_related("author") if story.current_version else [],
        "reading_minutes": reading_minutes(story),
        "can_set_authors": not form.fields["authors"].disabled,
    }
    return render(request, "newsroom/story_edit.html", context, status=status)


def _render_locked(request, story, lock, message):
    context = {"story": story, "lock": lock, "message": message, "can_force_unlock": perms.can_force_unlock(request.user, story)}
    return render(request, "newsroom/story_locked.html", context, status=409 if request.method == "POST" else 200)


@staff_view
def story_edit(request, pk):
    story = fetch_or_404(selectors.story_detail, pk)
    user = request.user
    if not perms.can_edit_story(user, story):
        raise NotAllowed(_("You may not edit this story."))
    if request.method != "POST":
        try:
            services.acquire_lock(actor=user, story=story)
        except StateConflict as e:
            return _render_locked(request, story, _lock_of(story), e.message)
        return _render_editor(request, story, _edit_form(request, story))

    form = _edit_form(request, story, request.POST)
    action = request.POST.get("action", "save")
    if not form.is_valid():
        return _render_editor(request, story, form, status=400)
    data = form.cleaned_data
    authors_changed = form.authors_changed(story.authors.all())
    try:
        # Store what was typed first, in its own transaction: a refused save or submit must not
        # lose it, and the sensitive-word hits of a refusal then index into exactly this text.
        story = services.autosave(actor=user, story=story, **form.content())
        if action == "check":
            return _render_editor(request, story, form, hits=safety.scan(version_text(story)))
        if authors_changed and action in ("save", "submit"):
            story = services.set_authors(actor=user, story=story, authors=list(data["authors"]))
        if action == "save":
            services.save_version(actor=user, story=story, note=data["note"], override_reason=data["override_reason"])
            messages.success(request, _("Version saved."))
            if not perms.can_edit_story(user, story):  # e.g. took themselves off the byline
                services.release_lock(actor=user, story=story)
                return redirect("newsroom:story", pk=pk)
            return redirect("newsroom:story_edit", pk=pk)
        if action == "submit":
            services.submit_story(actor=user, story=story, override_reason=data["override_reason"])
            services.release_lock(actor=user, story=story)
            messages.success(request, _("Submitted for review."))
            flagged = [h.word for h in safety.scan(version_text(story)) if h.severity != "block"]
            if flagged:
                messages.warning(request, _("Please double-check these words: %(w)s") % {"w": "、".join(dict.fromkeys(flagged))})
            return redirect("newsroom:story", pk=pk)
    except NotAllowed:
        raise
    except services.SafetyBlocked as e:
        story.refresh_from_db()
        # The working copy now holds what was typed (autosaved above): scan it for every hit,
        # blocking and flagged, at offsets into the text the page highlights.
        hits = safety.scan(version_text(story)) or e.hits
        return _render_editor(request, story, form, hits=hits, blocked=True, status=422)
    except StateConflict as e:
        if e.code == "locked":
            return _render_locked(request, story, _lock_of(story), e.message)
        add_domain_error(form, e)
    except DomainError as e:
        add_domain_error(form, e)
    return _render_editor(request, story, form, status=400)


def _json_error(e: DomainError):
    return JsonResponse({"ok": False, "error": e.message, "code": e.code, "field": getattr(e, "field", None)}, status=e.status)


@require_POST
@staff_view
def story_autosave(request, pk):
    """The editor's autosave and lock heartbeat: fields present in the POST are stored; an empty
    POST only renews the lock."""
    story = get_object_or_404(Story, pk=pk)
    fields = {name: request.POST[name] for name in CONTENT_FIELDS if name in request.POST}
    try:
        if fields:
            story = services.autosave(actor=request.user, story=story, **fields)
            lock = None
        else:
            lock = services.acquire_lock(actor=request.user, story=story)
    except DomainError as e:
        return _json_error(e)
    now = timezone.localtime()
    lock = lock or _lock_of(story)
    return JsonResponse(
        {
            "ok": True,
            "saved": bool(fields),
            "time": now.strftime("%H:%M:%S"),
            "message": _("Autosaved at %(t)s") % {"t": now.strftime("%H:%M:%S")} if fields else "",
            "word_count": story.word_count,
            "reading_minutes": reading_minutes(story),
            "lock_expires": timezone.localtime(lock.expires_at).strftime("%H:%M:%S") if lock else "",
        }
    )


@require_POST
@staff_view
def story_release(request, pk):
    story = get_object_or_404(Story, pk=pk)
    services.release_lock(actor=request.user, story=story)
    return HttpResponse(status=204)


@require_POST
@staff_view
def story_unlock(request, pk):
    story = get_object_or_404(Story, pk=pk)
    services.force_unlock(actor=request.user, story=story)
    messages.success(request, _("The edit lock was released. You can edit now."))
    return redirect("newsroom:story_edit", pk=pk)


@require_POST
@staff_view
def story_keywords(request, pk):
    story = get_object_or_404(Story, pk=pk)
    if not perms.can_edit_story(request.user, story):
        return JsonResponse({"ok": False, "error": _("You may not edit this story.")}, status=403)
    words = suggest_keywords(
        headline=request.POST.get("headline", story.headline),
        intro=request.POST.get("intro", story.intro),
        body=request.POST.get("body", story.body),
    )
    return JsonResponse({"ok": True, "keywords": words})


@staff_view
def board(request):
    from rongmei.accounts.models import Team

    team = None
    if request.GET.get("team"):
        team = Team.objects.filter(pk=request.GET["team"]).first() if request.GET["team"].isdigit() else None
    columns = selectors.team_board(team)
    flat = _with_presence(_with_level_names(s for stories in columns.values() for s in stories), request.user)
    by_id = {s.pk: s for s in flat}
    labels = dict(Story.State.choices)
    context = {
        "columns": [(state, labels.get(state, state), [by_id[s.pk] for s in stories]) for state, stories in columns.items()],
        "teams": Team.objects.all(),
        "team": team,
    }
    return render(request, "newsroom/board.html", context)
