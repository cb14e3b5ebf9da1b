"""The civic write path: proposal states, letters (screening, limits, receipts), permissions."""

import re

import pytest
from django.utils import timezone
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rongmei.civic import services
from rongmei.civic.models import CouncilKind, CouncilLetter, CouncilMember, Proposal, ProposalEvent, ServiceItem
from rongmei.civic.tests.conftest import days_ago
from rongmei.core import safety
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog, SensitiveWord, WordCategory
from rongmei.fans.models import FanNotification
from rongmei.fans.services import Throttled

pytestmark = pytest.mark.django_db

S = Proposal.Status


def write(fan, member, *, title="小区门口路灯坏了", body="幸福社区东门的路灯已经坏了两个月，晚上出行很不方便。", ip="10.0.0.1", **extra):
    return services.submit_letter(
        fan=fan, member_id=member.pk, title=title, body=body, location=extra.pop("location", "泌水街道"), is_public=True, ip=ip, **extra
    )


# --- proposals ------------------------------------------------------------------------------------


def test_a_registered_proposal_starts_submitted_with_its_first_step(suggestion):
    assert suggestion.status == S.SUBMITTED
    assert [(e.status, e.on) for e in suggestion.events.all()] == [(S.SUBMITTED, days_ago(30))]
    assert AuditLog.objects.get(action="civic.proposal.create").to_state == S.SUBMITTED


def test_an_operator_moves_a_proposal_through_to_closed(suggestion, operator):
    services.change_proposal_status(actor=operator, proposal=suggestion, to=S.ACCEPTED, on=days_ago(25), handling_unit="县住建局")
    services.change_proposal_status(actor=operator, proposal=suggestion, to=S.HANDLING, on=days_ago(20))
    services.change_proposal_status(actor=operator, proposal=suggestion, to=S.ANSWERED, on=days_ago(5), reply="已列入年度计划。")
    services.record_satisfaction(actor=operator, proposal=suggestion, satisfaction="satisfied")
    services.change_proposal_status(actor=operator, proposal=suggestion, to=S.CLOSED)
    suggestion.refresh_from_db()
    assert suggestion.status == S.CLOSED
    assert suggestion.handling_unit == "县住建局"
    assert (suggestion.reply, suggestion.replied_on, suggestion.satisfaction) == ("已列入年度计划。", days_ago(5), "satisfied")
    assert [e.status for e in suggestion.events.all()] == [S.SUBMITTED, S.ACCEPTED, S.HANDLING, S.ANSWERED, S.CLOSED]
    steps = AuditLog.objects.filter(action__startswith="civic.proposal.").exclude(action="civic.proposal.create")
    assert [(a.from_state, a.to_state, a.actor) for a in steps if a.to_state] == [
        (S.SUBMITTED, S.ACCEPTED, operator),
        (S.ACCEPTED, S.HANDLING, operator),
        (S.HANDLING, S.ANSWERED, operator),
        (S.ANSWERED, S.CLOSED, operator),
    ]


def test_a_step_the_state_does_not_allow_is_a_conflict_and_changes_nothing(suggestion, operator):
    with pytest.raises(StateConflict) as err:
        services.change_proposal_status(actor=operator, proposal=suggestion, to=S.CLOSED)
    assert "cannot become" in err.value.message
    suggestion.refresh_from_db()
    assert suggestion.status == S.SUBMITTED and suggestion.events.count() == 1


def test_not_accepting_needs_a_reason_and_is_final(suggestion, operator):
    with pytest.raises(DomainError) as err:
        services.change_proposal_status(actor=operator, proposal=suggestion, to=S.NOT_ACCEPTED)
    assert err.value.field == "note"
    services.change_proposal_status(actor=operator, proposal=suggestion, to=S.NOT_ACCEPTED, note="已列入年度计划，转有关部门参考。")
    suggestion.refresh_from_db()
    assert suggestion.not_accepted_reason == "已列入年度计划，转有关部门参考。"
    assert services.allowed_next(suggestion) == ()
    with pytest.raises(StateConflict):
        services.change_proposal_status(actor=operator, proposal=suggestion, to=S.ACCEPTED)


