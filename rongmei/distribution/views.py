"""The publication board (发布): every story × channel state, dead letters, publish and retract."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rongmei.accounts.stepup import require_recent_second_factor
from rongmei.core.forms import call_service, call_service_or_message
from rongmei.distribution import permissions as perms
from rongmei.distribution import selectors, services
from rongmei.distribution.forms import PublishForm, RetractForm
from rongmei.distribution.models import Publication
from rongmei.newsroom.models import Story
from rongmei.newsroom.views._common import staff_view


@staff_view
def board(request: HttpRequest) -> HttpResponse:
    channels, rows = selectors.board()
    context = {"channels": channels, "rows": rows, "dead": list(selectors.dead_letters()[:100])}
    template = "distribution/_board.html" if request.headers.get("HX-Request") else "distribution/board.html"
    return render(request, template, context)


@staff_view
@require_recent_second_factor(methods=("POST",))  # publishing
def story(request: HttpRequest, pk: int) -> HttpResponse:
    story = get_object_or_404(Story.objects.select_related("team", "current_version"), pk=pk)
    form = PublishForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            ok, pubs = call_service(
                form,
                services.publish,
                actor=request.user,
                story=story,
                channels=list(form.cleaned_data["channels"]),
                at=form.cleaned_data["at"],
            )
            if ok:
                messages.success(request, _("Publishing started on %(n)s channels.") % {"n": len(pubs)})
                return redirect("distribution:story", pk=story.pk)
        status = 400
    context = {
        "story": story,
        "form": form,
        "retract_form": RetractForm(),
        "publications": list(selectors.publications_of(story)),
        "can_publish": perms.can_publish(request.user, story) and story.state in services.PUBLISHABLE_STORY_STATES,
        "can_retract": perms.can_retract(request.user) and story.state in services.PUBLISHABLE_STORY_STATES,
    }
    return render(request, "distribution/story.html", context, status=status)


@require_POST
@staff_view
@require_recent_second_factor
def retract(request: HttpRequest, pk: int) -> HttpResponse:
    story = get_object_or_404(Story, pk=pk)
    form = RetractForm(request.POST)
    if form.is_valid():
        ok, _pubs = call_service(form, services.retract, actor=request.user, story=story, reason=form.cleaned_data["reason"])
        if ok:
            messages.success(request, _("The story is being retracted from every channel."))
            return redirect("distribution:story", pk=story.pk)
    context = {
        "story": story,
        "form": PublishForm(),
        "retract_form": form,
        "publications": list(selectors.publications_of(story)),
        "can_publish": False,
        "can_retract": True,
    }
    return render(request, "distribution/story.html", context, status=400)


@require_POST
@staff_view
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    pub = get_object_or_404(Publication, pk=pk)
    ok, _pub = call_service_or_message(request, services.retry, actor=request.user, publication=pub)
    if ok:
        messages.success(request, _("Trying again."))
    return redirect("distribution:board")


# --- channel versions (多次生成) --------------------------------------------------------------


def _story_and_channel(pk: int, code: str | None = None):
    from rongmei.distribution.models import Channel

    story = get_object_or_404(Story.objects.select_related("team", "current_version"), pk=pk)
    channel = get_object_or_404(Channel, code=code, active=True) if code is not None else None
    return story, channel


def _version_form(code: str, data=None, content=None):
    """A form of the channel's editable fields (formatters.fields_for), filled from the content."""
    from django import forms

    from rongmei.distribution import formatters

    content = content or {}
    form_fields, initial = {}, {}
    for f in formatters.fields_for(code):
        common = {"label": f.label, "required": f.required and f.widget != "bool", "help_text": f.help}
        if f.widget == "bool":
            field = forms.BooleanField(**{**common, "required": False})
        elif f.widget == "number":
            field = forms.IntegerField(min_value=f.min_value, max_value=f.max_value, **common)
        elif f.widget in ("textarea", "html"):
            field = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), strip=False, **common)
        else:
            # No max_length here: the service checks the channel's limit and says it in its message.
            field = forms.CharField(**common)
        form_fields[f.name] = field
        value = content.get(f.name)
        initial[f.name] = ", ".join(value) if f.widget == "list" and isinstance(value, list) else value
    form_class = type("ChannelVersionForm", (forms.Form,), form_fields)
    return form_class(data, initial=initial)


