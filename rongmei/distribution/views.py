"""The publication board (发布): every story × channel state, dead letters, publish and retract."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

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
