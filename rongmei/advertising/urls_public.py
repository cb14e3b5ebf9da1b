"""What readers reach of advertising (included by rongmei.advertising.urls into /ops/, namespace
``ops``): a creative's counted click and its picture. Public: see PUBLIC_PREFIXES in
rongmei/accounts/middleware.py."""

from django.urls import path

from rongmei.advertising import views_public as views

urlpatterns = [
    path("c/<int:creative_id>/", views.click, name="ad_click"),
    path("i/<int:creative_id>/", views.image, name="ad_image"),
]
