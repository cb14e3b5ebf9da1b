"""Activity photos: the staff's upload and delete (buttons on /practice/manage/activities/<pk>/,
which come back to that page with a message) and the public address of each photo
(/practice/photos/<pk>/), served only when its activity is public, or to the staff."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from rongmei.core.forms import call_service_or_message
from rongmei.practice import photos
from rongmei.practice.models import Activity, ActivityPhoto
from rongmei.practice.views_manage import coordinator_view

PUBLIC_MAX_AGE = 86400  # a photo's file never changes: a new upload is a new photo


def _back(activity_pk: int) -> HttpResponse:
    return redirect(reverse("practice:manage_activity", args=[activity_pk]) + "#photos")


@coordinator_view
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    ok, added = call_service_or_message(
        request,
        photos.add_photos,
        actor=request.user,
        activity=activity,
        uploads=request.FILES.getlist("photos"),
        caption=request.POST.get("caption", ""),
    )
    if ok:
        messages.success(request, ngettext("%(n)s photo added.", "%(n)s photos added.", len(added)) % {"n": len(added)})
    return _back(activity.pk)


@coordinator_view
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_object_or_404(ActivityPhoto, pk=pk)
    ok, _done = call_service_or_message(request, photos.delete_photo, actor=request.user, photo=photo)
    if ok:
        messages.success(request, _("The photo was deleted."))
    return _back(photo.activity_id)


@require_safe
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    found = photos.photo_for(pk, request.user)
    if found is None or not found.image:
        raise Http404
    try:
        handle = found.image.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    # A draft's photo reaches only the staff: no shared cache may keep it.
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}" if photos.is_public(found) else "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response