def test_answering_needs_the_reply_and_handling_needs_a_unit(suggestion, operator):
    services.change_proposal_status(actor=operator, proposal=suggestion, to=S.ACCEPTED)
    with pytest.raises(DomainError) as err:
        services.change_proposal_status(actor=operator, proposal=suggestion, to=S.HANDLING)
    assert err.value.field == "handling_unit"
    services.change_proposal_status(actor=operator, proposal=suggestion, to=S.HANDLING, handling_unit="县交通运输局")
    with pytest.raises(DomainError) as err:
        services.change_proposal_status(actor=operator, proposal=suggestion, to=S.ANSWERED, reply="   ")
    assert err.value.field == "reply"


def test_an_unsatisfied_answer_can_go_back_to_handling_and_a_new_reply_is_judged_anew(suggestion, operator):
    for to, extra in ((S.ACCEPTED, {"handling_unit": "县住建局"}), (S.HANDLING, {}), (S.ANSWERED, {"reply": "研究中。"})):
        services.change_proposal_status(actor=operator, proposal=suggestion, to=to, **extra)
    services.record_satisfaction(actor=operator, proposal=suggestion, satisfaction="unsatisfied")
    services.change_proposal_status(actor=operator, proposal=suggestion, to=S.HANDLING, note="代表不满意，重新办理。")
    services.change_proposal_status(actor=operator, proposal=suggestion, to=S.ANSWERED, reply="已落实资金。")
    suggestion.refresh_from_db()
    assert (suggestion.reply, suggestion.satisfaction) == ("已落实资金。", "")


def test_dates_in_the_future_or_before_the_submission_are_refused(suggestion, operator):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    with pytest.raises(DomainError, match="future"):
        services.change_proposal_status(actor=operator, proposal=suggestion, to=S.ACCEPTED, on=tomorrow)
    with pytest.raises(DomainError, match="before the proposal was submitted"):
        services.change_proposal_status(actor=operator, proposal=suggestion, to=S.ACCEPTED, on=days_ago(31))


def test_satisfaction_only_after_the_reply(suggestion, operator):
    with pytest.raises(StateConflict):
        services.record_satisfaction(actor=operator, proposal=suggestion, satisfaction="satisfied")
    with pytest.raises(DomainError):
        services.record_satisfaction(actor=operator, proposal=suggestion, satisfaction="great")


def test_a_reporter_may_not_change_states_or_the_directory(suggestion, reporter, id_card):
    with pytest.raises(NotAllowed):
        services.change_proposal_status(actor=reporter, proposal=suggestion, to=S.ACCEPTED)
    id_card.name = "改名"
    with pytest.raises(NotAllowed):
        services.save_service_item(actor=reporter, item=id_card)
    assert ServiceItem.objects.get(pk=id_card.pk).name == "居民身份证补领"


def test_signers_must_sit_in_the_proposals_council(deputy, member, operator):
    proposal = Proposal(
        kind=CouncilKind.RENDA, number="建议第1号", title="题目", session="十六届三次会议", year=2026, submitted_on=days_ago(3)
    )
    with pytest.raises(DomainError) as err:
        services.create_proposal(actor=operator, proposal=proposal, co_signers=[member])
    assert err.value.field == "lead"
    proposal.lead = deputy
    with pytest.raises(DomainError) as err:
        services.create_proposal(actor=operator, proposal=proposal, co_signers=[member])
    assert err.value.field == "co_signers" and "吴建华" in err.value.message
    services.create_proposal(actor=operator, proposal=proposal, co_signers=[deputy])
    assert list(proposal.co_signers.all()) == []  # the lead is not also a co-signer


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(list(S.values)), max_size=8))
def test_random_steps_only_ever_follow_the_state_machine(deputy, steps):
    proposal = services.create_proposal(
        actor=None,
        proposal=Proposal(
            kind=CouncilKind.RENDA,
            number=f"建议第{Proposal.objects.count() + 100}号",
            title="随机",
            session="十六届三次会议",
            year=2026,
            lead=deputy,
            submitted_on=days_ago(10),
        ),
    )
    path = [S.SUBMITTED]
    for to in steps:
        try:
            services.change_proposal_status(actor=None, proposal=proposal, to=to, note="理由", reply="答复", handling_unit="县某局")
        except StateConflict:
            assert to not in services.TRANSITIONS[path[-1]]
        else:
            assert to in services.TRANSITIONS[path[-1]]
            path.append(to)
    assert [e.status for e in ProposalEvent.objects.filter(proposal=proposal).order_by("id")] == path
    proposal.refresh_from_db()
    assert proposal.status == path[-1]


