"""The partner portal in a real browser: a self-media partner logs in through the login page,
reads its quota, sends a draft story with a picture, uploads its readership table (one bad row
refused by its row number, the rest kept), reports a repost task with its link, reads its own
score breakdown and nobody else's, and opens its award certificate; an editor adopts the story
from the contributions inbox and the partner sees it adopted.

Elements are found by ids, form field names and URLs, never by visible text, so the test passes
whether or not the Chinese translations are compiled.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import expect

from rongmei.newsroom.models import Story
from rongmei.partners import services
from rongmei.partners.models import Contribution, Post, TaskAssignment
from rongmei.testing import factories
from rongmei.testing.partners import open_task, png_bytes, previous_quarter
from rongmei.testing.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HEADLINE = "花园街道口袋公园开园 居民家门口多了好去处"
BODY = "花园街道新建的口袋公园今天开园。\n公园里有健身步道和儿童游乐区，附近居民早早来到公园散步。"


def png(tmp_path) -> str:
    path = tmp_path / "口袋公园.png"
    path.write_bytes(png_bytes((320, 200)))
    return str(path)


def readership_table(tmp_path, today: dt.date) -> str:
    book = Workbook()
    sheet = book.active
    sheet.append(["标题", "链接", "发布日期", "类型", "阅读量"])
    sheet.append(["泌阳夏南牛走俏京津冀", "https://example.org/wb/101", today.isoformat(), "原创", "3200"])
    sheet.append(["铜山湖初雪美如画", "https://example.org/wb/102", today.isoformat(), "原创", "很多"])  # row 3: bad reads
    sheet.append(["转发：县融媒体中心口袋公园报道", "https://example.org/wb/103", today.isoformat(), "转发", "1.2万"])
    path = tmp_path / "阅读量.xlsx"
    book.save(path)
    return str(path)


def log_in_as(new_context, user, landing: str):
    page = new_context().new_page()
    page.goto(reverse("accounts:login"))
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(landing) + "$"))
    return page


def test_a_partner_works_in_its_portal_and_the_desk_adopts_its_story(
    new_context, tmp_path, settings, operator, editor, team, reporter, reviewers, partner, partner_login, other_partner
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    today = timezone.localdate()
    quarter = services.current_quarter()
    services.set_quota(actor=operator, partner=partner, quarter=quarter, posts=10, originals=6, reposts=2)
    services.record_post(
        actor=operator, partner=other_partner, title="泌阳在线的爆款", url="https://example.org/zx/1", published_on=today, reads=88888
    )
    # Last quarter, closed: the partner has an award with its certificate.
    previous = previous_quarter()
    services.set_quota(actor=operator, partner=partner, quarter=previous, posts=1)
    services.record_post(
        actor=operator, partner=partner, title="上季度的稿件", url="https://example.org/wb/old", published_on=previous.end, reads=900
    )
    services.close_quarter(actor=operator, quarter=previous)
    # A repost task open now over a published story of the center.
    story = factories.published_story(reporter, team, reviewers, headline="口袋公园开园")
    task = open_task(operator, [partner, other_partner], title="转发口袋公园报道", stories=[story])
    mine = TaskAssignment.objects.get(task=task, partner=partner)

    page = log_in_as(new_context, partner_login, reverse("partners:home"))
    expect(page.locator("#quota .quota-progress li")).to_have_count(3)
    expect(page.locator("#open-tasks li")).to_have_count(1)

    # A draft story with a picture.
    page.goto(reverse("partners:contribute"))
    page.locator("input[name=kind][value=story]").check()
    page.locator("#id_title").fill(HEADLINE)
    page.locator("#id_body").fill(BODY)
    page.locator("#id_files").set_input_files(png(tmp_path))
    page.locator("#contribute-form button").click()
    page.wait_for_url(re.compile(r"/partners/contributions/\d+/$"))
    contribution = Contribution.objects.get(title=HEADLINE)
    expect(page.locator("#contribution-status .badge")).to_have_class(re.compile("state-submitted"))
    assert contribution.files.count() == 1

    # The readership table: row 3 refused by its number, rows 2 and 4 kept.
    page.goto(reverse("partners:posts"))
    page.locator("#upload-form input[type=file]").set_input_files(readership_table(tmp_path, today))
    page.locator("#upload-form button").click()
    expect(page.locator("#import-errors tbody tr")).to_have_count(1)
    expect(page.locator("#import-errors tbody tr td").first).to_have_text("3")
    assert set(Post.objects.filter(partner=partner, published_on=today).values_list("url", "reads")) == {
        ("https://example.org/wb/101", 3200),
        ("https://example.org/wb/103", 12000),
    }
    page.goto(reverse("partners:posts"))
    expect(page.locator("#posts tbody tr")).to_have_count(2)

    # The repost task, reported with the link to the post.
    page.goto(reverse("partners:tasks"))
    page.locator(f"#assignment-{mine.pk} input[name=url]").fill("https://example.org/wb/103")
    page.locator(f"#assignment-{mine.pk} form button").click()
    expect(page.locator(f"#assignment-{mine.pk} .badge")).to_have_class(re.compile("state-reported"))

    # Its own score, with the breakdown, and nobody else's.
    page.goto(reverse("partners:score"))
    expect(page.locator("#breakdown tbody tr")).to_have_count(4)
    assert "泌阳在线" not in page.content()

    # The award certificate of last quarter (a PDF, fetched with the partner's session).
    page.goto(reverse("partners:awards"))
    link = page.locator("#honours a[href$='certificate.pdf']")
    expect(link).to_have_count(1)
    answer = page.request.get(link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf" and answer.body()[:4] == b"%PDF"

    # The editor adopts the story into 新闻组 from the inbox.
    desk = log_in_as(new_context, editor, reverse("newsroom:home"))
    desk.goto(reverse("partners:inbox"))
    desk.locator(f"#inbox a[href='{reverse('partners:contribution_manage', args=[contribution.pk])}']").click()
    desk.locator("#adopt-form select[name=team]").select_option(str(team.pk))
    desk.locator("#adopt-form button[value=story]").click()
    desk.wait_for_url(re.compile(r"/newsroom/stories/\d+/$"))
    adopted = Story.objects.get(headline=HEADLINE)
    assert adopted.source == partner.name and adopted.assets.count() == 1

    page.goto(reverse("partners:contribution", args=[contribution.pk]))
    expect(page.locator("#contribution-status .badge").first).to_have_class(re.compile("state-adopted"))
    # Another partner's contribution page is not there for this partner.
    theirs = services.submit_contribution(
        actor=other_partner.members.get(), kind="lead", title="别家的线索标题", body="这是另一家合作方的线索内容。"
    )
    assert page.request.get(reverse("partners:contribution", args=[theirs.pk])).status == 404
