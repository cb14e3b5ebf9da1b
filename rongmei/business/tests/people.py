"""The operations people and the client the business and advertising tests share, as fixtures
(the two packages' conftest modules import them)."""

from __future__ import annotations

import pytest

from rongmei.accounts.models import Role
from rongmei.business.models import Client
from rongmei.testing.personas import make_user


@pytest.fixture
def sales(db):
    return make_user("sunjy", "孙经营", Role.OPERATIONS)


@pytest.fixture
def sales2(db):
    return make_user("lixs", "李销售", Role.OPERATIONS)


@pytest.fixture
def admin_user(db):
    return make_user("admin1", "管理员", Role.ADMIN)


@pytest.fixture
def ad_client(sales):
    """A client made directly (no credit code): the advertiser of the campaign tests."""
    return Client.objects.create(kind="enterprise", name="泌阳县夏南牛业有限公司", created_by=sales)
