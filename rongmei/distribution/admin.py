"""Admin: channels (credentials write-only) and a read-only view of publications."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from rongmei.core.exceptions import DomainError
from rongmei.distribution import services, versions
from rongmei.distribution.adapters import adapter_name
from rongmei.distribution.models import Channel, Publication, PublicationAttempt


class ChannelForm(forms.ModelForm):
    webhook_url = forms.CharField(
        label=_("Webhook address"), required=False, max_length=500, widget=forms.PasswordInput(render_value=False)
    )
    webhook_secret = forms.CharField(
        label=_("Webhook secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again. Leave both empty to keep what is stored."),
    )

    # Not a model field of the form: saved through versions.set_needs_review, which audits it.
    review_versions = forms.BooleanField(
        label=_("Channel versions need their own review"),
        required=False,
        help_text=_("When on, a story is published to this channel only after its channel version is approved."),
    )

    class Meta:
        model = Channel
        fields = ["name", "active", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["review_versions"].initial = self.instance.needs_review

    def clean(self):
        data = super().clean()
        url, secret = data.get("webhook_url"), data.get("webhook_secret")
        if url or secret:
            try:
                services.check_webhook_settings(url, secret)
            except DomainError as e:
                self.add_error("webhook_url" if e.field == "url" else "webhook_secret", e.message)
        return data


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ["name", "code", "active", "adapter", "configured", "needs_review"]
    readonly_fields = ["code"]

    @admin.display(description=_("adapter"))
    def adapter(self, obj):
        return adapter_name(obj)

    @admin.display(boolean=True, description=_("configured"))
    def configured(self, obj):
        return obj.has_credentials

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        url, secret = form.cleaned_data.get("webhook_url"), form.cleaned_data.get("webhook_secret")
        if url or secret:
            services.configure_webhook(actor=request.user, channel=obj, url=url, secret=secret)
        wanted = form.cleaned_data.get("review_versions", False)
        if wanted != obj.needs_review:
            try:
                versions.set_needs_review(actor=request.user, channel=obj, needs_review=wanted)
            except DomainError as e:
                messages.error(request, e.message)


class AttemptInline(admin.TabularInline):
    model = PublicationAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "started_at", "duration_ms", "outcome", "error"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    """Read-only: publishing, retrying and retracting go through the board or the API."""

    list_display = ["story", "channel", "state", "attempts", "published_at", "retracted_at"]
    list_filter = ["state", "channel"]
    list_select_related = ["story", "channel"]
    inlines = [AttemptInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
