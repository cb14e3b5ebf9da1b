"""Supervision (per-unit figures, rankings, monthly report) at /newsroom/wenzheng/supervision/ (views_stats.py)."""

from django.urls import path

from rongmei.inquiries import views_stats as views

app_name = "supervision"

urlpatterns = [
    path("", views.supervision, name="index"),
    path("report.xlsx", views.report_download, {"fmt": "xlsx"}, name="report_xlsx"),
    path("report.pdf", views.report_download, {"fmt": "pdf"}, name="report_pdf"),
]
