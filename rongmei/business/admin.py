"""The admin shows operations data for looking things up. Projects, invoices and payments change
through rongmei.business.services (state, audit), so their admin pages are read-only."""

from django.contrib import admin

from rongmei.business.models import Client, ClientContact, Deliverable, Invoice, Milestone, Payment, Project, QuoteLine
from rongmei.newsroom.admin import ReadOnlyMixin


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class ContactInline(admin.TabularInline):
    model = ClientContact
    extra = 0
    fields = ("name", "position")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Client)
class ClientAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "credit_code", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "credit_code")
    exclude = ("notes",)
    inlines = [ContactInline]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("title", "client", "kind", "state", "salesperson", "amount_fen", "created_at")
    list_filter = ("state", "kind")
    search_fields = ("title", "client__name")
    list_select_related = ("client", "salesperson")


@admin.register(QuoteLine)
class QuoteLineAdmin(ReadOnlyAdmin):
    list_display = ("project", "description", "quantity", "unit_price_fen")
    list_select_related = ("project",)


@admin.register(Deliverable)
class DeliverableAdmin(ReadOnlyAdmin):
    list_display = ("project", "kind", "due_on", "done_at")
    list_filter = ("kind",)
    list_select_related = ("project",)


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ("project", "title", "due_on", "done_at")
    list_select_related = ("project",)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "project", "issued_on", "amount_fen")
    search_fields = ("number",)
    list_select_related = ("project",)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("project", "received_on", "amount_fen", "method", "invoice")
    list_filter = ("method",)
    list_select_related = ("project", "invoice")