# --- letters --------------------------------------------------------------------------------------


def test_a_letter_gets_a_receipt_number_of_the_day_in_sequence(fan, other_fan, deputy):
    first = write(fan, deputy)
    second = write(other_fan, deputy, ip="10.0.0.2")
    day = timezone.localdate().strftime("%Y%m%d")
    assert first.receipt == f"XJ{day}-0001" and second.receipt == f"XJ{day}-0002"
    assert re.fullmatch(r"XJ\d{8}-\d{4}", first.receipt)
    assert first.status == CouncilLetter.Status.RECEIVED and first.phone_verified and first.is_public
    assert first.kind == "council_letter" and not first.flagged
    assert AuditLog.objects.filter(action="civic.letter.submit").count() == 2


def test_a_letter_with_sensitive_words_is_kept_and_flagged_not_dropped(fan, deputy):
    category = WordCategory.objects.create(name="广告", severity="block")
    SensitiveWord.objects.create(category=category, word="代开发票")
    safety.lists_changed()
    letter = write(fan, deputy, body="有人在社区门口发小广告说可以代开发票，请管一管。")
    assert CouncilLetter.objects.filter(pk=letter.pk).exists()
    assert letter.flagged is True
    assert [h["word"] for h in letter.safety_hits] == ["代开发票"]
    assert AuditLog.objects.get(action="civic.letter.submit").data["words"] == ["代开发票"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "路灯", "at least 5"),
        ("title", "     ", "Enter the"),
        ("title", "标" * 41, "at most 40"),
        ("body", "太短了", "at least 10"),
        ("body", "长" * 2001, "at most 2000"),
        ("location", "", "Enter the"),
    ],
)
def test_a_letter_with_a_bad_field_is_refused_naming_it(fan, deputy, field, value, message):
    with pytest.raises(DomainError) as err:
        write(fan, deputy, **{field: value})
    assert err.value.field == field and message in err.value.message
    assert not CouncilLetter.objects.exists()


def test_control_characters_are_taken_out_of_a_letter(fan, deputy):
    letter = write(fan, deputy, title="小区门口\x00路灯坏了", body="幸福社区东门的路灯\x07已经坏了两个月。\n晚上出行很不方便。")
    assert letter.title == "小区门口路灯坏了" and letter.body == "幸福社区东门的路灯已经坏了两个月。\n晚上出行很不方便。"


def test_a_hidden_member_is_not_found_and_one_without_letters_says_so(fan, deputy):
    deputy.accepts_letters = False
    deputy.save()
    with pytest.raises(StateConflict) as err:
        write(fan, deputy)
    assert err.value.code == "no_letters"
    deputy.active = False
    deputy.save()
    with pytest.raises(services.NotFound):
        write(fan, deputy)


def test_a_fan_waits_a_minute_between_letters_and_sends_at_most_five_a_day(fan, deputy):
    with freeze_time(timezone.now()) as clock:
        write(fan, deputy)
        with pytest.raises(Throttled) as err:
            write(fan, deputy)
        assert err.value.status == 429 and "seconds" in err.value.message and err.value.retry_after <= 60
        for _ in range(4):
            clock.tick(61)
            write(fan, deputy)
        clock.tick(61)
        with pytest.raises(Throttled) as err:
            write(fan, deputy)
        assert "5 letters today" in err.value.message
        clock.tick(24 * 3600)
        write(fan, deputy)
    assert CouncilLetter.objects.count() == 6


