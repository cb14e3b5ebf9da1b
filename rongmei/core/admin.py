"""Admin for the shared kernel: word lists (through core.services), places, the audit log (read-only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.core import services
from rongmei.core.exceptions import DomainError
from rongmei.core.models import AllowedPhrase, AuditLog, Notification, Place, SensitiveWord, WordCategory

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_REPORTED_REFUSALS = 20


class WordListPermissions:
    """Only administrators (core.services.can_manage_lists) see and change the word lists."""

    def has_module_permission(self, request):
        return services.can_manage_lists(request.user)

    def has_view_permission(self, request, obj=None):
        return services.can_manage_lists(request.user)

    def has_add_permission(self, request):
        return services.can_manage_lists(request.user)

    def has_change_permission(self, request, obj=None):
        return services.can_manage_lists(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the list's history stays readable


# --- word lists -----------------------------------------------------------------------------


class WordListImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Word list (.txt)"), help_text=gettext_lazy("UTF-8 text, one word a line; lines starting with # are ignored.")
    )
    category = forms.CharField(
        label=gettext_lazy("Category"),
        max_length=services.MAX_CATEGORY_LENGTH,
        required=False,
        help_text=gettext_lazy("An existing or a new category; empty: the file name without extension."),
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity of a new category"),
        choices=WordCategory.Severity.choices,
        initial=WordCategory.Severity.FLAG,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20})
        return upload


@admin.register(WordCategory)
class WordCategoryAdmin(WordListPermissions, admin.ModelAdmin):
    list_display = ["name", "severity", "active", "word_count", "active_word_count", "description"]
    list_filter = ["severity", "active"]
    search_fields = ["name", "description"]
    fields = ["name", "severity", "active", "description"]
    actions = ["activate", "deactivate", "import_into"]
    change_list_template = "admin/core/wordcategory/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_word_count=Count("words"), _active_word_count=Count("words", filter=Q(words__active=True)))
        )

    @admin.display(description=gettext_lazy("words"), ordering="_word_count")
    def word_count(self, obj):
        return obj._word_count

    @admin.display(description=gettext_lazy("active words"), ordering="_active_word_count")
    def active_word_count(self, obj):
        return obj._active_word_count

    def get_readonly_fields(self, request, obj=None):
        return ["name"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.update_category(
                actor=request.user, category=obj, severity=data["severity"], active=data["active"], description=data["description"]
            )
        else:
            created = services.create_category(
                actor=request.user, name=data["name"], severity=data["severity"], description=data["description"]
            )
            if not data["active"]:
                services.update_category(actor=request.user, category=created, active=False)
            obj.pk = created.pk
            obj.refresh_from_db()

    @admin.action(description=gettext_lazy("Activate the selected categories"))
    def activate(self, request, queryset):
        for category in queryset:
            services.update_category(actor=request.user, category=category, active=True)

    @admin.action(description=gettext_lazy("Deactivate the selected categories"))
    def deactivate(self, request, queryset):
        for category in queryset:
            services.update_category(actor=request.user, category=category, active=False)

    @admin.action(description=gettext_lazy("Import a word list into the selected category"))
    def import_into(self, request, queryset):
        url = reverse("admin:core_wordcategory_import")
        first = queryset.first()
        return HttpResponseRedirect(f"{url}?category={first.pk}" if first else url)

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="core_wordcategory_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload a .txt list; the same service as ``manage.py import_wordlist`` does the work."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {}
        category_id = request.GET.get("category", "")
        if category_id.isdigit():
            existing = WordCategory.objects.filter(pk=int(category_id)).first()
            if existing is not None:
                initial = {"category": existing.name, "severity": existing.severity}
        form = WordListImportForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            name = form.cleaned_data["category"].strip() or upload.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            try:
                report = services.import_wordlist(
                    actor=request.user, data=upload.read(), category=name, severity=form.cleaned_data["severity"], source=upload.name
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(request, report.summary(), level=messages.SUCCESS)
                for refused in report.refused[:MAX_REPORTED_REFUSALS]:
                    self.message_user(
                        request,
                        _("Line %(n)s refused (%(reason)s): %(text)s")
                        % {"n": refused.line, "reason": refused.reason, "text": refused.text},
                        level=messages.WARNING,
                    )
                if len(report.refused) > MAX_REPORTED_REFUSALS:
                    self.message_user(
                        request,
                        _("… and %(n)s more refused lines.") % {"n": len(report.refused) - MAX_REPORTED_REFUSALS},
                        level=messages.WARNING,
                    )
                return HttpResponseRedirect(reverse("admin:core_wordcategory_change", args=[report.category.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a word list"),
            "form": form,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/core/wordcategory/import_form.html", context)


class SensitiveWordForm(forms.ModelForm):
    class Meta:
        model = SensitiveWord
        fields = ["category", "word", "severity", "active", "note"]

    def clean_word(self):
        word = (self.cleaned_data.get("word") or "").strip()
        if services.has_control_characters(word):
            raise forms.ValidationError(_("The word contains control characters."))
        return word


@admin.register(SensitiveWord)
class SensitiveWordAdmin(WordListPermissions, admin.ModelAdmin):
    form = SensitiveWordForm
    list_display = ["word", "category", "severity", "effective_severity", "active", "note"]
    list_editable = ["severity", "active"]
    list_filter = ["category", "severity", "category__severity", "active"]
    search_fields = ["word", "note", "category__name"]
    list_select_related = ["category"]
    list_per_page = 100
    fields = ["category", "word", "severity", "active", "note"]
    actions = ["activate", "deactivate"]

    @admin.display(description=gettext_lazy("applies as"))
    def effective_severity(self, obj):
        return WordCategory.Severity(obj.severity or obj.category.severity).label

    def get_readonly_fields(self, request, obj=None):
        return ["category", "word"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.update_word(
                actor=request.user, word=obj, severity=data.get("severity"), active=data.get("active"), note=data.get("note")
            )
        else:
            created = services.add_word(
                actor=request.user, category=data["category"], word=data["word"], severity=data["severity"], note=data["note"]
            )
            if not data["active"]:
                services.update_word(actor=request.user, word=created, active=False)
            obj.pk = created.pk
            obj.refresh_from_db()

    @admin.action(description=gettext_lazy("Activate the selected words"))
    def activate(self, request, queryset):
        n = services.set_words_active(actor=request.user, words=queryset, active=True)
        self.message_user(request, _("%(n)s words activated.") % {"n": n})

    @admin.action(description=gettext_lazy("Deactivate the selected words"))
    def deactivate(self, request, queryset):
        n = services.set_words_active(actor=request.user, words=queryset, active=False)
        self.message_user(request, _("%(n)s words deactivated.") % {"n": n})


@admin.register(AllowedPhrase)
class AllowedPhraseAdmin(WordListPermissions, admin.ModelAdmin):
    list_display = ["phrase", "note"]
    search_fields = ["phrase", "note"]
    fields = ["phrase", "note"]

    def has_change_permission(self, request, obj=None):
        return False  # remove and add again: an allowed phrase has no state worth editing in place

    def has_delete_permission(self, request, obj=None):
        return services.can_manage_lists(request.user)

    def save_model(self, request, obj, form, change):
        created = services.add_allowed_phrase(actor=request.user, phrase=form.cleaned_data["phrase"], note=form.cleaned_data["note"])
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.remove_allowed_phrase(actor=request.user, phrase=obj)

    def delete_queryset(self, request, queryset):
        for phrase in queryset:
            services.remove_allowed_phrase(actor=request.user, phrase=phrase)


# --- places ---------------------------------------------------------------------------------


class VillageInline(admin.TabularInline):
    model = Place
    fk_name = "parent"
    fields = ["name", "kind", "sort_order"]
    extra = 0
    verbose_name = gettext_lazy("village")
    verbose_name_plural = gettext_lazy("villages")


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "village_count", "sort_order"]
    list_filter = ["kind", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "parent__name"]
    list_select_related = ["parent"]
    fields = ["name", "kind", "parent", "sort_order"]
    inlines = [VillageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_village_count=Count("children"))

    @admin.display(description=gettext_lazy("villages"), ordering="_village_count")
    def village_count(self, obj):
        return obj._village_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Place.objects.filter(kind=Place.Kind.TOWN)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- audit log and notifications ------------------------------------------------------------


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """The audit trail, read-only: nobody adds, changes or deletes a line here."""

    list_display = ["created_at", "actor_name", "action", "subject_type", "subject_id", "summary", "ip_address"]
    list_filter = ["action", "subject_type"]
    search_fields = ["summary", "actor_name", "action", "subject_id"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    list_per_page = 100
    show_full_result_count = False  # a COUNT(*) over a large log on every page is slow

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_view_permission(self, request, obj=None):
        return services.can_manage_lists(request.user) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return services.can_manage_lists(request.user) or super().has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "text", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "recipient__username", "recipient__name"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
    date_hierarchy = "created_at"
