"""Findings of the code review in the newsroom screens and the admin, each pinned by a test."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rongmei.accounts.models import Role, User
from rongmei.core.models import AuditLog, SensitiveWord, WordCategory
from rongmei.newsroom import services
from rongmei.newsroom.models import Approval, EditLock, ReviewStep, SafetyOverride, Story
from rongmei.newsroom.tests.test_views_common import as_user
from rongmei.testing import factories
from rongmei.testing.personas import make_user

BLOCKED_WORD = "违禁词甲"


@pytest.fixture
def words(db):
    from rongmei.core import safety

    block = WordCategory.objects.create(name="测试禁用", severity="block")
    SensitiveWord.objects.create(category=block, word=BLOCKED_WORD)
    safety.lists_changed()


@pytest.fixture
def superuser(db):
    return make_user("root", "管理员", Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def citizen(db):
    """An active account that is not newsroom staff."""
    user = make_user("citizen1", "市民甲", Role.REPORTER)
    User.objects.filter(pk=user.pk).update(role="app_user")
    user.refresh_from_db()
    return user


def typed(story, **overrides):
    data = {
        "headline": story.headline,
        "subtitle": story.subtitle,
        "intro": story.intro,
        "body": story.body,
        "source": story.source,
        "keywords": ", ".join(story.keywords or []),
        "note": "",
    }
    data.update(overrides)
    return data


def edit_url(story):
    return reverse("newsroom:story_edit", args=[story.pk])


# --- 1. the admin is for looking only -----------------------------------------------------------


READ_ONLY = [
    "lead",
    "leadattachment",
    "leadsimilarity",
    "plan",
    "coverage",
    "assignment",
    "story",
    "storyversion",
    "approval",
    "safetyoverride",
    "reviewcomment",
    "editlock",
]


def test_the_admin_cannot_change_a_story_behind_the_services_back(people, superuser):
    story = factories.signed_off_story(people["reporter"], people["team"], [people["editor"], people["column_lead"], people["chief"]])
    client = as_user(superuser)
    url = reverse("admin:newsroom_story_change", args=[story.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="body"' not in page.content.decode()
    lines = AuditLog.objects.count()
    response = client.post(
        url,
        {
            "headline": story.headline,
            "body": "<p>改写</p><script>alert(1)</script>",
            "state": Story.State.DRAFT,
            "team": story.team_id,
            "authors": [people["editor"].pk],
        },
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert "改写" not in story.body and story.state == Story.State.APPROVED
    assert list(story.authors.all()) == [people["reporter"]]
    assert AuditLog.objects.count() == lines


@pytest.mark.parametrize("model", READ_ONLY)
def test_every_service_written_model_is_viewable_but_not_addable_in_the_admin(people, superuser, model):
    client = as_user(superuser)
    assert client.get(reverse(f"admin:newsroom_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:newsroom_{model}_add")).status_code == 403


def test_the_admin_cannot_delete_a_lead_or_a_lock_and_still_edits_the_review_chain(people, superuser):
    lead = services.create_lead(actor=people["reporter"], title="铜山湖候鸟增多", description="湖区候鸟明显增加。")
    story = factories.draft_story(people["reporter"], people["team"])
    lock = services.acquire_lock(actor=people["reporter"], story=story)
    client = as_user(superuser)
    assert client.post(reverse("admin:newsroom_lead_delete", args=[lead.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:newsroom_editlock_delete", args=[lock.pk]), {"post": "yes"}).status_code == 403
    assert EditLock.objects.filter(pk=lock.pk).exists()
    step = ReviewStep.objects.create(team=people["other_team"], level=1, name="一审", role=Role.EDITOR)
    page = client.get(reverse("admin:newsroom_reviewstep_change", args=[step.pk]))
    assert page.status_code == 200 and 'name="name"' in page.content.decode()


# --- 2. the read-only page renders only sanitized markup -----------------------------------------


def test_the_locked_page_renders_the_body_sanitized(people):
    story = factories.draft_story(people["reporter"], people["team"])
    # Markup that bypassed the services (an import, an old row): the page must not run it.
    Story.objects.filter(pk=story.pk).update(body='<p>正文</p><script>alert(1)</script><img src="x" onerror="alert(2)">')
    services.acquire_lock(actor=people["reporter"], story=story)
    page = as_user(people["editor"]).get(edit_url(story))
    html = page.content.decode()
    assert page.status_code == 200 and "<p>正文</p>" in html
    assert "<script>alert(1)" not in html and "onerror" not in html


# --- 3. saving blocked words during review --------------------------------------------------------


def test_an_editor_saving_a_blocked_word_in_review_gets_the_hit_marked_and_keeps_the_text(people, words):
    story = factories.story_in_review(people["reporter"], people["team"])
    client = as_user(people["editor"])
    client.get(edit_url(story))
    body = f"<p>新增一段{BLOCKED_WORD}内容</p>"
    response = client.post(edit_url(story), {"action": "save", **typed(story, body=body)})
    assert response.status_code == 422
    html = response.content.decode()
    assert f'<mark class="block" title="测试禁用">{BLOCKED_WORD}</mark>' in html
    assert f"新增一段{BLOCKED_WORD}" in html.split('id="story-form"')[1]  # the typed text is still in the editor
    assert 'id="safety"' in html and "<p>" + str(_no_words_message()) not in html
    story.refresh_from_db()
    assert story.current_version.number == 1 and story.state == Story.State.IN_REVIEW
    assert BLOCKED_WORD in story.body  # kept in the working copy, not in a version


def _no_words_message():
    from django.utils.translation import gettext

    return gettext("No sensitive words found.")


def test_the_chief_saves_a_blocked_word_in_review_with_a_reason(people, words):
    story = factories.story_in_review(people["reporter"], people["team"])
    services.approve(actor=people["editor2"], story=story)
    story.refresh_from_db()
    assert story.review_level == 2
    chief = as_user(people["chief"])
    chief.get(edit_url(story))
    body = f"<p>引用原文{BLOCKED_WORD}</p>"
    refused = chief.post(edit_url(story), {"action": "save", **typed(story, body=body)})
    assert refused.status_code == 422 and 'name="override_reason"' in refused.content.decode()
    response = chief.post(edit_url(story), {"action": "save", "override_reason": "引用原文，已核实", **typed(story, body=body)})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.current_version.number == 2 and BLOCKED_WORD in story.current_version.body
    assert story.state == Story.State.IN_REVIEW and story.review_level == 1
    override = SafetyOverride.objects.get(version=story.current_version)
    assert override.by == people["chief"] and override.reason == "引用原文，已核实"


# --- 4. lead attachments, for staff only ------------------------------------------------------------


@pytest.fixture
def lead_with_file(people):
    upload = SimpleUploadedFile("现场.html", b"<script>alert(1)</script>", content_type="text/html")
    lead = services.create_lead(actor=people["reporter"], title="铜山湖候鸟增多", description="湖区候鸟明显增加。", attachments=[upload])
    return lead, lead.attachments.get()


def test_staff_download_a_lead_attachment_as_a_file(people, lead_with_file):
    lead, attachment = lead_with_file
    url = reverse("newsroom:lead_attachment", args=[lead.pk, attachment.pk])
    page = as_user(people["editor"]).get(reverse("newsroom:lead", args=[lead.pk])).content.decode()
    assert url in page and 'href="/media/' not in page  # never a public link to the uploaded file
    response = as_user(people["editor"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_others_cannot_download_a_lead_attachment(people, citizen, lead_with_file):
    lead, attachment = lead_with_file
    url = reverse("newsroom:lead_attachment", args=[lead.pk, attachment.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert as_user(citizen).get(url).status_code == 403
    other = services.create_lead(actor=people["reporter"], title="盘古山文化节筹备", description="文化节筹备。")
    wrong = reverse("newsroom:lead_attachment", args=[other.pk, attachment.pk])
    assert as_user(people["editor"]).get(wrong).status_code == 404


# --- 5. the calendar far in the past or future ------------------------------------------------------


@pytest.mark.parametrize("query", ["?date=9999-12-31", "?date=0001-01-01&view=week", "?date=9999-12-31&view=day", "?date=1999-12-31"])
def test_the_calendar_falls_back_to_today_outside_the_supported_years(people, query):
    response = as_user(people["editor"]).get(reverse("newsroom:calendar") + query)
    assert response.status_code == 200
    assert response.context["start"] <= timezone.localdate() <= response.context["end"]


# --- 7. who is editing -----------------------------------------------------------------------------


def test_the_story_page_and_lists_show_who_is_editing_and_leads_may_force_the_lock(people):
    story = factories.draft_story(people["reporter"], people["team"])
    lock = services.acquire_lock(actor=people["reporter"], story=story)
    until = timezone.localtime(lock.expires_at).strftime("%H:%M")
    unlock = reverse("newsroom:story_unlock", args=[story.pk])

    lead_page = as_user(people["column_lead"]).get(reverse("newsroom:story", args=[story.pk])).content.decode()
    presence = lead_page.split('id="presence"')[1].split("</div>")[0]
    assert "王小记" in presence and until in presence and unlock in presence

    editor_page = as_user(people["editor"]).get(reverse("newsroom:story", args=[story.pk])).content.decode()
    assert 'id="presence"' in editor_page and unlock not in editor_page

    own_page = as_user(people["reporter"]).get(reverse("newsroom:story", args=[story.pk])).content.decode()
    assert 'id="presence"' not in own_page

    for name in ("newsroom:stories", "newsroom:board"):
        listing = as_user(people["editor"]).get(reverse(name)).content.decode()
        assert 'class="badge presence"' in listing and "王小记" in listing, name

    EditLock.objects.filter(pk=lock.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    expired = as_user(people["column_lead"]).get(reverse("newsroom:story", args=[story.pk])).content.decode()
    assert 'id="presence"' not in expired


# --- 9. approving needs the version read -------------------------------------------------------------


@pytest.mark.parametrize("data", [{}, {"version": ""}, {"version": "abc"}, {"version": "99999999999999999999"}])
def test_an_approval_without_the_version_read_is_not_recorded(people, data):
    story = factories.story_in_review(people["reporter"], people["team"])
    client = as_user(people["editor"])
    page = client.get(reverse("newsroom:story", args=[story.pk])).content.decode()
    approve_form = page.split('id="approve-form"')[1].split("</form>")[0]
    assert f'name="version" value="{story.current_version.number}"' in approve_form
    response = client.post(reverse("newsroom:story_approve", args=[story.pk]), data)
    assert response.status_code == 302
    assert not Approval.objects.filter(version__story=story).exists()
    client.post(reverse("newsroom:story_approve", args=[story.pk]), {"version": story.current_version.number})
    assert Approval.objects.filter(version__story=story).count() == 1


# --- 10. the byline in the editor ------------------------------------------------------------------


def test_an_author_adds_the_photographer_to_the_byline_when_saving(people):
    story = factories.draft_story(people["reporter"], people["team"])
    client = as_user(people["reporter"])
    page = client.get(edit_url(story)).content.decode()
    assert 'name="authors"' in page and f'<option value="{people["reporter"].pk}" selected>' in page
    authors = [people["reporter"].pk, people["photographer"].pk]
    response = client.post(edit_url(story), {"action": "save", "authors": authors, "authors_sent": "True", **typed(story)})
    assert response.status_code == 302
    assert set(story.authors.values_list("pk", flat=True)) == set(authors)
    assert AuditLog.objects.filter(action="story.authors", actor=people["reporter"]).exists()


def test_the_column_lead_sets_the_byline_when_submitting(people):
    story = factories.draft_story(people["reporter"], people["team"])
    client = as_user(people["column_lead"])
    client.get(edit_url(story))
    authors = [people["reporter"].pk, people["reporter2"].pk]
    response = client.post(edit_url(story), {"action": "submit", "authors": authors, "authors_sent": "True", **typed(story)})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.state == Story.State.IN_REVIEW
    assert set(story.authors.values_list("pk", flat=True)) == set(authors)


def test_an_empty_byline_is_refused_on_the_form_and_the_text_is_kept(people):
    story = factories.draft_story(people["reporter"], people["team"])
    client = as_user(people["reporter"])
    client.get(edit_url(story))
    response = client.post(edit_url(story), {"action": "save", "authors_sent": "True", **typed(story, headline="新标题保留下来")})
    assert response.status_code == 400
    assert 'value="新标题保留下来"' in response.content.decode()
    assert list(story.authors.all()) == [people["reporter"]]


@pytest.mark.parametrize("who", ["editor", "reporter_in_review"])
def test_others_see_the_byline_read_only_and_cannot_change_it(people, who):
    if who == "editor":  # may edit the draft, but is neither an author nor the lead
        story, person = factories.draft_story(people["reporter"], people["team"]), people["editor"]
    else:  # an author, but review has started
        story, person = factories.story_in_review(people["reporter"], people["team"]), people["reporter"]
    client = as_user(person)
    page = client.get(edit_url(story)).content.decode()
    assert 'name="authors"' not in page and 'id="authors-readonly"' in page and "王小记" in page
    client.post(edit_url(story), {"action": "save", "authors": [person.pk], "authors_sent": "True", **typed(story)})
    assert list(story.authors.all()) == [people["reporter"]]
    assert not AuditLog.objects.filter(action="story.authors").exists()


def test_an_author_id_beyond_the_database_range_is_a_form_error(people):
    story = factories.draft_story(people["reporter"], people["team"])
    client = as_user(people["reporter"])
    client.get(edit_url(story))
    data = {"action": "save", "authors": ["99999999999999999999"], "authors_sent": "True", **typed(story)}
    assert client.post(edit_url(story), data).status_code == 400
