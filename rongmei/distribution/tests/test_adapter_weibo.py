import json
import re
import time

import pytest

from rongmei.core.exceptions import DomainError
from rongmei.distribution import credentials, services
from rongmei.distribution.adapters import PermanentError, TransientError, adapter_for
from rongmei.distribution.adapters.base import Receipt
from rongmei.distribution.adapters.oauth_http import LostAnswer
from rongmei.distribution.adapters.weibo import DESTROY, REFRESH, SHARE, TIMELINE, WeiboAdapter, compose_status, weibo_length
from rongmei.distribution.models import Channel, Publication
from rongmei.distribution.tests.servers.contract import PNG, attach_picture
from rongmei.distribution.tests.servers.weibo import ACCESS, APP_KEY, APP_SECRET, SITE, WeiboServer
from rongmei.newsroom import services as newsroom

pytestmark = pytest.mark.usefixtures("english")

HEADLINE = "第十五届中国牛业发展大会在泌阳开幕"
INTRO = "11月26日，第十五届中国牛业发展大会在泌阳县开幕。来自全国28个省区的1200名代表参加会议。"
BODY = "<p>大会为期3天，设置主论坛和8个分论坛。" + "全县夏南牛存栏量达到35.5万头，同比增长15%。" * 12 + "</p>"


@pytest.fixture
def wb():
    with WeiboServer() as server:
        yield server


@pytest.fixture
def weibo(db):
    return Channel.objects.get(code="weibo")


def configure(channel, values: dict) -> None:
    channel.credentials = credentials.encrypt(values)
    channel.save(update_fields=["credentials"])


@pytest.fixture
def story(reporter, team, editor, column_lead, chief, photographer):
    story = newsroom.create_story(actor=reporter, team=team, headline=HEADLINE, intro=INTRO, body=BODY, keywords=["泌阳", "夏南牛"])
    newsroom.submit_story(actor=reporter, story=story)
    for reviewer in (editor, column_lead, chief):
        newsroom.approve(actor=reviewer, story=story)
    attach_picture(story, photographer)
    story.refresh_from_db()
    return story


@pytest.fixture
def pub(story, editor, wb, weibo):
    configure(weibo, wb.settings())
    (pub,) = services.publish(actor=editor, story=story, channels=[weibo])
    return pub


def fresh(pub) -> WeiboAdapter:
    return WeiboAdapter(Channel.objects.get(pk=pub.channel_id))


def test_a_post_has_the_text_without_topics_a_link_on_the_safe_domain_and_one_picture(wb, pub):
    adapter = fresh(pub)
    payload = adapter.render(pub)
    assert "#泌阳#" in payload["content"]["text"]  # the channel version has topics; share.json refuses them
    receipt = adapter.send(payload, pub.key)
    assert wb.live_posts() == [receipt.external_id]
    assert receipt.url == f"https://m.weibo.cn/status/{receipt.external_id}"
    (share,) = wb.to(SHARE)
    assert share.query == {} and share.headers["content-type"].startswith("multipart/form-data")
    form = share.form()
    assert form["access_token"] == ACCESS and form["pic"] == ("picture.png", PNG)
    status = form["status"]
    assert status == payload["status"] and status.startswith(f"【{HEADLINE}】")
    assert not re.search(r"#[^#]+#", status) and weibo_length(status) <= 140
    assert status.endswith(f" 全文：{SITE}/news/{pub.story_id}/") and payload["link"] == f"{SITE}/news/{pub.story_id}/"


def test_the_post_is_cut_at_a_sentence_end_to_fit():
    text = "【标题】" + "第一句话说完了。" * 30 + " #话题# 全文：/news/7/"
    status = compose_status(text, "https://news.example.cn/news/7/")
    body, _sep, link = status.partition(" 全文：")
    assert link == "https://news.example.cn/news/7/" and body.endswith("。")
    assert weibo_length(status) <= 140 and "#" not in status and "/news/7/" not in body


def test_an_expired_token_with_no_refresh_token_asks_for_a_new_authorization(wb, pub):
    wb.faults.append("expire")
    adapter = fresh(pub)
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "authorize the account again" in e.value.message and ACCESS not in e.value.message
    assert wb.calls[REFRESH] == 0 and not wb.posts


