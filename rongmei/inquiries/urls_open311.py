"""Open311 GeoReport v2 at /open311/v2/ (open311.py)."""

from django.urls import path

from rongmei.inquiries import open311

app_name = "open311"

urlpatterns = [
    path("services.json", open311.services, name="services"),
    path("requests.json", open311.requests, name="requests"),
]
