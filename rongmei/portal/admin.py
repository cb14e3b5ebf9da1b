from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.core.exceptions import DomainError
from rongmei.portal import services
from rongmei.portal.models import Column, Feature, Topic, TopicStory


@admin.register(Column)
class ColumnAdmin(admin.ModelAdmin):
    list_display = ("name", "icon", "kind", "topic", "sort_order", "active")
    list_editable = ("sort_order", "active")
    list_filter = ("kind", "active")
    filter_horizontal = ("teams",)
    search_fields = ("name", "slug")
    list_select_related = ("topic",)


class CuratorPermissions:
    """Operators, administrators and the chief editor (portal.services.can_curate)."""

    def has_module_permission(self, request):
        return services.can_curate(request.user)

    def has_view_permission(self, request, obj=None):
        return services.can_curate(request.user)

    def has_add_permission(self, request, *args):
        return services.can_curate(request.user)

    def has_change_permission(self, request, obj=None):
        return services.can_curate(request.user)

    def has_delete_permission(self, request, obj=None):
        return services.can_curate(request.user)


def _prepared(form, field: str):
    """A newly uploaded picture made fit for phones (services.prepare_picture), or the value as is."""
    value = form.cleaned_data.get(field)
    if value and field in form.files:
        try:
            return services.prepare_picture(value, field=field)
        except DomainError as e:
            raise ValidationError(e.message) from None
    return value


# --- home page features ------------------------------------------------------------------------


class FeatureForm(forms.ModelForm):
    class Meta:
        model = Feature
        fields = ["story", "slot", "title", "image", "sort_order", "starts_at", "ends_at", "active"]

    def clean_image(self):
        return _prepared(self, "image")

    def clean(self):
        data = super().clean()
        story = data.get("story")
        if story is not None:
            probe = Feature(
                pk=self.instance.pk,
                story=story,
                slot=data.get("slot") or Feature.Slot.CAROUSEL,
                title=data.get("title") or "",
                starts_at=data.get("starts_at"),
                ends_at=data.get("ends_at"),
            )
            try:
                services.check_feature(probe)
            except DomainError as e:
                self.add_error(e.field if e.field in self.fields else None, e.message)
        return data


@admin.register(Feature)
class FeatureAdmin(CuratorPermissions, admin.ModelAdmin):
    """The home page's carousel (轮播) and pinned headlines (头条). Changes go through
    portal.services (audited)."""

    form = FeatureForm
    list_display = ("__str__", "slot", "sort_order", "starts_at", "ends_at", "active", "showing")
    list_filter = ("slot", "active")
    list_select_related = ("story",)
    autocomplete_fields = ("story",)
    search_fields = ("title", "story__headline")
    ordering = ("slot", "sort_order", "-id")

    @admin.display(boolean=True, description=gettext_lazy("shown now"))
    def showing(self, obj):
        now = timezone.now()
        return obj.active and (obj.starts_at is None or obj.starts_at <= now) and (obj.ends_at is None or obj.ends_at > now)

    def save_model(self, request, obj, form, change):
        try:
            services.save_feature(actor=request.user, feature=obj)
        except DomainError as e:  # checked by the form already: only a race gets here
            messages.error(request, e.message)

    def delete_model(self, request, obj):
        services.remove_feature(actor=request.user, feature=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.remove_feature(actor=request.user, feature=obj)


# --- special topics ------------------------------------------------------------------------------


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["title", "slug", "summary", "cover", "active", "sort_order"]

    def clean_cover(self):
        return _prepared(self, "cover")


class TopicStoryFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")]
        if sum(1 for f in kept if f.cleaned_data.get("is_cover")) > 1:
            raise ValidationError(_("Mark at most one story as the cover."))


class TopicStoryInline(CuratorPermissions, admin.TabularInline):
    model = TopicStory
    formset = TopicStoryFormSet
    fields = ("story", "sort_order", "is_cover")
    autocomplete_fields = ("story",)
    extra = 1


@admin.register(Topic)
class TopicAdmin(CuratorPermissions, admin.ModelAdmin):
    """Special topics (专题) with their stories in order. Changes go through portal.services."""

    form = TopicForm
    inlines = [TopicStoryInline]
    list_display = ("title", "slug", "active", "sort_order", "created_at")
    list_editable = ("active", "sort_order")
    list_filter = ("active",)
    search_fields = ("title", "slug", "summary")

    def save_model(self, request, obj, form, change):
        try:
            services.save_topic(actor=request.user, topic=obj)
        except DomainError as e:
            messages.error(request, e.message)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.pk:
            services.stories_changed(actor=request.user, topic=form.instance)

    def delete_model(self, request, obj):
        services.remove_topic(actor=request.user, topic=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.remove_topic(actor=request.user, topic=obj)
