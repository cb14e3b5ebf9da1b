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
