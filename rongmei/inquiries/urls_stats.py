"""Public statistics of 问政 at /wenzheng/stats/ (views_stats.py)."""

from django.urls import path

from rongmei.inquiries import views_stats as views

app_name = "wenzheng_stats"

urlpatterns = [
    path("", views.public_stats, name="public"),
]