def test_an_expired_token_is_refreshed_once_when_a_refresh_token_is_configured(wb, pub, weibo):
    wb.refresh_token = "2.00weibo-refresh"
    configure(weibo, wb.settings(refresh_token=wb.refresh_token, app_key=APP_KEY, app_secret=APP_SECRET))
    wb.faults.append("expire")
    adapter = fresh(pub)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert wb.live_posts() == [receipt.external_id]
    (refresh,) = wb.to(REFRESH)
    assert refresh.form()["grant_type"] == "refresh_token" and refresh.form()["client_id"] == APP_KEY
    values = credentials.decrypt(Channel.objects.get(pk=weibo.pk).credentials)
    assert values["access_token"] == wb.current_access != ACCESS and values["access_expires_at"] > time.time()


def test_a_token_refused_again_after_one_refresh_is_permanent(wb, pub, weibo):
    wb.refresh_token = "2.00weibo-refresh"
    configure(weibo, wb.settings(refresh_token=wb.refresh_token, app_key=APP_KEY, app_secret=APP_SECRET))
    wb.reject_tokens = True
    adapter = fresh(pub)
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "authorize the account again" in e.value.message
    assert wb.calls[REFRESH] == 1 and not wb.posts


@pytest.mark.parametrize("fault", ["busy", "rate", "500"])
def test_busy_rate_limited_and_5xx_answers_are_transient_and_the_retry_posts_once(wb, pub, fault):
    adapter = fresh(pub)
    wb.faults.append(fault)
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert not isinstance(e.value, LostAnswer)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert wb.live_posts() == [receipt.external_id] and wb.calls[SHARE] == 2


def test_a_lost_answer_is_followed_by_a_look_up_that_takes_the_post_as_the_receipt(wb, pub):
    adapter = fresh(pub)
    wb.faults.append("drop_after")  # posted, the answer lost
    with pytest.raises(LostAnswer):
        adapter.send(adapter.render(pub), pub.key)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert wb.live_posts() == [receipt.external_id] and len(wb.posts) == 1 and wb.calls[SHARE] == 1
    assert receipt.url == f"https://m.weibo.cn/status/{receipt.external_id}"
    (listing,) = wb.to(TIMELINE)
    assert listing.method == "GET" and listing.headers["authorization"] == f"OAuth2 {ACCESS}"
    assert listing.query == {"count": "50", "page": "1", "trim_user": "1"}  # the token never in the address
    again = adapter.send(adapter.render(pub), pub.key)
    assert again == receipt and wb.calls[TIMELINE] == 1


@pytest.mark.parametrize("fault", ["timeout", "drop"])
def test_a_lost_answer_when_nothing_was_posted_is_looked_for_twice_then_posted_once(wb, pub, fault):
    adapter = fresh(pub)
    wb.faults.append(fault)
    with pytest.raises(LostAnswer):
        adapter.send(adapter.render(pub), pub.key)
    # Not in the account's list yet: maybe the list lags. Look again later, do not post.
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert not isinstance(e.value, PermanentError) and "looking again later" in e.value.message
    assert wb.calls[SHARE] == 1 and wb.calls[TIMELINE] == 1 and not wb.posts
    # Still not there at the second look: the lost call did not post. Post, once.
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert wb.calls[TIMELINE] == 2 and wb.calls[SHARE] == 2
    assert wb.live_posts() == [receipt.external_id]
    assert adapter.send(adapter.render(pub), pub.key) == receipt  # and never again


@pytest.mark.parametrize("fault", ["500", "timeout", "drop_after", "busy", "rate"])
def test_a_look_up_failing_for_now_is_transient_and_the_next_attempt_looks_again(wb, pub, fault):
    adapter = fresh(pub)
    wb.faults.extend(["drop_after", fault])
    with pytest.raises(LostAnswer):
        adapter.send(adapter.render(pub), pub.key)
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert not isinstance(e.value, PermanentError)
    receipt = adapter.send(adapter.render(pub), pub.key)
    assert wb.live_posts() == [receipt.external_id] and wb.calls[SHARE] == 1 and wb.calls[TIMELINE] == 2


