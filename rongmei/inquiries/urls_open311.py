"""Open311 GeoReport v2 at /open311/v2/ (open311.py). JSON only: the .xml addresses answer with a clear error."""

from django.urls import path, re_path

from rongmei.inquiries import open311

app_name = "open311"

urlpatterns = [
    path("services.json", open311.services, name="services"),
    path("services/<str:code>.json", open311.service_definition, name="service"),
    path("requests.json", open311.requests, name="requests"),
    path("requests/<str:receipt>.json", open311.request_detail, name="request"),
    re_path(r"^(?:services|requests)(?:/[^/]+)?\.xml$", open311.unsupported_format, name="xml"),
]
