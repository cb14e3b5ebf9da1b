from django.contrib import admin
from django.urls import include, path

from rongmei.api.urls import api
from rongmei.core.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("rongmei.accounts.urls")),
    path("newsroom/media/", include("rongmei.media.urls")),
    path("newsroom/publish/", include("rongmei.distribution.urls")),
    path("newsroom/", include("rongmei.newsroom.urls")),
    path("feeds/", include("rongmei.distribution.feed_urls")),
    path("api/v1/", api.urls),
    path("search/", include("rongmei.search.urls")),
    path("me/", include("rongmei.fans.urls")),
    path("", include("rongmei.portal.urls")),
]
