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
from rongmei.portal.media import public_media_url


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
        return selectors.live_content(item)["headline"]

    def item_description(self, item) -> str:
        content = selectors.live_content(item)
        return content["intro"] or content["body_html"]

    def item_link(self, item) -> str:
        return reverse("portal:story", args=[item.pk])

    def item_guid(self, item) -> str:
        return f"rongmei-story-{item.pk}-v{selectors.live_version(item).number}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.signed_off_at

    def item_author_name(self, item) -> str:
        return "、".join(a.display_name for a in item.authors.all())

    def item_categories(self, item):
        return list(selectors.live_version(item).keywords or [])


class TeamAtomFeed(TeamRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: Team) -> str:
        return self.description(obj)


def ninjs_item(request: HttpRequest, story) -> dict:
    version = selectors.live_version(story)
    content = selectors.live_content(story)
    item = {
        "uri": request.build_absolute_uri(reverse("portal:story", args=[story.pk])),
        "type": "text",
        "version": str(version.number),
        "firstcreated": story.created_at.isoformat(),
        "versioncreated": version.created_at.isoformat(),
        "contentcreated": story.created_at.isoformat(),
        "pubstatus": "usable",
        "language": "zh-Hans",
        "headlines": [{"role": "main", "value": content["headline"]}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": content["body_html"]}],
        "subjects": [{"name": k} for k in version.keywords or []],
        "by": "、".join(a.display_name for a in story.authors.all()),
    }
    if content["subtitle"]:
        item["headlines"].append({"role": "sub", "value": content["subtitle"]})
    if content["intro"]:
        item["descriptions"] = [{"role": "summary", "contenttype": "text/plain", "value": content["intro"]}]
    associations = {}
    for n, picture in enumerate(content["gallery"], start=1):
        associations[f"picture{n}"] = {
            "type": "picture",
            "uri": request.build_absolute_uri(public_media_url(picture)),
            "mimetype": "image/jpeg" if picture.get("rendition", "").endswith("jpg") else "image/webp",
            "description_text": picture.get("caption", ""),
            "width": picture.get("width"),
            "height": picture.get("height"),
        }
    video = content.get("video") or {}
    if video.get("mp4"):
        associations["video"] = {
            "type": "video",
            "uri": request.build_absolute_uri(public_media_url(video["mp4"])),
            "mimetype": "video/mp4",
        }
    if associations:
        item["associations"] = associations
    return item


def ninjs_feed(request: HttpRequest) -> JsonResponse:
    stories = selectors.published_stories().prefetch_related("authors")[: selectors.FEED_SIZE]
    return JsonResponse(
        {"items": [ninjs_item(request, s) for s in stories]},
        json_dumps_params={"ensure_ascii": False},
    )
