"""The citizens' pages of 问政 at /wenzheng/ (views_public.py)."""

from django.urls import path

from rongmei.inquiries import views_public as views

app_name = "wenzheng"

urlpatterns = [
    path("", views.index, name="index"),
    path("q/<str:receipt>/", views.detail, name="detail"),
]
