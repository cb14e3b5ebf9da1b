import base64

import pytest

from rongmei.distribution import services
from rongmei.distribution.adapters import PermanentError, TransientError, wechat
from rongmei.distribution.adapters.progress import Progress
from rongmei.distribution.adapters.wechat import WechatAdapter
from rongmei.distribution.models import Channel, Publication
from rongmei.distribution.tests.servers.wechat import APPID, SECRET, WechatServer

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def fresh_tokens():
    wechat.forget_tokens()
    yield
    wechat.forget_tokens()


@pytest.fixture
def wx():
    with WechatServer() as server:
        yield server


@pytest.fixture
def pub(story, editor):
    (pub,) = services.publish(actor=editor, story=story, channels=[Channel.objects.get(code="wechat_oa")])
    progress = Progress(f"wechat:{APPID}", pub.key)
    progress.clear()  # ids repeat between tests on SQLite
    yield pub
    progress.clear()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MEDIA_URL = "/media/"
    (tmp_path / "photo.png").write_bytes(PNG)
    (tmp_path / "cover.png").write_bytes(PNG)
    return tmp_path


def payload_author(pub):
    from rongmei.distribution import versions

    return versions.content_for(pub)["author"]


def _payload(adapter, pub, media):
    payload = adapter.render(pub)
    payload["content"]["content_html"] += '<p><img src="/media/photo.png" alt="现场"></p><p><img src="https://elsewhere.example/x.png"></p>'
    payload["cover"] = {"src": "/media/cover.png"}
    return payload


def test_an_article_goes_cover_then_draft_then_publish_and_the_receipt_is_its_url(wx, pub, media):
    adapter = WechatAdapter(pub.channel, wx.settings(need_open_comment=True, author="融媒记者"))
    receipt = adapter.send(_payload(adapter, pub, media), pub.key)
    assert receipt.external_id.startswith("article-") and receipt.url.startswith("https://mp.weixin.qq.com/s/")
    assert list(wx.materials.values()) == [PNG] and wx.images == [PNG]
    ((article,),) = [p["articles"] for p in wx.published.values()]
    # the channel version's author (what the channel editor saw); the setting only fills a gap
    assert article["title"] == pub.version.headline and article["author"] == payload_author(pub)
    assert article["need_open_comment"] == 1 and article["thumb_media_id"] in wx.materials
    assert "http://mmbiz.qpic.cn/mmbiz_jpg/" in article["content"] and "/media/photo.png" not in article["content"]
    assert "elsewhere.example" not in article["content"]
    assert 0 < len(article["digest"]) <= 120
    assert wx.calls["/cgi-bin/stable_token"] == 1
    assert all("secret" not in r for r in wx.token_requests)


def test_the_access_token_is_cached_and_refreshed_when_wechat_says_it_expired(wx, pub, media):
    adapter = WechatAdapter(pub.channel, wx.settings())
    receipt = adapter.send(_payload(adapter, pub, media), pub.key)
    assert wx.calls["/cgi-bin/stable_token"] == 1  # one token for all five calls
    wx.faults.append("expire")
    adapter.retract(receipt, pub.key)
    assert wx.deleted == [receipt.external_id]
    assert wx.calls["/cgi-bin/stable_token"] == 2  # a fresh one after the 42001
    assert not any(r.get("force_refresh") for r in wx.token_requests)


def test_sending_again_after_success_reuses_the_publication_instead_of_publishing_twice(wx, pub, media):
    adapter = WechatAdapter(pub.channel, wx.settings())
    first = adapter.send(_payload(adapter, pub, media), pub.key)
    again = adapter.send(_payload(adapter, pub, media), pub.key)
    assert first == again and len(wx.published) == 1 and len(wx.materials) == 1


def test_a_token_refused_again_after_one_refresh_is_permanent(wx, pub, media):
    adapter = WechatAdapter(pub.channel, wx.settings())
    wx.reject_tokens = True
    with pytest.raises(PermanentError) as e:
        adapter.send(_payload(adapter, pub, media), pub.key)
    assert "40001" in e.value.message and SECRET not in e.value.message
    assert any(r.get("force_refresh") for r in wx.token_requests)  # the fresh token was the same one


@pytest.mark.parametrize("fault", ["busy", "rate", "500", "timeout", "drop"])
def test_busy_rate_limited_5xx_timeouts_and_drops_are_transient_and_the_retry_reuses_what_was_made(wx, pub, media, fault):
    adapter = WechatAdapter(pub.channel, wx.settings())
    wx.faults.extend([None, None, None, fault])  # cover, body image and draft succeed; the submit fails
    with pytest.raises(TransientError):
        adapter.send(_payload(adapter, pub, media), pub.key)
    receipt = adapter.send(_payload(adapter, pub, media), pub.key)
    assert receipt.external_id.startswith("article-")
    assert len(wx.materials) == 1 and len(wx.images) == 1 and len(wx.published) == 1
    assert wx.calls["/cgi-bin/draft/add"] == 1


