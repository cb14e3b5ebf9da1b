"""The operations area, /ops/: clients and projects (urls_projects), revenue (urls_revenue) and
advertising (rongmei.advertising.urls). One namespace, ``ops``."""

from django.urls import include, path

app_name = "ops"

urlpatterns = [
    path("", include("rongmei.business.urls_projects")),
    path("revenue/", include("rongmei.business.urls_revenue")),
    path("", include("rongmei.advertising.urls")),
]
