"""The citizens' reads (rongmei.inquiries.selectors): the published list, one question as each reader
may see it, files, the query-code lookup and the overdue list."""

from __future__ import annotations

import datetime as dt

import pytest

from rongmei.inquiries import selectors, services
from rongmei.inquiries.models import Attachment, Message, State
from rongmei.inquiries.tests.public_flow import BODY, NO_LIMITS, REPLY, answer, ask, photo, published

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits(settings):
    settings.RONGMEI_INQUIRIES = NO_LIMITS


def test_published_means_public_answered_and_not_hidden(citizen, editor, unit, unit_staff):
    shown = published(citizen, desk=editor, unit=unit, staff=unit_staff)
    private = published(citizen, desk=editor, unit=unit, staff=unit_staff, title="城关镇第二小学门口路灯坏了", is_public=False)
    hidden = published(citizen, desk=editor, unit=unit, staff=unit_staff, title="建设路上的井盖丢失很危险")
    services.hide(actor=editor, inquiry=hidden, hidden=True)
    ask(citizen, title="官庄镇王庄村的道路坑洼不平")
    assert list(selectors.published()) == [shown]
    assert not selectors.is_public(private)


def test_every_search_word_must_match_somewhere(citizen, editor, unit, unit_staff):
    found = published(citizen, desk=editor, unit=unit, staff=unit_staff)
    assert list(selectors.published(q="污水 养护队")) == [found]  # one in the question, one in the reply
    assert list(selectors.published(q="污水 高铁")) == []
    assert list(selectors.published(q=found.receipt)) == [found]
    assert list(selectors.published(q="13912345678")) == []  # the original number is not searchable
    assert list(selectors.published(q="\x00\x01")) == [found]  # only control characters: no words


def test_the_public_view_never_holds_the_original(citizen, editor, unit, unit_staff):
    inquiry = published(citizen, desk=editor, unit=unit, staff=unit_staff)
    view = selectors.find(inquiry.receipt)
    assert view is not None and not view.as_author and not view.can_act
    assert view.title == inquiry.public_title and view.body == inquiry.public_body and "13912345678" not in view.body
    assert view.reply_body == REPLY and view.attachments == []
    assert all(e.public for e in view.timeline)


def test_the_author_and_the_unlocked_reader_see_any_state(citizen, other_citizen, editor):
    inquiry = ask(citizen, is_public=False)
    services.ask_for_info(actor=editor, inquiry=inquiry, question="请说明具体是哪一栋楼附近")
    assert selectors.find(inquiry.receipt) is None
    assert selectors.find(inquiry.receipt, fan=other_citizen) is None
    own = selectors.find(inquiry.receipt, fan=citizen)
    assert own.as_author and own.can_act and own.body == BODY
    assert own.info_request is not None and own.info_request.body == "请说明具体是哪一栋楼附近"
    unlocked = selectors.find(inquiry.receipt, unlocked=True)
    assert unlocked.as_author and not unlocked.can_act


def test_the_publics_follow_ups_are_masked(citizen, editor, unit, unit_staff):
    inquiry = published(citizen, desk=editor, unit=unit, staff=unit_staff)
    services.follow_up(fan=citizen, inquiry=inquiry, text="还想问一下，我的电话13912345678能接到回访吗？")
    public = selectors.find(inquiry.receipt)
    assert [m["kind"] for m in public.messages] == [Message.Kind.FOLLOW_UP]
    assert "13912345678" not in public.messages[0]["body"]
    assert "13912345678" in selectors.find(inquiry.receipt, fan=citizen).messages[0]["body"]


def test_one_question_takes_a_fixed_number_of_queries(citizen, other_citizen, editor, unit, unit_staff, django_assert_max_num_queries):
    inquiry = ask(citizen, uploads=[photo(), photo("b.jpg")])
    answer(inquiry, desk=editor, unit=unit, staff=unit_staff)
    for n in range(3):
        services.set_follow(fan=other_citizen, inquiry=inquiry, keep=True)
        services.follow_up(fan=citizen, inquiry=inquiry, text=f"第{n + 1}个追问：巡查多久一次？")
    with django_assert_max_num_queries(6):
        view = selectors.find(inquiry.receipt, fan=citizen)
        assert len(view.attachments) == 2 and len(view.messages) == 3 and len(view.timeline) > 3


def test_files_the_reader_may_open(citizen, other_citizen, editor, unit, unit_staff):
    inquiry = ask(citizen, uploads=[photo()])
    answer(inquiry, desk=editor, unit=unit, staff=unit_staff)
    mine = inquiry.attachments.get(side=Attachment.Side.CITIZEN)
    assert selectors.attachment(inquiry.receipt, mine.pk) is None
    assert selectors.attachment(inquiry.receipt, mine.pk, fan=other_citizen) is None
    assert selectors.attachment(inquiry.receipt, mine.pk, fan=citizen) == mine
    assert selectors.attachment(inquiry.receipt, mine.pk, unlocked=True) == mine
    assert selectors.attachment("WZ00000000-0000", mine.pk, fan=citizen) is None


def test_lookup_needs_both_parts_and_counts_wrong_guesses(citizen):
    inquiry = ask(citizen)
    assert selectors.lookup(inquiry.receipt, inquiry.query_code, ip="10.0.0.1") == inquiry
    assert selectors.lookup(f" {inquiry.receipt.lower()} ", inquiry.query_code.lower(), ip="10.0.0.1") == inquiry
    assert selectors.lookup(inquiry.receipt, "", ip="10.0.0.1") is None
    assert selectors.lookup("", inquiry.query_code, ip="10.0.0.1") is None
    for _n in range(8):
        selectors.lookup(inquiry.receipt, "AAAAAAAA", ip="10.0.0.1")
    with pytest.raises(services.Throttled):
        selectors.lookup(inquiry.receipt, inquiry.query_code, ip="10.0.0.1")
    assert selectors.lookup(inquiry.receipt, inquiry.query_code, ip="10.0.0.2") == inquiry


def test_overdue_lists_escalated_public_questions_still_with_the_unit(citizen, editor, unit, unit_staff):
    late = ask(citizen)
    answered_late = ask(citizen, title="城关镇第二小学门口路灯坏了")
    on_time = ask(citizen, title="建设路上的井盖丢失很危险")
    for inquiry in (late, answered_late, on_time):
        services.forward(actor=editor, inquiry=inquiry, unit=unit)
    for inquiry in (late, answered_late):
        inquiry.refresh_from_db()
        services.escalate(inquiry=inquiry, now=inquiry.deadline + dt.timedelta(hours=1))
    services.accept(actor=unit_staff, inquiry=answered_late)
    services.submit_reply(actor=unit_staff, inquiry=answered_late, body=REPLY)
    assert list(selectors.overdue()) == [late]
    assert late.state == State.FORWARDED
