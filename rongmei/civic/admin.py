"""Admin for operators: the service directory, deputies and CPPCC members, proposals (state changes
through a small status page) and the letters app users write (forward, reply, close)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.civic import services
from rongmei.civic.forms import CouncilMemberForm, LetterReplyForm, ProposalForm, ProposalStatusForm, ServiceItemForm
from rongmei.civic.models import CouncilLetter, CouncilMember, Proposal, ServiceCategory, ServiceItem
from rongmei.core.exceptions import DomainError


class CivicPermissions:
    """Operators, administrators and the chief editor (services.can_manage) keep these pages."""

    def has_module_permission(self, request):
        return services.can_manage(request.user)

    def has_view_permission(self, request, obj=None):
        return services.can_manage(request.user)

    def has_add_permission(self, request):
        return services.can_manage(request.user)

    def has_change_permission(self, request, obj=None):
        return services.can_manage(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # hide instead ("shown" off): links and letters keep pointing at it


def _run(modeladmin, request, queryset, step, done_message) -> None:
    """Apply one service step to each selected object; report what worked and each refusal."""
    done = 0
    for obj in queryset:
        try:
            step(obj)
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", level=messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, level=messages.SUCCESS)


# --- the service directory ------------------------------------------------------------------------


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(CivicPermissions, admin.ModelAdmin):
    list_display = ["name", "icon", "item_count", "sort_order", "active"]
    list_editable = ["sort_order", "active"]
    search_fields = ["name", "description"]
    ordering = ["sort_order", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_item_count=Count("items", filter=Q(items__active=True)))

    @admin.display(description=gettext_lazy("shown items"), ordering="_item_count")
    def item_count(self, obj):
        return obj._item_count


@admin.register(ServiceItem)
class ServiceItemAdmin(CivicPermissions, admin.ModelAdmin):
    form = ServiceItemForm
    list_display = ["name", "category", "unit", "time_limit", "has_link", "active", "sort_order", "updated_at"]
    list_filter = ["category", "active"]
    list_editable = ["sort_order"]
    search_fields = ["name", "keywords", "unit", "materials", "notes", "address"]
    ordering = ["category__sort_order", "category_id", "sort_order", "id"]
    list_select_related = ["category"]
    list_per_page = 50
    readonly_fields = ["updated_at"]
    actions = ["show", "hide"]
    fieldsets = [
        (None, {"fields": ["name", "category", "unit", "keywords"]}),
        (gettext_lazy("How to get it done"), {"fields": ["materials", "address", "phone", "hours", "time_limit", "fee", "link", "notes"]}),
        (gettext_lazy("Display"), {"fields": ["active", "sort_order", "updated_at"]}),
    ]

    @admin.display(boolean=True, description=gettext_lazy("online"))
    def has_link(self, obj):
        return bool(obj.link)

    def save_model(self, request, obj, form, change):
        services.save_service_item(actor=request.user, item=obj)

    @admin.action(description=gettext_lazy("Show the selected items"))
    def show(self, request, queryset):
        def step(item):
            item.active = True
            services.save_service_item(actor=request.user, item=item)

        _run(self, request, queryset, step, _("%(n)s items shown."))

    @admin.action(description=gettext_lazy("Hide the selected items"))
    def hide(self, request, queryset):
        def step(item):
            item.active = False
            services.save_service_item(actor=request.user, item=item)

        _run(self, request, queryset, step, _("%(n)s items hidden."))


# --- councils -------------------------------------------------------------------------------------


@admin.register(CouncilMember)
class CouncilMemberAdmin(CivicPermissions, admin.ModelAdmin):
    form = CouncilMemberForm
    list_display = ["name", "kind", "group", "delegation", "term", "accepts_letters", "active", "sort_order"]
    list_filter = ["kind", "active", "term", "accepts_letters"]
    list_editable = ["sort_order"]
    search_fields = ["name", "title", "constituency", "sector", "delegation"]
    ordering = ["kind", "sort_order", "id"]

    @admin.display(description=gettext_lazy("constituency or sector"))
    def group(self, obj):
        return obj.group

    def save_model(self, request, obj, form, change):
        services.save_member(actor=request.user, member=obj)


@admin.register(Proposal)
class ProposalAdmin(CivicPermissions, admin.ModelAdmin):
    form = ProposalForm
    list_display = ["number", "title", "kind", "session", "lead", "status", "submitted_on", "published"]
    list_filter = ["kind", "status", "session", "year", "satisfaction", "published"]
    search_fields = ["number", "title", "summary", "handling_unit", "proposer", "lead__name"]
    ordering = ["-submitted_on", "-id"]
    list_select_related = ["lead"]
    filter_horizontal = ["co_signers"]
    readonly_fields = ["status_box", "timeline"]
    actions = ["accept", "start_handling", "close"]
    date_hierarchy = "submitted_on"

    def get_fieldsets(self, request, obj=None):
        main = list(ProposalForm.Meta.fields)
        if obj is None:
            return [(None, {"fields": main})]
        return [(None, {"fields": main}), (gettext_lazy("Handling"), {"fields": ["status_box", "timeline"]})]

    @admin.display(description=gettext_lazy("status"))
    def status_box(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        url = reverse("admin:civic_proposal_status", args=[obj.pk])
        return format_html(
            '<strong>{}</strong> &nbsp; <a class="button" href="{}">{}</a>', obj.get_status_display(), url, _("Change status")
        )

    @admin.display(description=gettext_lazy("timeline"))
    def timeline(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        rows = [(e.on.isoformat(), e.get_status_display(), e.note) for e in obj.events.order_by("on", "id")]
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{} {} {}</li>", rows)) if rows else "-"

    def save_model(self, request, obj, form, change):
        co_signers = list(form.cleaned_data.get("co_signers") or [])
        if change:
            services.update_proposal(actor=request.user, proposal=obj, co_signers=co_signers)
        else:
            services.create_proposal(actor=request.user, proposal=obj, co_signers=co_signers)

    def save_related(self, request, form, formsets, change):
        # The co-signers were saved by the service (without the lead); the form must not set them again.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def _bulk(self, request, queryset, to, done_message):
        _run(self, request, queryset, lambda p: services.change_proposal_status(actor=request.user, proposal=p, to=to), done_message)

    @admin.action(description=gettext_lazy("Accept the selected (today)"))
    def accept(self, request, queryset):
        self._bulk(request, queryset, Proposal.Status.ACCEPTED, _("%(n)s accepted."))

    @admin.action(description=gettext_lazy("Start handling the selected (today)"))
    def start_handling(self, request, queryset):
        self._bulk(request, queryset, Proposal.Status.HANDLING, _("%(n)s now being handled."))

    @admin.action(description=gettext_lazy("Close the selected (today)"))
    def close(self, request, queryset):
        self._bulk(request, queryset, Proposal.Status.CLOSED, _("%(n)s closed."))

    def get_urls(self):
        return [path("<int:pk>/status/", self.admin_site.admin_view(self.status_view), name="civic_proposal_status"), *super().get_urls()]

    def status_view(self, request, pk):
        """Move a proposal on: the next status with its date, the reason or the reply; the satisfaction."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        proposal = get_object_or_404(Proposal, pk=pk)
        form = ProposalStatusForm(request.POST if request.method == "POST" else None, proposal=proposal)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["to"]:
                    services.change_proposal_status(
                        actor=request.user,
                        proposal=proposal,
                        to=data["to"],
                        on=data["on"],
                        note=data["note"],
                        reply=data["reply"],
                        handling_unit=data["handling_unit"],
                    )
                if data["satisfaction"]:
                    services.record_satisfaction(actor=request.user, proposal=proposal, satisfaction=data["satisfaction"])
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(
                    request, _("%(number)s is now “%(status)s”.") % {"number": proposal.number, "status": proposal.get_status_display()}
                )
                return HttpResponseRedirect(reverse("admin:civic_proposal_change", args=[proposal.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Change the status of %(number)s") % {"number": proposal.number},
            "object": proposal,
            "form": form,
            "submit_label": _("Save"),
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/civic/step_form.html", context)


@admin.register(CouncilLetter)
class CouncilLetterAdmin(CivicPermissions, admin.ModelAdmin):
    list_display = ["receipt", "title", "member", "fan", "status", "flagged", "is_public", "created_at"]
    list_filter = ["status", "flagged", "member__kind", "is_public", "hidden"]
    search_fields = ["receipt", "title", "body", "location", "member__name", "=fan__phone", "fan__nickname"]
    list_select_related = ["member", "fan"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    actions = ["forward", "close"]
    fields = [
        "receipt",
        "status_box",
        "member",
        "fan",
        "location",
        "title",
        "body",
        "is_public",
        "phone_verified",
        "safety_box",
        "reply",
        "replied_at",
        "forwarded_at",
        "created_at",
        "hidden",
        "staff_note",
    ]
    # Staff may hide a letter and keep a note; everything else is the writer's or the workflow's.
    readonly_fields = [f for f in fields if f not in ("hidden", "staff_note")]

    def has_add_permission(self, request):
        return False  # letters come from app users

    @admin.display(description=gettext_lazy("status"))
    def status_box(self, obj):
        if obj.status in (CouncilLetter.Status.RECEIVED, CouncilLetter.Status.FORWARDED):
            url = reverse("admin:civic_councilletter_reply", args=[obj.pk])
            return format_html(
                '<strong>{}</strong> &nbsp; <a class="button" href="{}">{}</a>', obj.get_status_display(), url, _("Record the reply")
            )
        return obj.get_status_display()

    @admin.display(description=gettext_lazy("sensitive words"))
    def safety_box(self, obj):
        if not obj.safety_hits:
            return _("none")
        words = sorted({h.get("word", "") for h in obj.safety_hits})
        return format_html('<strong style="color:#b3261e">{}</strong>', "、".join(words))

    def save_model(self, request, obj, form, change):
        # Only the staff fields (hidden, staff note) are editable here; states go through the actions.
        services.update_letter_staff_fields(actor=request.user, letter=obj, hidden=obj.hidden, staff_note=obj.staff_note)

    @admin.action(description=gettext_lazy("Mark the selected as forwarded"))
    def forward(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda letter: services.forward_letter(actor=request.user, letter=letter),
            _("%(n)s letters forwarded."),
        )

    @admin.action(description=gettext_lazy("Close the selected"))
    def close(self, request, queryset):
        _run(self, request, queryset, lambda letter: services.close_letter(actor=request.user, letter=letter), _("%(n)s letters closed."))

    def get_urls(self):
        return [path("<int:pk>/reply/", self.admin_site.admin_view(self.reply_view), name="civic_councilletter_reply"), *super().get_urls()]

    def reply_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        letter = get_object_or_404(CouncilLetter.objects.select_related("member", "fan"), pk=pk)
        form = LetterReplyForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                services.reply_letter(actor=request.user, letter=letter, reply=form.cleaned_data["reply"])
            except DomainError as exc:
                form.add_error("reply" if exc.field == "reply" else None, exc.message)
            else:
                self.message_user(request, _("The reply to %(receipt)s was recorded; the writer is told.") % {"receipt": letter.receipt})
                return HttpResponseRedirect(reverse("admin:civic_councilletter_change", args=[letter.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Reply to letter %(receipt)s") % {"receipt": letter.receipt},
            "object": letter,
            "letter": letter,
            "form": form,
            "submit_label": _("Save the reply"),
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/civic/step_form.html", context)
