"""The public phone pages of 新时代文明实践 at /practice/ (views_public.py); the namespace
"practice" is rongmei/practice/urls.py's."""

from django.urls import path

from rongmei.practice import views_public as views

urlpatterns = [
    path("", views.home, name="home"),
    path("activities/<int:pk>/", views.activity, name="activity"),
    path("request/", views.request_service, name="request"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("me/", views.me, name="me"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
]