def test_a_lost_submit_answer_never_publishes_twice_and_the_retry_finds_the_article(wx, pub, media):
    adapter = WechatAdapter(pub.channel, wx.settings())
    wx.faults.extend([None, None, None, "drop_after"])
    with pytest.raises(TransientError):
        adapter.send(_payload(adapter, pub, media), pub.key)
    receipt = adapter.send(_payload(adapter, pub, media), pub.key)
    assert len(wx.published) == 1
    (record,) = wx.published.values()
    assert receipt.external_id == record["article_id"] and receipt.url.startswith("https://mp.weixin.qq.com/s/")
    assert wx.calls["/cgi-bin/freepublish/batchget"] == 1


def test_a_lost_submit_whose_article_is_not_in_the_records_asks_a_person(wx, pub, media):
    adapter = WechatAdapter(pub.channel, wx.settings())
    wx.faults.extend([None, None, None, "drop_after"])
    with pytest.raises(TransientError):
        adapter.send(_payload(adapter, pub, media), pub.key)
    wx.deleted.extend(p["article_id"] for p in wx.published.values())  # someone deleted it meanwhile
    with pytest.raises(PermanentError) as e:
        adapter.send(_payload(adapter, pub, media), pub.key)
    assert "Check the account" in e.value.message
    assert len(wx.published) == 1


def test_content_too_long_is_permanent(wx, pub, media):
    adapter = WechatAdapter(pub.channel, wx.settings())
    payload = _payload(adapter, pub, media)
    payload["content"]["content_html"] = "<p>" + "很长的正文" * 4100 + "</p>"
    with pytest.raises(PermanentError):
        adapter.send(payload, pub.key)
    assert wx.calls["/cgi-bin/draft/add"] == 0


def test_a_server_side_limit_error_is_permanent(wx, pub, media, monkeypatch):
    monkeypatch.setattr(wechat, "CONTENT_MAX", 10**6)  # let the contract server judge the length
    adapter = WechatAdapter(pub.channel, wx.settings())
    payload = _payload(adapter, pub, media)
    payload["content"]["content_html"] = "<p>" + "很长的正文" * 4100 + "</p>"
    with pytest.raises(PermanentError) as e:
        adapter.send(payload, pub.key)
    assert "45002" in e.value.message


def test_while_wechat_is_still_publishing_the_submit_is_the_receipt_and_retraction_resolves_it(wx, pub, media):
    wx.publishing_polls = 3
    adapter = WechatAdapter(pub.channel, wx.settings(poll_attempts=2))
    receipt = adapter.send(_payload(adapter, pub, media), pub.key)
    assert receipt.external_id.startswith("publish:") and receipt.url == ""
    with pytest.raises(TransientError):
        adapter.retract(receipt, pub.key)  # the third poll: still publishing
    adapter.retract(receipt, pub.key)
    assert wx.live_articles() == []


def test_retraction_deletes_the_published_article(wx, pub, media):
    adapter = WechatAdapter(pub.channel, wx.settings())
    receipt = adapter.send(_payload(adapter, pub, media), pub.key)
    assert wx.live_articles() == [receipt.external_id]
    adapter.retract(receipt, pub.key)
    assert wx.live_articles() == []


def test_a_wrong_app_secret_is_permanent(wx, pub, media):
    adapter = WechatAdapter(pub.channel, wx.settings(secret="not-the-secret-000"))
    with pytest.raises(PermanentError) as e:
        adapter.send(_payload(adapter, pub, media), pub.key)
    assert "40125" in e.value.message and "not-the-secret" not in e.value.message


def test_no_cover_and_no_default_cover_is_refused_before_any_upload(wx, pub):
    adapter = WechatAdapter(pub.channel, wx.settings())
    with pytest.raises(PermanentError):
        adapter.send(adapter.render(pub), pub.key)
    assert wx.calls["/cgi-bin/draft/add"] == 0


def test_the_publishing_service_records_the_article_and_retracts_it(wx, pub, chief, monkeypatch):
    monkeypatch.setattr(services, "adapter_for", lambda channel: WechatAdapter(channel, wx.settings(default_thumb_media_id="material-x")))
    wx.materials["material-x"] = PNG  # a cover already in the account
    assert services.send(pub) == Publication.State.PUBLISHED
    pub.refresh_from_db()
    assert pub.external_id.startswith("article-") and pub.url.startswith("https://mp.weixin.qq.com/s/")
    services.retract(actor=chief, story=pub.story, reason="事实有误")
    assert services.withdraw(pub) == Publication.State.RETRACTED
    assert wx.live_articles() == []
