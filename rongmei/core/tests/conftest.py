import pytest

from rongmei.accounts.models import Role
from rongmei.testing.personas import make_user

WORDLISTS = "wordlists/konsheng_Sensitive-lexicon"


@pytest.fixture
def admin_user(db):
    """孔管理: the system administrator who manages the word lists (role admin, staff, not superuser)."""
    return make_user("kongadmin", "孔管理", Role.ADMIN, is_staff=True)


@pytest.fixture(autouse=True)
def _word_lists_start_empty(request):
    """These tests count categories, words and allowed phrases from an empty start. The ad-law
    list that rongmei/advertising/migrations/0003_ad_law_words.py adds (an opt-in category that
    plain scans never match) is taken out first."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    import importlib

    from rongmei.core import safety
    from rongmei.core.models import AllowedPhrase, WordCategory

    ad_law = importlib.import_module("rongmei.advertising.migrations.0003_ad_law_words")
    WordCategory.objects.filter(name=safety.AD_LAW).delete()
    AllowedPhrase.objects.filter(phrase__in=[phrase for phrase, _note in ad_law.ALLOWED]).delete()
    safety.lists_changed()
