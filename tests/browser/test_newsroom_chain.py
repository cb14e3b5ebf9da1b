"""The central kitchen in a real browser: lead → plan → assignment → story → three approvals →
public page, each person logging in through the login page in their own browser.

Elements are found by form field names/ids, form actions and element ids, never by visible
text, so the test passes whether or not the Chinese translations are compiled.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from rongmei.accounts.middleware import POLICY_CACHE_KEY
from rongmei.accounts.models import Role, RoleSecurityPolicy
from rongmei.core import safety
from rongmei.core.models import Place, SensitiveWord, WordCategory
from rongmei.distribution.models import Channel
from rongmei.newsroom.models import Approval, Assignment, Lead, Plan, Story
from rongmei.testing import factories
from tests.browser.conftest import run_task_worker

# Transactional (the live server sees what the test writes); serialized_rollback brings back the
# rows of the data migrations (channels, role security policies) that a flush removes.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LEAD_TITLE = "铜山湖夏南牛节下周开幕"
LEAD_TEXT = "铜山乡的养殖户说，第三届夏南牛节下周六在铜山湖景区开幕，预计游客上万人。"
HEADLINE = "夏南牛节在铜山湖开幕 万名游客赶大集"
PARAGRAPHS = [
    "本报讯 六月八日，第三届泌阳夏南牛节在铜山湖景区开幕，来自全县的养殖户带来了两百多头夏南牛参加评比。",
    "铜山乡党委书记介绍，今年全乡夏南牛存栏量同比增长一成半，花菇和牛肉礼盒在展会上十分抢手。",
]


def path_of_url(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def path_of(page) -> str:
    return path_of_url(page.url)


def pk_from(page, pattern: str) -> int:
    match = re.search(pattern, path_of(page))
    assert match, f"{pattern} not in {page.url}"
    return int(match.group(1))


def type_into_editor(page, paragraphs: list[str]) -> None:
    """Replace the rich editor's content by typing, key by key, so its input events fire."""
    editor = page.locator("#rich-editor")
    expect(editor).to_be_visible()  # editor.js shows it in place of the plain textarea
    editor.click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("Delete")
    for i, paragraph in enumerate(paragraphs):
        if i:
            page.keyboard.press("Enter")
        page.keyboard.type(paragraph)


def leave_editor_and_wait_for_autosave(page, story_pk: int, last_typed: str) -> None:
    """editor.js autosaves when the focus leaves the editor (and every 10 s while dirty); wait
    for the save that carries the typed text, so no other request runs beside it."""
    url = reverse("newsroom:story_autosave", args=[story_pk])

    def carries_the_text(response) -> bool:
        request = response.request
        return request.method == "POST" and path_of_url(request.url) == url and last_typed in (request.post_data or "")

    with page.expect_response(carries_the_text) as autosave:
        page.locator("#id_intro").click()
    assert autosave.value.ok and autosave.value.json()["saved"]


def require_totp_for_chief_editors() -> None:
    RoleSecurityPolicy.objects.update_or_create(role=Role.CHIEF_EDITOR, defaults={"require_two_factor": True})
    cache.delete(POLICY_CACHE_KEY)