@staff_view
def versions(request: HttpRequest, pk: int) -> HttpResponse:
    """Every channel's version of the story's signed-off version; generate them all."""
    from rongmei.distribution import versions as channel_versions

    story, _channel = _story_and_channel(pk)
    if request.method == "POST":
        force = request.POST.get("force") == "1"
        from rongmei.distribution.models import Channel

        codes = request.POST.getlist("channels")
        chans = list(Channel.objects.filter(active=True, code__in=codes)) if codes else list(Channel.objects.filter(active=True))
        ok, made = call_service_or_message(
            request, channel_versions.generate, actor=request.user, version=story.current_version, channels=chans, force=force
        )
        if ok:
            messages.success(request, _("Channel versions are ready for %(n)s channels.") % {"n": len(made)})
        return redirect("distribution:versions", pk=story.pk)
    context = {
        "story": story,
        "rows": channel_versions.of_story(story) if story.current_version_id else [],
        "can_edit": channel_versions.can_edit(request.user, story) and story.state in channel_versions.EDITABLE_STORY_STATES,
    }
    return render(request, "distribution/versions/list.html", context)


@staff_view
def version_detail(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One channel's version: its preview and, for those who may, the form to adjust it."""
    import json

    from rongmei.core.exceptions import DomainError, NotAllowed
    from rongmei.core.forms import add_domain_error
    from rongmei.distribution import versions as channel_versions
    from rongmei.distribution.models import ChannelVersion

    story, channel = _story_and_channel(pk, code)
    cv = (
        ChannelVersion.objects.filter(version_id=story.current_version_id, channel=channel)
        .select_related("edited_by", "approved_by")
        .first()
    )
    status = 200
    form = _version_form(code, None, cv.content if cv else None) if cv else None
    if request.method == "POST" and cv is not None:
        action = request.POST.get("action", "save")
        if action == "approve":
            ok, _cv = call_service_or_message(request, channel_versions.approve, actor=request.user, channel_version=cv)
            if ok:
                messages.success(request, _("The channel version is approved."))
            return redirect("distribution:version", pk=story.pk, code=code)
        form = _version_form(code, request.POST, cv.content)
        if form.is_valid():
            try:
                channel_versions.edit(actor=request.user, channel_version=cv, content=form.cleaned_data)
            except NotAllowed:
                raise
            except DomainError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Saved."))
                return redirect("distribution:version", pk=story.pk, code=code)
        status = 400
    can_edit = channel_versions.can_edit(request.user, story) and story.state in channel_versions.EDITABLE_STORY_STATES
    content = (cv.content if cv else {}) or {}
    context = {
        "story": story,
        "channel": channel,
        "cv": cv,
        "content": content,
        "form": form if can_edit else None,
        "can_edit": can_edit,
        "can_approve": bool(
            cv and channel.needs_review and cv.state != ChannelVersion.State.APPROVED and channel_versions.can_approve(request.user, story)
        ),
        "ready": cv is not None and channel_versions.ready_for(story.current_version, channel) if story.current_version_id else False,
        "content_json": json.dumps(content, ensure_ascii=False, indent=2),
        "paragraphs": [p for p in str(content.get("text") or content.get("body") or "").split("\n") if p.strip()],
    }
    return render(request, "distribution/versions/detail.html", context, status=status)


@staff_view
def version_file(request: HttpRequest, pk: int, code: str, kind: str) -> HttpResponse:
    """Downloads: the newspaper proof (PDF, or the HTML print page), the gov-site JSON and XML."""
    import json

    from django.http import Http404

    from rongmei.distribution.formatters import gov_site, newspaper
    from rongmei.distribution.models import ChannelVersion

    story, channel = _story_and_channel(pk, code)
    cv = get_object_or_404(ChannelVersion, version_id=story.current_version_id, channel=channel)
    name = f"story-{story.pk}-v{story.current_version.number}-{code}"
    if code == "newspaper" and kind == "proof.pdf":
        pdf = newspaper.proof_pdf(cv.content)
        if pdf is None:
            return HttpResponse(newspaper.proof_html(cv.content))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response
    if code == "newspaper" and kind == "proof.html":
        return HttpResponse(newspaper.proof_html(cv.content))
    if code == "gov_site" and kind == "gov.xml":
        response = HttpResponse(gov_site.to_xml(cv.content), content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.xml"'
        return response
    if kind == "content.json":
        response = HttpResponse(json.dumps(cv.content, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    raise Http404
