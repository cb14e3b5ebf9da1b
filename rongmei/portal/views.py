"""The plain public page of signed-off stories (channels and the public app come with distribution)."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from rongmei.core import text
from rongmei.newsroom import selectors

PAGE_SIZE = 20


def index(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.public_stories(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/index.html", {"page": page})


def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Only the signed-off version is public: the working copy may hold unreviewed edits.
    story = get_object_or_404(selectors.public_stories().prefetch_related("authors"), pk=pk)
    version = story.current_version
    context = {
        "story": story,
        "version": version,
        "authors": list(story.authors.all()),
        "reading_minutes": text.reading_minutes(version.word_count, settings.RONGMEI["READING_CHARS_PER_MINUTE"]),
    }
    return render(request, "portal/story.html", context)
