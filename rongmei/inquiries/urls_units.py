"""The units portal at /units/ (views_units.py)."""

from django.urls import path

from rongmei.inquiries import views_units as views

app_name = "units"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("q/<int:pk>/", views.detail, name="detail"),
    path("q/<int:pk>/files/<int:aid>/", views.attachment, name="attachment"),
]
