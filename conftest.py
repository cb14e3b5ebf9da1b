import pytest

from rongmei.testing.personas import PERSONAS, make_newsroom


@pytest.fixture
def people(db):
    return make_newsroom()


def _persona(name):
    @pytest.fixture
    def fixture(people):
        return people[name]

    fixture.__name__ = name
    return fixture


for _name in (*PERSONAS, "team", "other_team"):
    globals()[_name] = _persona(_name)


@pytest.fixture(autouse=True)
def _fast_tests(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = True


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
