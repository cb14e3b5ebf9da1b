import pytest
from django.core.cache import cache

from rongmei.accounts.middleware import POLICY_CACHE_KEY, roles_requiring_two_factor
from rongmei.accounts.models import ApiToken, RoleSecurityPolicy
from rongmei.accounts.services import create_token
from rongmei.testing.personas import make_user


@pytest.fixture
def superuser(db):
    user = make_user("root", "系统管理员", "admin", is_staff=True, is_superuser=True)
    return user


@pytest.fixture
def admin_client(client, superuser):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # The admin role needs 2FA: verify this session the way the two-factor page does.
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    client.force_login(superuser)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/accounts/team/",
        "/admin/accounts/rolesecuritypolicy/",
        "/admin/accounts/apitoken/",
    ],
)
def test_admin_lists_open(admin_client, people, url):
    assert admin_client.get(url).status_code == 200


def test_admin_user_and_team_pages_open(admin_client, people):
    assert admin_client.get(f"/admin/accounts/user/{people['reporter'].pk}/change/").status_code == 200
    response = admin_client.get(f"/admin/accounts/team/{people['team'].pk}/change/")
    assert response.status_code == 200
    assert "review_steps" in response.content.decode()


def test_changing_a_role_policy_in_the_admin_takes_effect_at_once(admin_client, people):
    assert "reporter" not in roles_requiring_two_factor()
    assert cache.get(POLICY_CACHE_KEY) is not None
    policies = list(RoleSecurityPolicy.objects.order_by("id"))
    data = {
        "form-TOTAL_FORMS": str(len(policies)),
        "form-INITIAL_FORMS": str(len(policies)),
        "_save": "Save",
    }
    for i, policy in enumerate(policies):
        data[f"form-{i}-id"] = str(policy.pk)
        if policy.require_two_factor or policy.role == "reporter":
            data[f"form-{i}-require_two_factor"] = "on"
    response = admin_client.post("/admin/accounts/rolesecuritypolicy/", data)
    assert response.status_code == 302
    assert RoleSecurityPolicy.objects.get(role="reporter").require_two_factor
    assert "reporter" in roles_requiring_two_factor()


def test_api_tokens_cannot_be_added_or_edited_in_the_admin(admin_client, reporter):
    token, _raw = create_token(actor=reporter, name="脚本")
    assert admin_client.get("/admin/accounts/apitoken/add/").status_code == 403
    page = admin_client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()


def test_admin_can_revoke_tokens_with_the_action(admin_client, reporter):
    token, _raw = create_token(actor=reporter, name="脚本")
    response = admin_client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [str(token.pk)]})
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def _team_change_post(team, steps):
    data = {
        "name": team.name,
        "slug": team.slug,
        "lead": team.lead_id or "",
        "members": [m.pk for m in team.members.all()],
        "sort_order": team.sort_order,
        "review_steps-TOTAL_FORMS": str(len(steps)),
        "review_steps-INITIAL_FORMS": "0",
        "review_steps-MIN_NUM_FORMS": "0",
        "review_steps-MAX_NUM_FORMS": "1000",
    }
    for i, (level, name, role) in enumerate(steps):
        data.update(
            {
                f"review_steps-{i}-level": level,
                f"review_steps-{i}-name": name,
                f"review_steps-{i}-role": role,
                f"review_steps-{i}-team": team.pk,
            }
        )
    return data


def test_review_levels_cannot_change_under_stories_in_review(admin_client, reporter, team):
    from django.urls import reverse

    from rongmei.newsroom.models import ReviewStep
    from rongmei.testing import factories

    url = reverse("admin:accounts_team_change", args=[team.pk])
    two_levels = [(1, "初审", "editor"), (2, "终审", "chief_editor")]
    factories.story_in_review(reporter, team)
    refused = admin_client.post(url, _team_change_post(team, two_levels))
    assert refused.status_code == 200  # the form again, with the error
    assert not ReviewStep.objects.filter(team=team).exists()


def test_review_levels_of_a_team_without_stories_in_review_can_change(admin_client, team):
    from django.urls import reverse

    from rongmei.newsroom.models import ReviewStep

    url = reverse("admin:accounts_team_change", args=[team.pk])
    response = admin_client.post(url, _team_change_post(team, [(1, "初审", "editor"), (2, "终审", "chief_editor")]))
    assert response.status_code == 302
    assert list(ReviewStep.objects.filter(team=team).values_list("level", "role")) == [(1, "editor"), (2, "chief_editor")]
