import pytest

from rongmei.advertising.models import AdSlot
from rongmei.business.tests.people import ad_client, admin_user, sales, sales2  # noqa: F401


@pytest.fixture
def banner(db):
    return AdSlot.objects.get(code="banner")