def test_a_lead_becomes_a_public_story_through_three_reviewers_in_the_browser(
    log_in, new_context, reporter, editor, column_lead, chief, team, tmp_path
):
    town = Place.objects.create(name="铜山乡", kind=Place.Kind.TOWN, sort_order=1)
    website, _created = Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    require_totp_for_chief_editors()
    chief_device = TOTPDevice.objects.create(user=chief, name="手机", confirmed=True)

    # 1. The reporter files a lead and turns it into a plan for 新闻组 with a text coverage.
    reporter_page = log_in(reporter)
    page = reporter_page
    page.goto(reverse("newsroom:lead_create"))
    page.locator("#id_title").fill(LEAD_TITLE)
    page.locator("#id_description").fill(LEAD_TEXT)
    page.locator("#id_place").select_option(str(town.pk))
    page.locator("#id_team").select_option(str(team.pk))
    page.locator("main form button.btn-primary").click()
    page.wait_for_url(re.compile(r"/newsroom/leads/\d+/$"))
    lead = Lead.objects.get(pk=pk_from(page, r"/leads/(\d+)/$"))
    assert (lead.title, lead.place, lead.reported_by) == (LEAD_TITLE, town, reporter)

    plan_form = page.locator("#turn-into-plan form")
    expect(plan_form.locator("[name=plan-title]")).to_have_value(LEAD_TITLE)
    plan_form.locator("[name=plan-team]").select_option(str(team.pk))
    plan_form.locator(f"input[name=plan-channels][value='{website.pk}']").check()
    plan_form.locator("[name=plan-cov_text]").check()
    deadline = timezone.localtime() + dt.timedelta(days=2)
    plan_form.locator("[name=plan-deadline_text]").fill(deadline.strftime("%Y-%m-%dT18:00"))
    plan_form.locator("button").click()
    page.wait_for_url(re.compile(r"/newsroom/plans/\d+/$"))
    plan = Plan.objects.get(pk=pk_from(page, r"/plans/(\d+)/$"))
    assert plan.lead == lead and plan.team == team and plan.status == Plan.Status.PROPOSED
    assert list(plan.coverages.values_list("kind", flat=True)) == ["text"]
    assert list(plan.channels.all()) == [website]

    # 2. The column lead approves the plan and dispatches the text coverage to the reporter.
    lead_page = log_in(column_lead)
    page = lead_page
    page.goto(reverse("newsroom:plan", args=[plan.pk]))
    page.locator(f"#decide form[action='{reverse('newsroom:plan_approve', args=[plan.pk])}'] button").click()
    dispatch = page.locator("form.dispatch")
    expect(dispatch).to_be_visible()  # shown once the plan is approved
    expect(page.locator("#decide")).to_have_count(0)
    dispatch.locator("select[name$='-assignee']").select_option(str(reporter.pk))
    dispatch.locator("button").click()
    expect(page.locator("#coverages a[href*='/newsroom/assignments/']")).to_have_count(1)
    assignment = Assignment.objects.get(coverage__plan=plan)
    assert assignment.assignee == reporter and assignment.status == Assignment.Status.OFFERED

    # 3. The reporter sees the assignment, accepts it and writes the story in the editor.
    page = reporter_page
    page.goto(reverse("newsroom:assignments"))
    page.locator(f"a[href='{reverse('newsroom:assignment', args=[assignment.pk])}']").first.click()
    page.wait_for_url(re.compile(rf"/newsroom/assignments/{assignment.pk}/$"))
    page.locator(f"#answer form[action='{reverse('newsroom:assignment_accept', args=[assignment.pk])}'] button").click()
    page.wait_for_url(re.compile(r"/newsroom/stories/\d+/edit/$"))
    story_pk = pk_from(page, r"/stories/(\d+)/edit/$")

    page.locator("#id_headline").fill(HEADLINE)
    type_into_editor(page, PARAGRAPHS)
    expect(page.locator("#rich-editor")).to_contain_text(PARAGRAPHS[1])
    leave_editor_and_wait_for_autosave(page, story_pk, PARAGRAPHS[-1])
    status = page.locator("#autosave-status")
    expect(status).not_to_be_empty()
    expect(status).not_to_have_class(re.compile(r"field-error"))
    saved = Story.objects.get(pk=story_pk)
    assert saved.headline == HEADLINE
    assert all(p in saved.body for p in PARAGRAPHS), saved.body
    page.screenshot(path=tmp_path / "editor.png", full_page=True)

    page.locator("#story-form button[name=action][value=submit]").click()
    page.wait_for_url(re.compile(rf"/newsroom/stories/{story_pk}/$"))
    expect(page.locator("#current-version")).to_contain_text(PARAGRAPHS[0])
    assert Story.objects.get(pk=story_pk).state == Story.State.IN_REVIEW

    # 4. Three different people approve: editor (level 1), column lead (2), chief editor (3).
    story_url = reverse("newsroom:story", args=[story_pk])

    def approve(page, levels_done: int) -> None:
        page.goto(story_url)
        page.locator("#approve-form button").click()
        expect(page.locator("#review-status li.done")).to_have_count(levels_done)  # the page after the redirect
        expect(page.locator("#approve-form")).to_have_count(0)  # one level per person and version

    approve(log_in(editor), 1)
    approve(lead_page, 2)
    chief_page = log_in(chief, totp_device=chief_device)
    approve(chief_page, 3)
    expect(chief_page.locator("#review-status .state-approved")).to_be_visible()

    story = Story.objects.select_related("current_version").get(pk=story_pk)
    assert story.state == Story.State.APPROVED
    approvals = list(Approval.objects.filter(version=story.current_version).order_by("level"))
    assert [a.level for a in approvals] == [1, 2, 3]
    assert [a.reviewer for a in approvals] == [editor, column_lead, chief]
    assert len({a.reviewer_id for a in approvals}) == 3
    assert story.signed_off_by == chief

    # 5. The chief editor publishes it on the website; the task worker sends it.
    chief_page.goto(reverse("distribution:story", args=[story_pk]))
    chief_page.locator(f"input[name=channels][value='{website.pk}']").check()
    chief_page.locator(f"form[action='{reverse('distribution:story', args=[story_pk])}'] button.btn-primary").click()
    expect(chief_page.locator(".msg.success")).to_be_visible()
    run_task_worker()
    chief_page.reload()
    expect(chief_page.locator("td .badge.state-published")).to_have_count(1)

    # 6. Anyone, not logged in, finds the story on the public page and reads it.
    page = new_context().new_page()
    page.goto(reverse("portal:index"))
    page.locator("a.story-link", has_text=HEADLINE).click()
    page.wait_for_url(re.compile(rf"/news/{story_pk}/$"))
    expect(page.locator("h1")).to_have_text(HEADLINE)
    body = page.locator(".article-body")
    for paragraph in PARAGRAPHS:
        expect(body).to_contain_text(paragraph)
    # Each typed paragraph stays a paragraph of its own.
    expect(body.locator("p")).to_have_count(len(PARAGRAPHS))
    page.screenshot(path=tmp_path / "public.png", full_page=True)


