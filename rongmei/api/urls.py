"""The versioned HTTP API, mounted at /api/v1/ by rongmei/urls.py.

OpenAPI document: /api/v1/openapi.json; docs page: /api/v1/docs (Swagger UI from our own static
files). Callers authenticate with a browser session (CSRF token on writes) or a personal access
token (Authorization: Bearer rm_…); every operation needs a newsroom staff member.
"""

from django.utils.translation import gettext_lazy
from ninja import NinjaAPI

from rongmei.advertising import api as advertising_api
from rongmei.analytics import api as analytics_api
from rongmei.api import errors
from rongmei.api.auth import api_auth
from rongmei.api.docs import LocalSwagger
from rongmei.api.endpoints import accounts, assignments, distribution, leads, media, plans, stories, versions
from rongmei.civic import api as civic_api
from rongmei.community import api as community_api
from rongmei.fans import api as fans_api
from rongmei.inquiries import api as inquiries_api
from rongmei.portal import api as portal_api
from rongmei.search import api as search_api

api = NinjaAPI(
    # Lazy: the OpenAPI document and the docs page are built per request, in the caller's language.
    title=gettext_lazy("Rongmei API"),
    version="1",
    urls_namespace="api",
    description=gettext_lazy(
        "融媒 newsroom API: leads, plans, assignments, stories and their review. "
        "Authenticate with a browser session or a personal access token (Authorization: Bearer rm_…)."
    ),
    auth=api_auth,
    docs=LocalSwagger(),
)
errors.install(api)

api.add_router("", accounts.router)
api.add_router("", leads.router)
api.add_router("", plans.router)
api.add_router("", assignments.router)
api.add_router("", stories.router)
api.add_router("", media.router)
api.add_router("", distribution.router)
api.add_router("", versions.router)
api.add_router("", portal_api.router)
api.add_router("", search_api.router)
api.add_router("", fans_api.router)
api.add_router("", community_api.router)
api.add_router("", civic_api.router)
api.add_router("", analytics_api.router)
api.add_router("", inquiries_api.router)
api.add_router("", advertising_api.router)
