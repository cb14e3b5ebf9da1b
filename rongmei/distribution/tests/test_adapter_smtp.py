import socket

import pytest

from rongmei.distribution import services
from rongmei.distribution.adapters import PermanentError, TransientError
from rongmei.distribution.adapters.smtp import SmtpAdapter, recipient_list
from rongmei.distribution.models import Channel
from rongmei.distribution.tests.servers.smtp import SmtpServer

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def smtpd():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def pub(story, editor):
    (pub,) = services.publish(actor=editor, story=story, channels=[Channel.objects.get(code="newspaper")])
    return pub


def test_the_story_arrives_as_text_and_html_with_a_chinese_subject(smtpd, pub):
    adapter = SmtpAdapter(pub.channel, smtpd.settings())
    receipt = adapter.send(adapter.render(pub), pub.key)
    (raw,) = [item["raw"] for item in smtpd.received]
    (msg,) = smtpd.messages()
    headline = pub.version.headline
    assert msg["Subject"] == headline
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0].lower()  # the header is RFC 2047-encoded on the wire
    assert msg["Message-ID"] == receipt.external_id == f"<{pub.key}@rongmei.example.cn>"
    assert msg["X-Rongmei-Key"] == pub.key
    assert smtpd.received[0]["to"] == ["desk@paper.example.cn", "radio@station.example.cn"]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert headline in text and f"<h1>{headline}</h1>" in html
    assert msg.get_body(("plain",)).get_content_charset() == "utf-8"


def test_a_resend_carries_the_same_message_id_so_receivers_can_drop_it(smtpd, pub):
    adapter = SmtpAdapter(pub.channel, smtpd.settings())
    adapter.send(adapter.render(pub), pub.key)
    adapter.send(adapter.render(pub), pub.key)
    ids = {m["Message-ID"] for m in smtpd.messages()}
    assert len(ids) == 1


@pytest.mark.parametrize("fault", ["451", "421", "rcpt450"])
def test_a_4xx_answer_is_transient(smtpd, pub, fault):
    adapter = SmtpAdapter(pub.channel, smtpd.settings(recipients="desk@paper.example.cn"))
    smtpd.faults.append(fault)
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert fault[-3:] in e.value.message
    assert "127.0.0.1" not in e.value.message
    adapter.send(adapter.render(pub), pub.key)
    assert len(smtpd.received) == 1


@pytest.mark.parametrize("fault", ["554", "rcpt550"])
def test_a_5xx_answer_is_permanent(smtpd, pub, fault):
    adapter = SmtpAdapter(pub.channel, smtpd.settings(recipients="desk@paper.example.cn"))
    smtpd.faults.append(fault)
    with pytest.raises(PermanentError):
        adapter.send(adapter.render(pub), pub.key)


def test_nobody_listening_is_transient(pub):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    adapter = SmtpAdapter(pub.channel, {"host": "127.0.0.1", "port": port, "sender": "a@b.cn", "recipients": "c@d.cn", "timeout": 1})
    with pytest.raises(TransientError):
        adapter.send(adapter.render(pub), pub.key)


def test_requiring_starttls_from_a_server_without_it_is_permanent(smtpd, pub):
    adapter = SmtpAdapter(pub.channel, smtpd.settings(security="starttls"))
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(pub), pub.key)
    assert "STARTTLS" in e.value.message
    assert smtpd.received == []


def test_retraction_sends_a_notice_referring_to_the_story_message(smtpd, pub):
    adapter = SmtpAdapter(pub.channel, smtpd.settings())
    receipt = adapter.send(adapter.render(pub), pub.key)
    adapter.retract(receipt, pub.key)
    story_msg, notice = smtpd.messages()
    assert notice["In-Reply-To"] == story_msg["Message-ID"]
    assert notice["Message-ID"] == f"<{pub.key}.retracted@rongmei.example.cn>"
    assert notice["X-Rongmei-Event"] == "retracted"
    assert story_msg["Message-ID"] in notice.get_content()


def test_recipients_may_be_a_list_or_a_separated_string():
    assert recipient_list("a@x.cn; 张三 <b@y.cn>,\nc@z.cn") == ["a@x.cn", "b@y.cn", "c@z.cn"]
    assert recipient_list(["a@x.cn", "not an address"]) == ["a@x.cn"]


def test_a_channel_without_recipients_is_refused_for_good(pub):
    adapter = SmtpAdapter(pub.channel, {"host": "h", "sender": "a@b.cn", "recipients": "nobody"})
    with pytest.raises(PermanentError):
        adapter.send({}, pub.key)
