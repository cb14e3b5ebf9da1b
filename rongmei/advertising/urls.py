"""Advertising under /ops/ (namespace ``ops``): the management pages and the campaign report
(urls_manage) and what readers reach: a creative's picture and the counted click (urls_public)."""

from django.urls import include, path

urlpatterns = [
    path("ads/", include("rongmei.advertising.urls_manage")),
    path("", include("rongmei.advertising.urls_public")),
]
