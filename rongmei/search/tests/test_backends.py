import datetime as dt

import pytest
from django.utils import timezone

from rongmei.distribution import services as distribution
from rongmei.distribution.models import Channel, Publication
from rongmei.newsroom import services as newsroom
from rongmei.search import backends, services
from rongmei.search.models import Document
from rongmei.testing import factories

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"',
    "*",
    "AND OR NEAR(",
    "'; drop table search_fts; --",
    "夏南牛" * 70,
    "",
    "   ",
    "\x00",
    "NEAR(夏南 牛, 2)",
    '"夏南牛" OR ^',
    "-夏南牛",
    "{headline}: 夏南牛",
]


def ids(q, **kwargs):
    return [h.story_id for h in backends.search(q, limit=20, offset=0, **kwargs)[1]]


def test_a_story_is_found_by_a_word_inside_a_longer_sentence(publish):
    story = publish("泌阳县夏南牛产业发展大会在铜山湖召开", "<p>来自全国的客商来到泌阳县，签约项目十二个。</p>")
    assert ids("夏南牛") == [story.pk]
    assert ids("产业") == [story.pk]
    assert ids("签约项目") == [story.pk]


def test_an_unknown_word_is_found_whatever_its_neighbours(publish):
    # With the HMM, jieba cuts 铜山湖夏南牛节开幕 into 铜山/湖夏南/牛节/开幕, hiding 夏南牛.
    story = publish("铜山湖夏南牛节开幕", "<p>节会持续三天。</p>")
    assert ids("夏南牛") == [story.pk]


def test_every_word_of_the_query_must_be_there(publish):
    both = publish("花菇丰收", "<p>盘古山的花菇今年丰收。</p>")
    publish("花菇上市", "<p>泌阳花菇进入超市。</p>")
    assert ids("盘古山 花菇") == [both.pk]


def test_the_intro_and_keywords_are_searched_too(publish):
    story = publish("一场秋雨", "<p>秋雨过后气温下降。</p>", intro="盘古山层林尽染", keywords=["生态旅游"])
    assert ids("层林尽染") == [story.pk]
    assert ids("生态旅游") == [story.pk]


def test_the_index_shows_the_live_version_until_a_correction_is_published(publish, reporter, reviewers, django_capture_on_commit_callbacks):
    story = publish("夏南牛大会开幕", "<p>接待游客同比增长两成。</p>")
    with django_capture_on_commit_callbacks(execute=True):
        newsroom.save_version(actor=reporter, story=story, body="<p>盘古山景区新开了三条登山步道。</p>", note="更正")
        newsroom.release_lock(actor=reporter, story=story)
        for reviewer in reviewers:
            newsroom.approve(actor=reviewer, story=story)
    # Signed off is not published: the index keeps what the public sees.
    assert ids("登山步道") == [] and ids("接待游客") == [story.pk]
    with django_capture_on_commit_callbacks(execute=True):
        (pub,) = distribution.publish(actor=reviewers[-1], story=story, channels=[Channel.objects.get(code="website")])
        distribution.send(pub)
    assert ids("登山步道") == [story.pk] and ids("接待游客") == []


def test_headline_hits_rank_before_body_hits(publish):
    in_body = publish("县里举办农产品展销会", "<p>展销会上，花菇和夏南牛牛肉最受欢迎，花菇卖得最快。</p>")
    in_headline = publish("泌阳花菇走俏全国", "<p>展销会吸引了众多客商。</p>")
    assert ids("花菇") == [in_headline.pk, in_body.pk]


def test_hits_carry_highlighted_headline_snippet_team_and_time(publish, team):
    story = publish("泌阳县夏南牛产业发展大会召开", "<p>大会上，夏南牛养殖户代表发言。</p>")
    total, [hit] = backends.search("夏南牛", limit=10, offset=0)
    assert total == 1
    assert hit.story_id == story.pk
    assert "<mark>夏南牛</mark>" in hit.headline
    assert "<mark>夏南牛</mark>" in hit.snippet
    assert hit.team_id == team.pk and hit.team == team.name
    assert hit.published_at == Publication.objects.get(story=story).published_at


def test_markup_in_the_story_comes_back_escaped(publish):
    publish("夏南牛<b>大会</b>", "<p>正文写着 &lt;script&gt;alert(1)&lt;/script&gt; 夏南牛 &amp; 花菇</p>")
    _, [hit] = backends.search("夏南牛 script", limit=10, offset=0)
    assert "<script>" not in hit.snippet and "<b>" not in hit.headline
    assert "&lt;<mark>script</mark>&gt;" in hit.snippet
    assert "&lt;b&gt;" in hit.headline
    assert "&amp;" in hit.snippet


