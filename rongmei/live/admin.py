from django.contrib import admin
from django.core.exceptions import ValidationError

from rongmei.core.exceptions import DomainError
from rongmei.live import services
from rongmei.live.models import LiveRoom


@admin.register(LiveRoom)
class LiveRoomAdmin(admin.ModelAdmin):
    """A new room is made by rongmei.live.services.create_room (checked, audited); its state moves
    only through the services. The stream key is shown for the person who sets up the encoder."""

    list_display = ["title", "state", "scheduled_at", "started_at", "ended_at", "ingest", "views_total", "viewers_peak"]
    list_filter = ["state", "ingest"]
    search_fields = ["title"]
    fields = [
        "title",
        "description",
        "cover",
        "column",
        "scheduled_at",
        "ingest",
        "pull_url",
        "stream_key",
        "state",
        "started_at",
        "ended_at",
    ]
    readonly_fields = ["stream_key", "state", "started_at", "ended_at"]

    def has_add_permission(self, request):
        return services.can_manage(request.user)

    def has_change_permission(self, request, obj=None):
        return services.can_manage(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            room = services.create_room(
                actor=request.user,
                title=obj.title,
                scheduled_at=obj.scheduled_at,
                description=obj.description,
                column=obj.column,
                ingest=obj.ingest,
                pull_url=obj.pull_url,
            )
        except DomainError as e:
            raise ValidationError(e.message) from e
        if obj.cover:
            room.cover = obj.cover
            room.save(update_fields=["cover"])
        obj.pk = room.pk
