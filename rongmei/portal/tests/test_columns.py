import pytest
from django.core.exceptions import ValidationError

from rongmei.accounts.models import Team
from rongmei.portal.models import Column
from rongmei.testing import factories


def test_the_navigation_shows_the_shown_columns_in_the_operators_order(client, db):
    Column.objects.create(name="魅力泌阳", slug="meili", icon="🏞", sort_order=20)
    Column.objects.create(name="头条", slug="toutiao", sort_order=10)
    Column.objects.create(name="旧栏目", slug="old", sort_order=5, active=False)
    html = client.get("/").content.decode()
    assert html.index("/column/toutiao/") < html.index("/column/meili/")
    assert "🏞" in html and "旧栏目" not in html
    assert client.get("/column/old/").status_code == 404


def test_an_articles_column_lists_the_live_stories_of_its_teams_only(client, reporter, team, reviewers):
    other = Team.objects.create(name="法治在线", slug="law-test")
    column = Column.objects.create(name="头条", slug="toutiao", description="县内要闻")
    column.teams.add(team)
    factories.published_story(reporter, team, reviewers, headline="头条栏目的新闻稿件")
    factories.signed_off_story(reporter, team, reviewers, headline="签发未发布的稿件")
    other_story = factories.published_story(reporter, team, reviewers, headline="别的栏目的稿件")
    other_story.team = other
    other_story.save(update_fields=["team"])
    response = client.get("/column/toutiao/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "头条栏目的新闻稿件" in html and "县内要闻" in html
    assert "签发未发布的稿件" not in html and "别的栏目的稿件" not in html
    assert 'aria-current="page"' in html


def test_a_column_without_teams_is_empty_not_everything(client, reporter, team, reviewers):
    Column.objects.create(name="政务服务", slug="zhengwu", kind=Column.Kind.SERVICES)
    factories.published_story(reporter, team, reviewers, headline="不该出现的稿件")
    html = client.get("/column/zhengwu/").content.decode()
    assert "不该出现的稿件" not in html


def test_a_link_column_leads_to_its_address_and_needs_one(client, db):
    column = Column(name="办事大厅", slug="hall", kind=Column.Kind.LINKS)
    with pytest.raises(ValidationError) as e:
        column.full_clean()
    assert "link" in e.value.message_dict
    column.link = "https://www.hnzwfw.gov.cn/"
    column.full_clean()
    column.save()
    response = client.get("/column/hall/")
    assert response.status_code == 302 and response["Location"] == "https://www.hnzwfw.gov.cn/"