def test_a_word_never_lands_inside_an_entity(publish):
    publish("夏南牛大会", "<p>a &lt; b，夏南牛的 lt 指标</p>")
    _, [hit] = backends.search("夏南牛 lt", limit=10, offset=0)
    assert "a &lt; b" in hit.snippet and "<mark>lt</mark> 指标" in hit.snippet


def test_filter_by_team(publish, other_team, other_lead, outsider, editor, chief):
    ours = publish("夏南牛进京")
    theirs = publish("夏南牛下乡", author=outsider, in_team=other_team, by=[editor, other_lead, chief])
    assert set(ids("夏南牛")) == {ours.pk, theirs.pk}
    assert ids("夏南牛", team=other_team) == [theirs.pk]
    assert ids("夏南牛", team=ours.team_id) == [ours.pk]


def test_filter_by_date(publish):
    old = publish("夏南牛去年的新闻")
    new = publish("夏南牛今天的新闻")
    long_ago = timezone.now() - dt.timedelta(days=40)
    Publication.objects.filter(story=old).update(published_at=long_ago)
    services.sync(old.pk)
    today = timezone.localdate()
    assert ids("夏南牛", since=today) == [new.pk]
    assert ids("夏南牛", until=today - dt.timedelta(days=1)) == [old.pk]
    assert ids("夏南牛", until=today) == [new.pk, old.pk]
    assert ids("夏南牛", since=timezone.localdate(long_ago), until=timezone.localdate(long_ago)) == [old.pk]


def test_a_retracted_story_disappears(publish, chief, django_capture_on_commit_callbacks):
    story = publish("夏南牛大会延期")
    assert ids("夏南牛") == [story.pk]
    with django_capture_on_commit_callbacks(execute=True):
        distribution.retract(actor=chief, story=story, reason="信息有误")
    assert ids("夏南牛") == []
    assert not Document.objects.filter(pk=story.pk).exists()


def test_a_signed_off_story_not_published_is_never_found(reporter, team, reviewers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        factories.signed_off_story(reporter, team, reviewers, headline="夏南牛终审未发")
    assert ids("夏南牛") == []
    services.rebuild()
    assert ids("夏南牛") == []


def test_a_story_published_only_elsewhere_is_not_indexed(publish):
    story = publish("夏南牛只发报纸", channels=("newspaper",))
    assert ids("夏南牛") == []
    assert not Document.objects.filter(pk=story.pk).exists()


def test_sync_follows_published_stories(publish):
    story = publish("夏南牛大会")
    Document.objects.all().delete()
    backends.clear()
    assert ids("夏南牛") == []
    assert services.sync(story.pk) is True
    assert ids("夏南牛") == [story.pk]
    assert services.sync(999999) is False


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_find_nothing_or_something_but_never_fail(publish, q):
    publish("夏南牛大会")
    total, hits = backends.search(q, limit=10, offset=0)
    assert total >= 0 and len(hits) <= total


def test_queries_without_words_find_nothing(publish):
    publish("夏南牛大会")
    for q in ("", "   ", '"', "*", "（）！？", None):
        assert backends.search(q, limit=10, offset=0) == (0, [])


def test_a_long_query_is_cut_to_100_characters():
    assert len(backends.clean_query("牛" * 200)) == backends.MAX_QUERY_CHARS


def test_paging(publish):
    stories = [publish(f"夏南牛第{n}篇") for n in range(3)]
    total, first = backends.search("夏南牛", limit=2, offset=0)
    _, rest = backends.search("夏南牛", limit=2, offset=2)
    assert total == 3
    assert {h.story_id for h in first + rest} == {s.pk for s in stories}
    assert backends.search("夏南牛", limit=2, offset=10) == (3, [])


def test_the_backend_follows_the_database(publish):
    from django.db import connection

    story = publish("夏南牛大会")
    if connection.vendor == "postgresql":
        assert isinstance(backends.backend(), backends.PostgresBackend)
        assert Document.objects.filter(pk=story.pk, document__isnull=False).exists()
    else:
        assert isinstance(backends.backend(), backends.SqliteBackend)
        with connection.cursor() as cursor:
            cursor.execute("SELECT headline FROM search_fts WHERE rowid = %s", [story.pk])
            assert cursor.fetchone()[0].split()[:4] == ["夏", "南", "牛", "大会"]
