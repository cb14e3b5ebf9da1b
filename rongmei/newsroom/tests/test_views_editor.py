"""The story editor: submit with sensitive words, the edit lock, autosave, keywords, diffs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rongmei.core.models import SensitiveWord, WordCategory
from rongmei.newsroom import services
from rongmei.newsroom.models import EditLock, Story
from rongmei.newsroom.tests.test_views_common import as_user
from rongmei.testing import factories

BLOCKED_BODY = "<p>铜山湖景区出现了违禁词甲，游客很多。</p>"


@pytest.fixture
def words(db):
    from rongmei.core import safety

    block = WordCategory.objects.create(name="测试禁用", severity="block")
    flag = WordCategory.objects.create(name="测试提示", severity="flag")
    SensitiveWord.objects.create(category=block, word="违禁词甲")
    SensitiveWord.objects.create(category=flag, word="游客很多")
    safety.lists_changed()


def edit_url(story):
    return reverse("newsroom:story_edit", args=[story.pk])


def content(**overrides):
    data = {
        "headline": "铜山湖畔夏南牛养殖户的新生活",
        "subtitle": "",
        "intro": "导语",
        "body": factories.BODY,
        "source": "",
        "keywords": "",
    }
    data.update(overrides)
    return data


def test_a_refused_submit_keeps_the_typed_draft_and_marks_every_hit(people, words):
    story = factories.draft_story(people["reporter"], people["team"])
    client = as_user(people["reporter"])
    client.get(edit_url(story))
    response = client.post(edit_url(story), {"action": "submit", **content(headline="新标题保留下来", body=BLOCKED_BODY)})
    assert response.status_code == 422
    page = response.content.decode()
    assert '<mark class="block" title="测试禁用">违禁词甲</mark>' in page
    assert '<mark class="flag" title="测试提示">游客很多</mark>' in page
    assert 'value="新标题保留下来"' in page
    assert 'name="override_reason"' not in page  # only the chief editor may override
    story.refresh_from_db()
    assert story.state == Story.State.DRAFT
    assert story.headline == "新标题保留下来" and "违禁词甲" in story.body


def test_the_chief_editor_overrides_a_block_with_a_written_reason(people, words):
    story = factories.draft_story(people["reporter"], people["team"], body=BLOCKED_BODY)
    chief = as_user(people["chief"])
    chief.get(edit_url(story))
    response = chief.post(edit_url(story), {"action": "submit", **content(body=BLOCKED_BODY)})
    assert response.status_code == 422 and 'name="override_reason"' in response.content.decode()
    response = chief.post(edit_url(story), {"action": "submit", "override_reason": "引用原文，已核实", **content(body=BLOCKED_BODY)})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.state == Story.State.IN_REVIEW
    assert story.current_version.safety_overrides.get().reason == "引用原文，已核实"


def test_check_sensitive_words_highlights_without_submitting(people, words):
    story = factories.draft_story(people["reporter"], people["team"])
    client = as_user(people["reporter"])
    client.get(edit_url(story))
    response = client.post(edit_url(story), {"action": "check", **content(body=BLOCKED_BODY)})
    assert response.status_code == 200
    assert 'class="block"' in response.content.decode()
    story.refresh_from_db()
    assert story.state == Story.State.DRAFT


def test_bad_input_in_the_editor_shows_a_field_error_and_keeps_the_text(people):
    story = factories.draft_story(people["reporter"], people["team"])
    client = as_user(people["reporter"])
    client.get(edit_url(story))
    response = client.post(edit_url(story), {"action": "submit", **content(headline="短", body="<p>正文不丢</p>")})
    assert response.status_code == 400
    page = response.content.decode()
    assert "field-error" in page and "正文不丢" in page
    story.refresh_from_db()
    assert story.state == Story.State.DRAFT


def test_save_version_makes_a_new_version_and_the_diff_shows_the_change(people):
    story = factories.story_in_review(people["reporter"], people["team"])
    services.return_story(actor=people["editor"], story=story, reason="改一下")
    client = as_user(people["reporter"])
    client.get(edit_url(story))
    body = factories.BODY.replace("两成", "三成")
    assert client.post(edit_url(story), {"action": "save", "note": "改数据", **content(body=body)}).status_code == 302
    story.refresh_from_db()
    assert story.current_version.number == 2
    page = client.get(reverse("newsroom:story_diff", args=[story.pk]) + "?a=1&b=2").content.decode()
    assert "<del>两成</del>" in page and "<ins>三成</ins>" in page


def test_the_edit_lock_shows_the_holder_and_only_leads_may_force_it(people):
    story = factories.draft_story(people["reporter"], people["team"])
    as_user(people["reporter"]).get(edit_url(story))
    editor = as_user(people["editor"])
    page = editor.get(edit_url(story)).content.decode()
    assert "王小记" in page and 'name="headline"' not in page
    assert reverse("newsroom:story_unlock", args=[story.pk]) not in page
    assert editor.post(reverse("newsroom:story_unlock", args=[story.pk])).status_code == 403
    assert EditLock.objects.get(story=story).holder == people["reporter"]

    lead = as_user(people["column_lead"])
    assert reverse("newsroom:story_unlock", args=[story.pk]) in lead.get(edit_url(story)).content.decode()
    assert lead.post(reverse("newsroom:story_unlock", args=[story.pk])).status_code == 302
    assert 'name="headline"' in lead.get(edit_url(story)).content.decode()
    assert EditLock.objects.get(story=story).holder == people["column_lead"]


def test_autosave_stores_the_working_copy_and_renews_the_lock(people):
    story = factories.draft_story(people["reporter"], people["team"])
    client = as_user(people["reporter"])
    url = reverse("newsroom:story_autosave", args=[story.pk])
    data = client.post(url, {"headline": "自动保存的标题", "body": "<p>自动保存的正文</p>"}).json()
    assert data["ok"] and data["saved"] and data["time"]
    story.refresh_from_db()
    assert story.headline == "自动保存的标题" and story.current_version is None
    assert client.post(url).json()["ok"]  # heartbeat
    refused = client.post(url, {"headline": ""})
    assert refused.status_code == 400 and refused.json()["field"] == "headline"
    other = as_user(people["editor"]).post(url, {"headline": "抢着改"})
    assert other.status_code == 409 and other.json()["code"] == "locked"
    assert client.post(reverse("newsroom:story_release", args=[story.pk])).status_code == 204
    assert not EditLock.objects.filter(story=story).exists()


def test_someone_who_may_not_edit_gets_403(people):
    story = factories.draft_story(people["reporter"], people["team"])
    outsider = as_user(people["outsider"])
    assert outsider.get(edit_url(story)).status_code == 403
    assert outsider.post(reverse("newsroom:story_autosave", args=[story.pk]), {"headline": "x"}).status_code == 403
    assert outsider.post(reverse("newsroom:story_keywords", args=[story.pk])).status_code == 403


def test_keywords_are_suggested_from_the_typed_text(people):
    story = factories.draft_story(people["reporter"], people["team"])
    client = as_user(people["reporter"])
    data = client.post(reverse("newsroom:story_keywords", args=[story.pk]), {"headline": "夏南牛", "body": factories.BODY}).json()
    assert data["ok"] and "夏南牛" in data["keywords"]


def test_editing_a_published_story_is_a_correction_that_needs_a_note_and_loses_nothing(people):
    from django.utils.translation import gettext

    reviewers = [people["editor"], people["column_lead"], people["chief"]]
    story = factories.published_story(people["reporter"], people["team"], reviewers)
    client = as_user(people["reporter"])
    page = client.get(edit_url(story)).content.decode()
    assert 'id="correction-hint"' in page
    body = factories.BODY.replace("两成", "三成")
    response = client.post(edit_url(story), {"action": "save", "note": "", **content(body=body)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "field-error" in page and "三成" in page
    assert gettext("Say what this correction changes (it is shown with the corrected story).") in page
    story.refresh_from_db()
    assert story.state == Story.State.PUBLISHED and story.current_version.number == 1
    assert "三成" in story.body  # the typed text is kept in the working copy
    assert client.post(edit_url(story), {"action": "save", "note": "更正游客增幅", **content(body=body)}).status_code == 302
    story.refresh_from_db()
    assert story.current_version.number == 2 and story.state == Story.State.IN_REVIEW
