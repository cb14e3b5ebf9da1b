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


@pytest.fixture
def county(db):
    """Units, their staff, categories and two citizens for 问政 (rongmei/testing/inquiries.py)."""
    from rongmei.testing.inquiries import make_units

    return make_units()


def _county_persona(name):
    @pytest.fixture
    def fixture(county):
        return county[name]

    fixture.__name__ = name
    return fixture


for _name in ("unit", "other_unit", "parent_unit", "unit_staff", "unit_leader", "other_unit_staff", "citizen", "other_citizen"):
    globals()[_name] = _county_persona(_name)


@pytest.fixture
def reviewers(editor, column_lead, chief):
    """One reviewer per level of the default three-level chain, in order."""
    return [editor, column_lead, chief]


@pytest.fixture
def english(settings):
    """For tests that read messages by their English msgids, whatever the compiled catalogue says
    (tests/test_i18n.py checks the Chinese). Apps whose tests all do so use it autouse."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_tests(settings, tmp_path, tmp_path_factory):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RONGMEI = {**settings.RONGMEI, "PAGES_ROOT": tmp_path / "pages"}
    # Live HLS, recordings and transcoder state of a test stay in its own folder; the demo video
    # of the seeded relay room (read only, seconds of ffmpeg to make) is made once per process.
    settings.RONGMEI_LIVE = {
        **settings.RONGMEI_LIVE,
        "ROOT": tmp_path / "live",
        "DEMO_DIR": tmp_path_factory.getbasetemp() / "live-demo",
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = True
    # Builders send the same words for many questions on purpose; a question sent again is one
    # question (rongmei/inquiries/services.py RESEND_SECONDS) in the tests that say so.
    settings.RONGMEI_INQUIRIES = {**settings.RONGMEI_INQUIRIES, "RESEND_SECONDS": 0}


@pytest.fixture(autouse=True)
def _fresh_similar_index():
    """The similar-question index lives in the process; rolled-back tests reuse ids and receipts."""
    from rongmei.inquiries.services import reset_similar_index

    reset_similar_index()
    yield


@pytest.fixture(scope="session", autouse=True)
def _force_login_marks_the_second_factor_verified():
    """Privileged actions need a recent second factor (rongmei/accounts/stepup.py). A test that
    logs in with ``force_login`` gets a session verified just now, as the two-factor page gives
    after a real login, so the check stays on everywhere (rongmei/testing/stepup.py; its own tests
    move the mark back or remove it)."""
    from rongmei.testing.stepup import install_verified_force_login

    undo = install_verified_force_login()
    yield
    undo()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _rows_of_data_migrations(request):
    """A transaction=True test ends with a flush of every table, which also removes the rows the
    data migrations made (the channels, the roles' security policies). Put them back before each
    such test, whichever test ran before it in this process."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    for module, function in (
        ("rongmei.distribution.migrations.0002_channels", "create_channels"),
        ("rongmei.accounts.migrations.0002_default_policies", "create_policies"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def partners(operator):
    """Two self-media partners, each with one login (rongmei/testing/partners.py)."""
    from rongmei.testing.partners import make_partner

    first, first_login = make_partner(operator, "泌阳微帮", username="zmt1")
    second, second_login = make_partner(operator, "泌阳在线", username="zmt2")
    return {"partner": first, "partner_login": first_login, "other_partner": second, "other_partner_login": second_login}


def _partner_persona(name):
    @pytest.fixture
    def fixture(partners):
        return partners[name]

    fixture.__name__ = name
    return fixture


for _name in ("partner", "partner_login", "other_partner", "other_partner_login"):
    globals()[_name] = _partner_persona(_name)


@pytest.fixture
def practice(operator):
    """The practice network, a team with leader and members, a resident (rongmei/testing/practice.py)."""
    from rongmei.testing.practice import make_practice

    return make_practice(operator)


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_in_memory_sqlite():
    """Django's live server hands every request thread the one connection of an in-memory SQLite
    test database (LiveServerTestCase._make_connections_override). A browser loading a page
    fires several requests at once, and their queries and transactions then interleave on that
    connection: now and then one fails, and a page loses a part that its script fetches. Run the
    live server's Django part one request at a time there (not the streaming of a response, so a
    video's range requests cannot hold the others up). PostgreSQL runs keep real concurrency."""
    import threading

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections

    lock = threading.Lock()
    original = WSGIHandler.__call__

    def serialized(self, environ, start_response):
        # Asked per request: the test database replaces the configured one after this starts.
        if not any(c.vendor == "sqlite" and c.is_in_memory_db() for c in connections.all()):
            return original(self, environ, start_response)
        with lock:
            return original(self, environ, start_response)

    WSGIHandler.__call__ = serialized
    yield
    WSGIHandler.__call__ = original


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on 127.0.0.1 for this test process (rongmei/testing/s3.py)."""
    from rongmei.testing.s3 import S3Server

    with S3Server() as server:
        yield server


@pytest.fixture
def s3_bucket(settings, s3_server):
    """A fresh bucket, made STORAGES["default"] as RONGMEI_S3_BUCKET would make it."""
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": bucket.backend()}
    yield bucket
    bucket.drop()
