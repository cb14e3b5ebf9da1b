"""Clients and projects under /ops/ (namespace ``ops``, see rongmei.business.urls)."""

from django.urls import path

from rongmei.business import views_projects as views

urlpatterns = [
    path("", views.home, name="home"),
    path("clients/", views.client_list, name="clients"),
    path("clients/new/", views.client_new, name="client_new"),
    path("clients/<int:pk>/", views.client_detail, name="client"),
    path("clients/<int:pk>/contacts/", views.client_contact_add, name="client_contact_add"),
    path("projects/", views.project_board, name="projects"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/quote-lines/", views.project_quote_line, name="project_quote_line"),
    path("projects/<int:pk>/send-quote/", views.project_send_quote, name="project_send_quote"),
    path("projects/<int:pk>/contract/", views.project_sign, name="project_sign"),
    path("projects/<int:pk>/start/", views.project_start, name="project_start"),
    path("projects/<int:pk>/deliverables/", views.project_deliverable, name="project_deliverable"),
    path("projects/<int:pk>/milestones/", views.project_milestone, name="project_milestone"),
    path("projects/milestones/<int:pk>/done/", views.milestone_done, name="milestone_done"),
    path("projects/<int:pk>/invoices/", views.project_invoice, name="project_invoice"),
    path("projects/<int:pk>/payments/", views.project_payment, name="project_payment"),
    path("projects/<int:pk>/deliver/", views.project_deliver, name="project_deliver"),
    path("projects/<int:pk>/close/", views.project_close, name="project_close"),
    path("projects/<int:pk>/cancel/", views.project_cancel, name="project_cancel"),
]
