"""Set up the site bench/read_path.py measures (run by it in its own environment, not by hand):
migrate a fresh SQLite database, publish a ~30 KB article and 60 more stories through the newsroom
services, write the published pages; a client with a running banner campaign (one creative whose web
renditions are made here, inline: no task worker runs in the benchmark) for the ads API; print what
the benchmark needs as JSON."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

PARAGRAPH = (
    "泌阳县融媒体中心记者走进铜山湖畔的夏南牛养殖合作社，看到新建的标准化牛舍整齐排列，"
    "饲草料加工车间里机器轰鸣。合作社负责人介绍，今年存栏量比去年增加三成，带动周边二百多户群众增收。"
    "县畜牧部门的技术人员定期上门指导防疫和科学饲养，养殖户们的信心越来越足。"
)


def main() -> None:
    call_command("migrate", verbosity=0)
    from rongmei.portal import static_pages
    from rongmei.portal.models import Column
    from rongmei.testing import factories
    from rongmei.testing.personas import make_newsroom

    people = make_newsroom()
    team = people["team"]
    reviewers = [people["editor"], people["column_lead"], people["chief"]]
    col = Column.objects.create(name="新闻", slug="xinwen", kind=Column.Kind.ARTICLES, sort_order=1)
    col.teams.add(team)

    for n in range(60):
        factories.published_story(
            people["reporter"], team, reviewers, headline=f"泌阳县第{n + 1}条新闻：夏南牛产业发展纪实", body=f"<p>{PARAGRAPH}</p>"
        )
    # The hot article: its published page is about 30 KB, like the baseline file.
    body = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(int(os.environ.get("BENCH_PARAGRAPHS", "68"))))
    hot = factories.published_story(people["reporter"], team, reviewers, headline="铜山湖畔夏南牛养殖户的新生活", body=body)
    counts = static_pages.publish_all()
    page = static_pages.story_file(hot.pk)
    ad = make_banner_campaign(col)
    print(
        json.dumps({"story": hot.pk, "page": str(page), "page_bytes": page.stat().st_size, "published": counts, "column": col.slug, **ad})
    )


def make_banner_campaign(column) -> dict:
    """A client and a running banner campaign targeting the column, with one creative (a PNG made
    with Pillow), through the services; its web renditions made inline (run_rendition, the task's
    body), since the benchmark runs no task worker."""
    import datetime as dt
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from PIL import Image, ImageChops

    from rongmei.accounts.models import Role
    from rongmei.advertising import services as ads
    from rongmei.advertising import serving
    from rongmei.advertising.models import AdSlot
    from rongmei.business.models import Client
    from rongmei.business.services import create_client
    from rongmei.media.models import Rendition
    from rongmei.media.services import run_rendition
    from rongmei.testing.personas import make_user

    ops = make_user("yunying", "周运营", Role.OPERATIONS)
    client = create_client(actor=ops, kind=Client.Kind.ENTERPRISE, name="泌阳县夏南牛食品有限公司")
    now = timezone.now()
    campaign = ads.create_campaign(
        actor=ops,
        client=client,
        name="夏南牛牛肉节横幅",
        slot=AdSlot.objects.get(code="banner"),
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(days=30),
        frequency_cap=3,
        columns=[column],
    )
    # A banner-sized picture that does not compress to nothing (gradients and noise): its WebP
    # rendition is some 30 KB, like a real banner's.
    gradient = Image.linear_gradient("L").resize((750, 200))
    noise = Image.effect_noise((750, 200), 24)
    picture = Image.merge("RGB", (ImageChops.add(gradient, noise, 2), gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), noise))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    uploaded = SimpleUploadedFile("banner.png", buffer.getvalue(), content_type="image/png")
    creative = ads.add_creative_upload(actor=ops, campaign=campaign, uploaded=uploaded, link="/", alt_text="夏南牛牛肉节欢迎您")
    for rendition_id in Rendition.objects.filter(asset_id=creative.asset_id).values_list("pk", flat=True):
        run_rendition(rendition_id)
    ads.submit_for_review(actor=ops, campaign=campaign)
    ads.approve(actor=ops, campaign=campaign)
    served = serving.running_creatives("banner", column.slug)
    if [a.creative_id for a in served.ads] != [creative.pk]:
        raise RuntimeError(f"the banner campaign is not served: {served}")
    return {"campaign": campaign.pk, "creative": creative.pk, "asset": creative.asset_id}


if __name__ == "__main__":
    main()
