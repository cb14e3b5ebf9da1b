"""Public feeds: RSS 2.0 and Atom per team (栏目小组), and an IPTC ninjs 2.0 JSON feed.

They list exactly the stories published on our website/app and not retracted
(selectors.published_stories), each with its signed-off version and a link to its public page.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from rongmei.accounts.models import Team
from rongmei.distribution import selectors


class TeamRssFeed(Feed):
    def get_object(self, request, slug: str):
        return get_object_or_404(Team, slug=slug)

    def title(self, obj: Team) -> str:
        return obj.name

    def link(self, obj: Team) -> str:
        return reverse("portal:index")

    def description(self, obj: Team) -> str:
        return obj.description or _("Stories of %(team)s") % {"team": obj.name}

    def items(self, obj: Team):
        return selectors.published_stories(team=obj).prefetch_related("authors")[: selectors.FEED_SIZE]

    def item_title(self, item) -> str:
        return item.current_version.headline

    def item_description(self, item) -> str:
        version = item.current_version
        return version.intro or version.body

    def item_link(self, item) -> str:
        return reverse("portal:story", args=[item.pk])

    def item_guid(self, item) -> str:
        return f"rongmei-story-{item.pk}-v{item.current_version.number}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.signed_off_at

    def item_author_name(self, item) -> str:
        return "、".join(a.display_name for a in item.authors.all())

    def item_categories(self, item):
        return list(item.current_version.keywords or [])


class TeamAtomFeed(TeamRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: Team) -> str:
        return self.description(obj)


def ninjs_item(request: HttpRequest, story) -> dict:
    version = story.current_version
    item = {
        "uri": request.build_absolute_uri(reverse("portal:story", args=[story.pk])),
        "type": "text",
        "version": str(version.number),
        "firstcreated": story.created_at.isoformat(),
        "versioncreated": version.created_at.isoformat(),
        "contentcreated": story.created_at.isoformat(),
        "pubstatus": "usable",
        "language": "zh-Hans",
        "headlines": [{"role": "main", "value": version.headline}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": version.body}],
        "subjects": [{"name": k} for k in version.keywords or []],
        "by": "、".join(a.display_name for a in story.authors.all()),
    }
    if version.subtitle:
        item["headlines"].append({"role": "sub", "value": version.subtitle})
    if version.intro:
        item["descriptions"] = [{"role": "summary", "contenttype": "text/plain", "value": version.intro}]
    return item


def ninjs_feed(request: HttpRequest) -> JsonResponse:
    stories = selectors.published_stories().prefetch_related("authors")[: selectors.FEED_SIZE]
    return JsonResponse(
        {"items": [ninjs_item(request, s) for s in stories]},
        json_dumps_params={"ensure_ascii": False},
    )
