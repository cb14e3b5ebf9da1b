import pytest

from rongmei.accounts.models import Role
from rongmei.testing.personas import make_user

WORDLISTS = "wordlists/konsheng_Sensitive-lexicon"


@pytest.fixture
def admin_user(db):
    """孔管理: the system administrator who manages the word lists (role admin, staff, not superuser)."""
    return make_user("kongadmin", "孔管理", Role.ADMIN, is_staff=True)
