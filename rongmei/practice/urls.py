"""/practice/: the public pages of 新时代文明实践 (residents and volunteers on their phones,
urls_public) and /practice/manage/ (the practice center's staff, urls_manage)."""

from django.urls import include, path

app_name = "practice"

urlpatterns = [
    path("manage/", include("rongmei.practice.urls_manage")),
    path("", include("rongmei.practice.urls_public")),
]
