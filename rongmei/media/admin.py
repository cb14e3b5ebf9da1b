"""Read-only admin for the media library: services are the only write paths."""

from django.contrib import admin

from rongmei.media.models import Asset, Rendition, Subtitle, UploadSession
from rongmei.newsroom.admin import ReadOnlyAdmin, ReadOnlyInline


class RenditionInline(ReadOnlyInline):
    model = Rendition
    fields = ("kind", "status", "progress", "attempts", "width", "height", "size", "error", "updated_at")


class SubtitleInline(ReadOnlyInline):
    model = Subtitle
    fields = ("language", "label", "source_format", "cues", "burn_in", "created_by", "created_at")


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "mime", "size", "uploaded_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("title", "original_name", "tags_text", "sha256")
    list_select_related = ("uploaded_by",)
    inlines = [RenditionInline, SubtitleInline]


@admin.register(Rendition)
class RenditionAdmin(ReadOnlyAdmin):
    list_display = ("asset", "kind", "status", "progress", "attempts", "updated_at")
    list_filter = ("status", "kind")
    list_select_related = ("asset",)


@admin.register(UploadSession)
class UploadSessionAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "file_name", "size", "received", "created_at", "expires_at")
    list_select_related = ("user",)
