from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rongmei.core import notify
from rongmei.newsroom import selectors
from rongmei.newsroom.models import Story
from rongmei.newsroom.views._common import staff_view


@staff_view
def home(request):
    user = request.user
    context = {
        "my_assignments": selectors.assignments(assignee=user, open_only=True),
        "waiting": selectors.waiting_for_review(user),
        "drafts": selectors.stories(state=Story.State.DRAFT, author=user)[:20],
        "overdue": selectors.overdue_for(user),
        "notifications": selectors.notifications_for(user, limit=8),
    }
    return render(request, "newsroom/home.html", context)


@staff_view
def notifications(request):
    return render(request, "newsroom/notifications.html", {"notifications": selectors.notifications_for(request.user, limit=200)})


@require_POST
@staff_view
def notifications_read(request):
    notify.mark_read(request.user)
    return redirect("newsroom:notifications")
