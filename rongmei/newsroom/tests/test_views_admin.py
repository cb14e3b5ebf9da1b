"""The newsroom's admin pages: every model is listed; versions and approvals are read-only."""

from __future__ import annotations

from django.urls import reverse

from rongmei.accounts.models import Role
from rongmei.newsroom.models import Approval, StoryVersion
from rongmei.newsroom.tests.test_views_common import as_user
from rongmei.testing import factories
from rongmei.testing.personas import make_user


def test_admin_lists_every_newsroom_model_and_keeps_versions_and_approvals_read_only(people):
    story = factories.signed_off_story(people["reporter"], people["team"], [people["editor"], people["column_lead"], people["chief"]])
    admin = make_user("root", "管理员", Role.ADMIN, is_staff=True, is_superuser=True)
    client = as_user(admin)
    for model in (
        "lead",
        "plan",
        "assignment",
        "reviewstep",
        "story",
        "storyversion",
        "approval",
        "reviewcomment",
        "editlock",
        "safetyoverride",
    ):
        assert client.get(reverse(f"admin:newsroom_{model}_changelist")).status_code == 200, model
    version = StoryVersion.objects.get(story=story)
    approval = Approval.objects.filter(version=version).first()
    assert client.get(reverse("admin:newsroom_storyversion_add")).status_code == 403
    assert client.get(reverse("admin:newsroom_storyversion_delete", args=[version.pk])).status_code == 403
    assert client.get(reverse("admin:newsroom_approval_delete", args=[approval.pk])).status_code == 403
    page = client.get(reverse("admin:newsroom_storyversion_change", args=[version.pk]))
    assert page.status_code == 200 and 'name="headline"' not in page.content.decode()
    assert client.get(reverse("admin:newsroom_story_change", args=[story.pk])).status_code == 200