def test_a_blocked_submit_highlights_the_words_and_keeps_the_typed_text(log_in, reporter, team, tmp_path):
    category = WordCategory.objects.create(name="测试禁用", severity=WordCategory.Severity.BLOCK)
    SensitiveWord.objects.create(category=category, word="违禁词甲")
    safety.lists_changed()
    story = factories.draft_story(reporter, team)
    headline = "铜山湖景区游客增多"
    typed = "铜山湖景区出现了违禁词甲，游客比去年多了两成。"
    edit_url = reverse("newsroom:story_edit", args=[story.pk])

    page = log_in(reporter)
    page.goto(edit_url)
    page.locator("#id_headline").fill(headline)
    type_into_editor(page, [typed])
    leave_editor_and_wait_for_autosave(page, story.pk, typed)
    page.locator("#story-form button[name=action][value=submit]").click()

    safety_box = page.locator("#safety")
    expect(safety_box.locator("[role=alert]")).to_be_visible()
    expect(safety_box.locator("mark.block").first).to_have_text("违禁词甲")
    expect(safety_box.locator(".proof mark.block")).to_have_text("违禁词甲")  # marked in place, in the text
    expect(page.locator("#id_headline")).to_have_value(headline)
    expect(page.locator("#rich-editor")).to_contain_text(typed)
    page.screenshot(path=tmp_path / "blocked.png", full_page=True)

    # Open the editor again (a GET, like a reload): the typed draft is still there.
    page.goto(edit_url)
    expect(page.locator("#safety")).to_have_count(0)
    expect(page.locator("#id_headline")).to_have_value(headline)
    expect(page.locator("#rich-editor")).to_contain_text(typed)

    story.refresh_from_db()
    assert story.state == Story.State.DRAFT
    assert story.headline == headline and typed in story.body