def test_one_network_sends_at_most_twenty_letters_an_hour(deputy):
    from rongmei.fans.models import Fan

    fans = [Fan.objects.create(phone=f"+86138000{n:05d}") for n in range(21)]
    for f in fans[:20]:
        write(f, deputy, ip="10.9.9.9")
    with pytest.raises(Throttled, match="your network"):
        write(fans[20], deputy, ip="10.9.9.9")
    write(fans[20], deputy, ip="10.9.9.10")


def test_refused_letters_do_not_count_against_the_limit(fan, deputy):
    with pytest.raises(DomainError):
        write(fan, deputy, title="短")
    write(fan, deputy)  # not throttled


def test_staff_forward_and_reply_and_the_writer_is_told(fan, deputy, operator):
    letter = write(fan, deputy)
    services.forward_letter(actor=operator, letter=letter)
    assert letter.status == CouncilLetter.Status.FORWARDED and letter.forwarded_at
    services.reply_letter(actor=operator, letter=letter, reply="已联系街道办，本周内修复。")
    assert letter.status == CouncilLetter.Status.REPLIED and letter.reply == "已联系街道办，本周内修复。"
    note = FanNotification.objects.get(fan=fan)
    assert note.kind == "letter.replied" and note.url == f"/councils/letters/{letter.receipt}/"
    assert "王秀兰" in note.text and "小区门口路灯坏了" in note.text
    services.close_letter(actor=operator, letter=letter)
    assert [a.to_state for a in AuditLog.objects.filter(action__startswith="civic.letter.").order_by("id")] == [
        "received",
        "forwarded",
        "replied",
        "closed",
    ]


def test_letter_steps_follow_their_order(fan, deputy, operator, reporter):
    letter = write(fan, deputy)
    with pytest.raises(NotAllowed):
        services.reply_letter(actor=reporter, letter=letter, reply="好的")
    with pytest.raises(DomainError):
        services.reply_letter(actor=operator, letter=letter, reply="")
    services.close_letter(actor=operator, letter=letter)
    with pytest.raises(StateConflict):
        services.forward_letter(actor=operator, letter=letter)
    with pytest.raises(StateConflict):
        services.reply_letter(actor=operator, letter=letter, reply="迟到的答复")
    assert not FanNotification.objects.exists()


def test_hiding_a_public_letter_is_audited(fan, deputy, operator):
    letter = write(fan, deputy)
    services.update_letter_staff_fields(actor=operator, letter=letter, hidden=True, staff_note="涉及个人隐私")
    assert letter.hidden and letter.staff_note == "涉及个人隐私"
    assert AuditLog.objects.filter(action="civic.letter.hide").count() == 1


def test_save_service_item_validates_links_and_phones(households, operator):
    item = ServiceItem(category=households, name="测试事项", unit="某局", link="javascript:alert(1)")
    with pytest.raises(DomainError) as err:
        services.save_service_item(actor=operator, item=item)
    assert err.value.field == "link" and "http://" in err.value.message
    item.link, item.phone = "https://example.gov.cn/", "请拨打办公室"
    with pytest.raises(DomainError) as err:
        services.save_service_item(actor=operator, item=item)
    assert err.value.field == "phone"
    item.phone = "0396-7921101转8001、12345"
    services.save_service_item(actor=operator, item=item)
    assert item.phone_numbers == [{"display": "0396-7921101转8001", "tel": "03967921101"}, {"display": "12345", "tel": "12345"}]
    assert AuditLog.objects.get(action="civic.service.create").actor == operator


def test_a_member_has_a_constituency_or_a_sector_by_council(operator):
    with pytest.raises(DomainError) as err:
        services.save_member(actor=operator, member=CouncilMember(kind=CouncilKind.RENDA, name="某某", sector="经济界"))
    assert err.value.field == "sector"
    with pytest.raises(DomainError) as err:
        services.save_member(actor=operator, member=CouncilMember(kind=CouncilKind.ZHENGXIE, name="某某", constituency="第1选区"))
    assert err.value.field == "constituency"
