"""Set up the site bench/read_path.py measures (run by it in its own environment, not by hand):
migrate a fresh SQLite database, publish a ~30 KB article and 60 more stories through the newsroom
services, write the published pages, print what the benchmark needs as JSON."""

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
    print(json.dumps({"story": hot.pk, "page": str(page), "page_bytes": page.stat().st_size, "published": counts}))


if __name__ == "__main__":
    main()
