from django.contrib import admin
from django.urls import include, path

from rongmei.api.urls import api
from rongmei.core.health import healthz

# A database restarting answers 503 with a plain message, not Django's bare 500 (rongmei/core/errors.py).
handler500 = "rongmei.core.errors.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("rongmei.accounts.urls")),
    path("newsroom/media/", include("rongmei.media.urls")),
    path("newsroom/publish/", include("rongmei.distribution.urls")),
    path("newsroom/moderation/", include("rongmei.community.urls")),
    path("newsroom/readership/", include("rongmei.analytics.urls")),
    path("newsroom/wenzheng/supervision/", include("rongmei.inquiries.urls_supervision")),
    path("newsroom/wenzheng/", include("rongmei.inquiries.urls_desk")),
    path("newsroom/", include("rongmei.newsroom.urls")),
    path("feeds/", include("rongmei.distribution.feed_urls")),
    path("api/v1/", api.urls),
    path("search/", include("rongmei.search.urls")),
    path("me/", include("rongmei.fans.urls")),
    # 问政: citizens at /wenzheng/, units at /units/, Open311 GeoReport v2 at /open311/v2/.
    path("wenzheng/stats/", include("rongmei.inquiries.urls_stats")),
    path("wenzheng/", include("rongmei.inquiries.urls_public")),
    path("units/", include("rongmei.inquiries.urls_units")),
    path("open311/v2/", include("rongmei.inquiries.urls_open311")),
    path("live/", include("rongmei.live.urls")),
    path("huati/", include("rongmei.community.public_urls")),
    path("partners/", include("rongmei.partners.urls")),
    path("practice/", include("rongmei.practice.urls")),
    path("dashboard/", include("rongmei.dashboard.urls")),
    path("ops/", include("rongmei.business.urls")),
    # 政务服务 at /services/, 智慧人大 / 智慧政协 at /councils/ (public).
    path("", include("rongmei.civic.urls")),
    path("", include("rongmei.portal.urls")),
]