def test_the_look_up_finds_the_post_with_its_link_shortened_on_a_later_page(wb, pub):
    adapter = fresh(pub)
    payload = adapter.render(pub)
    wb.faults.append("drop")  # nothing posted by us; Weibo shows our text with a t.cn link instead
    with pytest.raises(LostAnswer):
        adapter.send(payload, pub.key)
    shortened = payload["status"].replace(payload["link"], "http://t.cn/A6abcdEF")
    ours = wb.post_by_hand(shortened)
    for n in range(55):
        wb.post_by_hand(f"另一条微博 {n} {SITE}/news/{n}/", at=time.time() + 5)
    receipt = adapter.send(payload, pub.key)
    assert receipt.external_id == ours and wb.calls[TIMELINE] == 2 and wb.calls[SHARE] == 1


def test_weibo_refusing_a_repeat_after_an_earlier_attempt_finds_the_post(wb, pub):
    adapter = fresh(pub)
    payload = adapter.render(pub)
    wb.faults.append("500")  # a definite failure...
    with pytest.raises(TransientError):
        adapter.send(payload, pub.key)
    ours = wb.post_by_hand(payload["status"])  # ...after which the post turned up all the same
    receipt = adapter.send(payload, pub.key)  # share.json: 20019, then the timeline
    assert receipt.external_id == ours and wb.calls[SHARE] == 2 and wb.calls[TIMELINE] == 1
    assert wb.live_posts() == [ours]


def test_weibo_refusing_a_repeat_is_reported_as_possibly_already_posted(wb, pub):
    adapter = fresh(pub)
    payload = adapter.render(pub)
    wb.post_by_hand(payload["status"], at=time.time() - 3600)  # posted by hand before
    with pytest.raises(PermanentError) as e:
        adapter.send(payload, pub.key)
    assert "20019" in e.value.message and "Check the account" in e.value.message
    assert wb.calls[TIMELINE] == 0  # a first attempt: nothing of ours to look for
    wb.faults.append("500")
    with pytest.raises(TransientError):
        adapter.send(payload, pub.key)
    with pytest.raises(PermanentError) as e:  # after an attempt of ours, looked up: the post is older than it
        adapter.send(payload, pub.key)
    assert "20019" in e.value.message and wb.calls[TIMELINE] == 1 and len(wb.posts) == 1


def test_a_link_outside_the_safe_domain_is_refused_for_good(wb, pub, weibo):
    configure(weibo, wb.settings(site_url="https://elsewhere.example.com"))
    adapter = fresh(pub)
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "10017" in e.value.message and not wb.posts


def test_retraction_deletes_the_post_and_a_second_retraction_is_harmless(wb, pub):
    adapter = fresh(pub)
    receipt = adapter.send(adapter.render(pub), pub.key)
    adapter.retract(receipt, pub.key)
    assert wb.live_posts() == [] and wb.to(DESTROY)[0].form() == {"access_token": ACCESS, "id": receipt.external_id}
    adapter.retract(receipt, pub.key)  # 20101: already gone
    adapter.retract(Receipt(""), pub.key)  # never posted
    assert wb.calls[DESTROY] == 2


def test_the_settings_need_a_web_address_and_app_credentials_for_a_refresh_token(operator, weibo):
    from rongmei.distribution.adapters.settings_util import check_settings

    with pytest.raises(DomainError) as e:
        check_settings("weibo", {"access_token": "t", "site_url": "news.example.cn"})
    assert e.value.field == "site_url"
    with pytest.raises(DomainError) as e:
        check_settings("weibo", {"access_token": "t", "site_url": SITE, "refresh_token": "r"})
    assert e.value.field == "app_key"
    channel = services.configure_channel(
        actor=operator, channel=weibo, adapter="weibo", settings={"access_token": ACCESS, "site_url": SITE}
    )
    assert isinstance(adapter_for(channel), WeiboAdapter)
    assert ACCESS.encode() not in channel.credentials.encode()


def test_the_publishing_service_records_the_post_and_retracts_it(wb, pub, chief):
    assert isinstance(adapter_for(pub.channel), WeiboAdapter)
    assert services.send(pub) == Publication.State.PUBLISHED
    pub.refresh_from_db()
    assert wb.live_posts() == [pub.external_id] and pub.url.endswith(pub.external_id)
    assert pub.payload["status"] == wb.posts[pub.external_id]["status"]
    assert ACCESS not in json.dumps(pub.payload, ensure_ascii=False)
    services.retract(actor=chief, story=pub.story, reason="事实有误")
    assert services.withdraw(pub) == Publication.State.RETRACTED
    assert wb.live_posts() == []
