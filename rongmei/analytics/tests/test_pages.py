import datetime as dt

import pytest
from django.utils import timezone

from rongmei.analytics import services
from rongmei.analytics.tests.conftest import ev, ingest_on

URL = "/newsroom/readership/"


@pytest.fixture
def figures(story, story2, village_story, columns):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    ingest_on(yesterday, [ev(article=story.pk)] * 3 + [ev("read", article=story.pk), ev(article=village_story.pk)])
    ingest_on(yesterday, [ev(article=story2.pk, device="reader-in-wechat")], user_agent="MicroMessenger/8.0")
    ingest_on(yesterday, [ev(path="/column/meili/")])
    services.rollup_pending()
    return {"story": story, "story2": story2, "village": village_story}


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", ["operator", "editor", "column_lead"])
def test_editors_and_operators_see_the_whole_site(client, request, figures, persona):
    response = login(client, request.getfixturevalue(persona)).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("days", "articles", "columns", "vias", "authors"):
        assert f'data-testid="{testid}"' in html
    assert "铜山湖夏南牛节开幕" in html and "美丽乡村里的夏南牛" in html and "魅力泌阳" in html and "WeChat" in html
    days = response.context["report"]["days"]
    assert len(days) == 1 and days[0].views == 6 and days[0].reads == 1
    assert (
        response.context["report"]["articles"][0].label.startswith("铜山湖夏南牛节开幕")
        and response.context["report"]["articles"][0].views == 3
    )


def test_the_chief_editor_sees_the_whole_site(client, figures, chief):
    from rongmei.accounts.models import RoleSecurityPolicy

    # The second factor is the login's business (accounts tests); here only the role matters.
    RoleSecurityPolicy.objects.filter(role=chief.role).update(require_two_factor=False)
    response = login(client, chief).get(URL)
    assert response.status_code == 200 and response.context["report"]["whole_site"] is True


def test_a_reporter_sees_only_their_own_articles(client, figures, outsider):
    response = login(client, outsider).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["report"]["whole_site"] is False
    assert "美丽乡村里的夏南牛" in html and "铜山湖夏南牛节开幕" not in html
    assert 'data-testid="days"' not in html and 'data-testid="authors"' not in html


def test_the_page_is_for_newsroom_staff_only(client, db):
    from rongmei.testing.personas import make_user

    assert client.get(URL).status_code == 302  # to the login page
    stranger = make_user("unit1", "单位人员", "reporter", is_active=True)
    stranger.role = "unit"
    stranger.save()
    assert login(client, stranger).get(URL).status_code == 403


def test_a_date_range_narrows_the_figures(client, figures, operator):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    login(client, operator)
    response = client.get(
        URL, {"start": (yesterday - dt.timedelta(days=5)).isoformat(), "end": (yesterday - dt.timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 200 and response.context["report"]["days"] == [] and response.context["report"]["articles"] == []
    response = client.get(URL, {"start": yesterday.isoformat(), "end": yesterday.isoformat()})
    assert len(response.context["report"]["days"]) == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-05-02", "end": "2026-05-01"}, "must not be after its end"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "at most 366 days"),
        ({"start": "yesterday"}, "Enter a valid date"),
    ],
)
def test_a_bad_period_is_explained(client, figures, operator, params, message):
    response = login(client, operator).get(URL, params)
    assert response.status_code == 400 and message in response.content.decode()


def test_the_page_makes_a_fixed_number_of_queries(client, figures, operator, django_assert_max_num_queries):
    login(client, operator)
    client.get(URL)
    with django_assert_max_num_queries(16):
        client.get(URL)


def test_the_tables_are_rendered_once_per_rollup_and_language(client, figures, operator, settings):
    """The rendered tables are cached until the next rollup: figures changed behind the rollup's
    back do not show, the next rollup's do, and English readers get their own copy."""
    from rongmei.analytics.models import DailyRollup, Dimension

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "readership-page"}}
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    login(client, operator)
    assert ">6</td>" in client.get(URL).content.decode()  # yesterday's page views
    DailyRollup.objects.filter(day=yesterday, dimension=Dimension.SITE).update(views=4321)
    page = client.get(URL).content.decode()
    assert "4,321" not in page and ">6</td>" in page
    chinese = client.get(URL, headers={"accept-language": "zh-hans"}).content.decode()
    assert "热门文章" in chinese and ">4321</td>" in chinese and ">微信<" in chinese  # counted and rendered afresh, in Chinese
    assert ">WeChat<" in client.get(URL).content.decode()

    ingest_on(yesterday, [ev(path="/column/meili/", device="late-reader-0001")])
    services.rollup_day(yesterday)  # the rollup counts the events again: 7 page views
    page = client.get(URL).content.decode()
    assert ">7</td>" in page and "4,321" not in page


def test_a_reporter_never_gets_the_tables_cached_for_an_editor(client, figures, editor, outsider):
    assert "铜山湖夏南牛节开幕" in login(client, editor).get(URL).content.decode()
    html = login(client, outsider).get(URL).content.decode()
    assert "美丽乡村里的夏南牛" in html and "铜山湖夏南牛节开幕" not in html and 'data-testid="days"' not in html


def test_each_day_of_a_run_over_several_days_shows_at_once(client, story, operator):
    """A rollup run over several days (after an outage): the page opened between two of them
    shows the second as soon as it is rolled up, though the run has one ``now``."""
    settings_now = timezone.now()
    two_ago, yesterday = timezone.localdate() - dt.timedelta(days=2), timezone.localdate() - dt.timedelta(days=1)
    ingest_on(two_ago, [ev(article=story.pk)] * 2)
    ingest_on(yesterday, [ev(article=story.pk)] * 5)
    services.rollup_day(two_ago, now=settings_now)
    login(client, operator)
    assert len(client.get(URL).context["report"]["days"]) == 1
    services.rollup_day(yesterday, now=settings_now)
    days = client.get(URL).context["report"]["days"]
    assert [d.views for d in days] == [5, 2]
