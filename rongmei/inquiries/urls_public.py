"""The citizens' pages of 问政 at /wenzheng/ (views_public.py)."""

from django.urls import path

from rongmei.inquiries import views_public as views

app_name = "wenzheng"

urlpatterns = [
    path("", views.index, name="index"),
    path("overdue/", views.overdue, name="overdue"),
    path("ask/", views.ask, name="ask"),
    path("lookup/", views.lookup, name="lookup"),
    path("mine/", views.mine, name="mine"),
    path("sent/<str:receipt>/", views.receipt, name="receipt"),
    path("q/<str:receipt>/", views.detail, name="detail"),
    path("q/<str:receipt>/files/<int:pk>/", views.attachment, name="attachment"),
]
