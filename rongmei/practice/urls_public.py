"""The public phone pages of 新时代文明实践 at /practice/ (views_public.py); the namespace
"practice" is rongmei/practice/urls.py's."""

from django.urls import path

from rongmei.practice import views_cases, views_photos
from rongmei.practice import views_public as views

urlpatterns = [
    path("", views.home, name="home"),
    path("activities/<int:pk>/", views.activity, name="activity"),
    path("cases/", views_cases.public_list, name="cases"),
    path("cases/<int:pk>/", views_cases.public_detail, name="case"),
    path("cases/<int:pk>/photo/", views_cases.photo, name="case_photo"),
    path("photos/<int:pk>/", views_photos.photo, name="photo"),
    path("request/", views.request_service, name="request"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("me/", views.me, name="me"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
]
