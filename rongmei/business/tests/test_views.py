"""The operations pages (/ops/) through the test client: clients, the project board, a project's
whole life through its forms, who sees what (the chief editor reads without forms, a reporter gets
403 and sees only the deliverable notice, never money), the yuan parser, bad input that comes back
as a message and never a 500, and the demo data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from rongmei.accounts.models import Role
from rongmei.business import demo, selectors, services
from rongmei.business.forms import parse_yuan
from rongmei.business.models import Client, Deliverable, Invoice, Milestone, Payment, Project, QuoteLine
from rongmei.core.models import AuditLog
from rongmei.distribution import services as distribution
from rongmei.distribution.models import Channel
from rongmei.live import services as live
from rongmei.newsroom import services as newsroom
from rongmei.testing import factories
from rongmei.testing.personas import PASSWORD, login_with_second_factor, make_user

pytestmark = pytest.mark.django_db

State = Project.State
VALID_CODE = "91350100M000100Y43"  # the example of GB 32100-2015
MISTYPED_CODE = "91350100M000100Y44"
TODAY = timezone.localdate()


@pytest.fixture
def sales(db):
    return make_user("jingying", "周经营", Role.OPERATIONS)


@pytest.fixture
def ops(client, sales):
    return login_with_second_factor(client, sales)


@pytest.fixture
def customer(sales):
    return services.create_client(actor=sales, kind="enterprise", name="泌阳县夏南牛业有限公司", credit_code=VALID_CODE)


@pytest.fixture
def project(sales, customer):
    return services.create_project(actor=sales, client=customer, kind="live_broadcast", title="夏南牛品牌推介会直播")


def _contracted(sales, project, amount_fen=10_000_000) -> Project:
    services.add_quote_line(actor=sales, project=project, description="直播技术服务", quantity=2, unit_price_fen=4_000_000)
    services.mark_quoted(actor=sales, project=project)
    return services.sign_contract(actor=sales, project=project, amount_fen=amount_fen)


def _post(client, name, pk, data):
    return client.post(reverse(f"ops:{name}", args=[pk]), data)


def _column_of(html: str, title: str) -> str | None:
    """The state of the board column whose cards include ``title``."""
    for state, body in re.findall(r'<section class="board-column" id="column-(\w+)".*?>(.*?)</section>', html, re.S):
        if title in body:
            return state
    return None


def _publish(story, reviewers):
    for reviewer in reviewers:
        newsroom.approve(actor=reviewer, story=story)
    story.refresh_from_db()
    for pub in distribution.publish(actor=reviewers[-1], story=story, channels=list(Channel.objects.filter(code="website"))):
        distribution.send(pub)


# --- the yuan parser ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("12,345.67", 1_234_567),
        ("12345.6", 1_234_560),
        ("12345", 1_234_500),
        ("0.05", 5),
        ("1,000,000", 100_000_000),
        (" 800元 ", 80_000),
        ("￥800.5", 80_050),
        ("１２，３４５．６７", 1_234_567),  # typed with a Chinese input method: full width
        ("12345.", 1_234_500),
        ("", None),
        ("   ", None),
    ],
)
def test_yuan_typed_by_people_becomes_whole_fen(typed, fen):
    assert parse_yuan(typed) == fen


def test_yuan_is_parsed_without_floats_however_many_digits():
    assert parse_yuan("99,999,999,999.99") == 9_999_999_999_999
    assert parse_yuan("0.29") == 29  # float(0.29) * 100 == 28.999999999999996


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("12.345", "yuan_decimals"),
        ("1,234.567", "yuan_decimals"),
        ("-5", "yuan_negative"),
        ("－5", "yuan_negative"),
        ("abc", "yuan_format"),
        ("12,34.5", "yuan_format"),
        ("1e5", "yuan_format"),
        (".5", "yuan_format"),
        ("1.2.3", "yuan_format"),
        ("12 万", "yuan_format"),
        ("1234567890123456", "yuan_too_large"),
    ],
)
def test_wrong_amounts_are_refused_with_a_reason(typed, code):
    with pytest.raises(ValidationError) as caught:
        parse_yuan(typed)
    assert caught.value.code == code


# --- clients ----------------------------------------------------------------------------------------------


def test_a_mistyped_credit_code_is_refused_in_chinese_and_the_typed_name_is_kept(ops):
    data = {"kind": "enterprise", "name": "泌阳县夏南牛业有限公司", "credit_code": MISTYPED_CODE, "notes": "品牌部对接"}
    response = ops.post(reverse("ops:client_new"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "统一社会信用代码有误：校验码不符。" in html
    assert 'value="泌阳县夏南牛业有限公司"' in html
    assert "品牌部对接" in html
    assert not Client.objects.exists()

    response = ops.post(reverse("ops:client_new"), {**data, "credit_code": VALID_CODE.lower()})
    client = Client.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ops:client", args=[client.pk])
    assert client.credit_code == VALID_CODE


def test_clients_are_listed_and_searched_by_name_or_code(ops, sales, customer):
    services.create_client(actor=sales, kind="government", name="泌阳县文化广电和旅游局")
    html = ops.get(reverse("ops:clients")).content.decode()
    assert "泌阳县夏南牛业有限公司" in html and "泌阳县文化广电和旅游局" in html
    html = ops.get(reverse("ops:clients"), {"q": "文化"}).content.decode()
    assert "泌阳县文化广电和旅游局" in html and "泌阳县夏南牛业有限公司" not in html
    html = ops.get(reverse("ops:clients"), {"q": "m000100"}).content.decode()
    assert "泌阳县夏南牛业有限公司" in html and "泌阳县文化广电和旅游局" not in html


def test_a_client_page_shows_contacts_projects_with_money_and_payments(ops, sales, customer, project):
    response = _post(
        ops, "client_contact_add", customer.pk, {"contact-name": "李经理", "contact-phone": "138 0396 1234", "contact-position": "品牌部"}
    )
    assert response.status_code == 302
    _contracted(sales, project)
    services.record_payment(actor=sales, project=project, amount_fen=2_500_000)
    html = ops.get(reverse("ops:client", args=[customer.pk])).content.decode()
    assert "李经理" in html and "138 0396 1234" in html
    assert project.title in html
    assert "100,000.00" in html  # the contract
    assert "25,000.00" in html  # received
    assert "75,000.00" in html  # outstanding
    assert str(selectors.PaymentStatus.PARTLY_PAID.label) in html


def test_a_bad_contact_keeps_what_was_typed(ops, customer):
    response = _post(ops, "client_contact_add", customer.pk, {"contact-name": "李经理", "contact-phone": "打电话", "contact-position": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="李经理"' in html and 'value="打电话"' in html
    assert not customer.contacts.exists()


# --- a project's whole life ------------------------------------------------------------------------------


def test_the_whole_lifecycle_through_the_pages(ops, sales, customer, reporter, team, reviewers):
    response = ops.post(reverse("ops:project_new"), {"client": customer.pk, "kind": "live_broadcast", "title": "夏南牛品牌推介会直播"})
    project = Project.objects.get()
    assert response.status_code == 302 and response.url == reverse("ops:project", args=[project.pk])
    assert project.salesperson == sales and project.state == State.LEAD
    assert _column_of(ops.get(reverse("ops:projects")).content.decode(), project.title) == "lead"

    for description, quantity, price in (("直播技术服务", "2", "12,345.67"), ("宣传片剪辑", "1", "5000.5")):
        response = _post(
            ops,
            "project_quote_line",
            project.pk,
            {"quote-description": description, "quote-quantity": quantity, "quote-unit_price_fen": price},
        )
        assert response.status_code == 302
    assert list(project.quote_lines.values_list("unit_price_fen", flat=True)) == [1_234_567, 500_050]
    page = ops.get(reverse("ops:project", args=[project.pk])).content.decode()
    assert "29,691.84" in page  # 2 × 12,345.67 + 5,000.50

    assert _post(ops, "project_send_quote", project.pk, {}).status_code == 302
    project.refresh_from_db()
    assert project.state == State.QUOTED
    assert _column_of(ops.get(reverse("ops:projects")).content.decode(), project.title) == "quoted"

    signed = (TODAY - dt.timedelta(days=3)).isoformat()
    assert _post(ops, "project_sign", project.pk, {"contract-amount_fen": "28,000", "contract-signed_on": signed}).status_code == 302
    project.refresh_from_db()
    assert (project.state, project.amount_fen, project.signed_on.isoformat()) == (State.CONTRACTED, 2_800_000, signed)

    assert _post(ops, "project_start", project.pk, {}).status_code == 302
    story = factories.story_in_review(reporter, team)
    due = (TODAY + dt.timedelta(days=10)).isoformat()
    assert (
        _post(ops, "project_deliverable", project.pk, {"deliverable-target": f"story:{story.pk}", "deliverable-due_on": due}).status_code
        == 302
    )
    assert _post(ops, "project_milestone", project.pk, {"milestone-title": "直播彩排", "milestone-due_on": due}).status_code == 302
    milestone = Milestone.objects.get()
    board = ops.get(reverse("ops:projects")).content.decode()
    assert _column_of(board, project.title) == "in_progress"
    assert "直播彩排" in board and "28,000.00" in board  # the next milestone and the money on the card
    assert ops.post(reverse("ops:milestone_done", args=[milestone.pk])).status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_at is not None

    response = _post(
        ops,
        "project_invoice",
        project.pk,
        {"invoice-number": "41260000000123456", "invoice-issued_on": TODAY.isoformat(), "invoice-amount_fen": "14000"},
    )
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    data = {
        "payment-amount_fen": "14,000.00",
        "payment-method": "bank_transfer",
        "payment-received_on": TODAY.isoformat(),
        "payment-invoice": invoice.pk,
    }
    assert _post(ops, "project_payment", project.pk, data).status_code == 302
    assert Payment.objects.get().invoice == invoice
    page = ops.get(reverse("ops:project", args=[project.pk])).content.decode()
    assert str(selectors.PaymentStatus.PARTLY_PAID.label) in page

    _publish(story, reviewers)  # the task it enqueues is not run here: the page refreshes
    page = ops.get(reverse("ops:project", args=[project.pk])).content.decode()
    project.refresh_from_db()
    assert project.state == State.DELIVERED
    assert Deliverable.objects.get().done_at is not None
    assert reverse("portal:story", args=[story.pk]) in page  # published: its public page
    assert _column_of(ops.get(reverse("ops:projects")).content.decode(), project.title) == "delivered"

    assert _post(ops, "project_close", project.pk, {}).status_code == 302
    project.refresh_from_db()
    assert project.state == State.CLOSED
    assert _column_of(ops.get(reverse("ops:projects")).content.decode(), project.title) is None

    page = ops.get(reverse("ops:project", args=[project.pk])).content.decode()
    lines = AuditLog.objects.filter(subject_type="business.project", subject_id=str(project.pk))
    assert lines.count() >= 12
    for line in lines:
        assert line.summary in page
    # A closed project takes no more work, only the money still owed.
    for name in ("project_quote_line", "project_deliverable", "project_milestone", "project_cancel", "project_close"):
        assert reverse(f"ops:{name}", args=[project.pk]) not in page
    for name in ("project_invoice", "project_payment"):
        assert reverse(f"ops:{name}", args=[project.pk]) in page


def test_a_deliverable_is_picked_by_its_number_too(ops, sales, project, operator):
    room = live.create_room(actor=operator, title="牛业大会开幕式", scheduled_at=timezone.now() + dt.timedelta(days=1))
    response = _post(ops, "project_deliverable", project.pk, {"deliverable-kind": "live_room", "deliverable-number": room.pk})
    assert response.status_code == 302
    deliverable = Deliverable.objects.get()
    assert deliverable.live_room == room and deliverable.due_on is None
    page = ops.get(reverse("ops:project", args=[project.pk])).content.decode()
    # Operations staff may not open the live console: they get the room's public page.
    assert reverse("live:room", args=[room.pk]) in page
    assert reverse("live:manage", args=[room.pk]) not in page


def test_the_newsroom_pages_are_linked_for_those_who_may_open_them(client, sales, project, operator):
    room = live.create_room(actor=operator, title="牛业大会开幕式", scheduled_at=timezone.now() + dt.timedelta(days=1))
    services.add_deliverable(actor=sales, project=project, live_room=room)
    admin = make_user("admin9", "管理员", Role.ADMIN)
    login_with_second_factor(client, admin)
    page = client.get(reverse("ops:project", args=[project.pk])).content.decode()
    assert reverse("live:manage", args=[room.pk]) in page
    assert client.get(reverse("live:manage", args=[room.pk])).status_code == 200


def test_a_project_without_deliverables_is_delivered_by_hand(ops, sales, project):
    services.start(actor=sales, project=_contracted(sales, project))
    assert _post(ops, "project_deliver", project.pk, {}).status_code == 302
    project.refresh_from_db()
    assert project.state == State.DELIVERED


def test_a_project_is_cancelled_with_its_reason(ops, sales, project):
    response = _post(ops, "project_cancel", project.pk, {"cancel-reason": "客户预算取消"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.state, project.cancel_reason) == (State.CANCELLED, "客户预算取消")
    page = ops.get(reverse("ops:project", args=[project.pk])).content.decode()
    assert "客户预算取消" in page
    assert _column_of(ops.get(reverse("ops:projects")).content.decode(), project.title) is None


# --- bad input: a message, never a 500 -------------------------------------------------------------------


def test_a_quote_line_with_three_decimals_is_refused_and_the_input_kept(ops, project):
    data = {"quote-description": "直播技术服务", "quote-quantity": "2", "quote-unit_price_fen": "12.345"}
    response = _post(ops, "project_quote_line", project.pk, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert _("An amount has at most two decimals (fen).") in html
    assert 'value="直播技术服务"' in html and 'value="12.345"' in html
    assert not QuoteLine.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("project_quote_line", {"quote-description": "", "quote-quantity": "x", "quote-unit_price_fen": "-3"}),
        ("project_quote_line", {"quote-description": "剪辑", "quote-quantity": "0", "quote-unit_price_fen": "0"}),
        ("project_quote_line", {"quote-description": "剪辑", "quote-quantity": "1", "quote-unit_price_fen": "9" * 14}),
        ("project_deliverable", {}),
        ("project_deliverable", {"deliverable-target": "story:999999"}),
        ("project_deliverable", {"deliverable-kind": "plan", "deliverable-number": "999999"}),
        ("project_deliverable", {"deliverable-kind": "nonsense", "deliverable-number": "1"}),
        ("project_milestone", {"milestone-title": "彩排", "milestone-due_on": "2026-02-30"}),
        ("project_cancel", {"cancel-reason": ""}),
        ("project_sign", {"contract-amount_fen": "lots"}),
    ],
)
def test_bad_posts_come_back_with_a_message(ops, project, name, data):
    response = _post(ops, name, project.pk, data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode() or "form-errors" in response.content.decode()


def test_money_beyond_the_contract_is_refused_by_the_service_on_the_form(ops, sales, project):
    _contracted(sales, project, amount_fen=1_000_000)
    data = {"invoice-number": "A-0001", "invoice-issued_on": TODAY.isoformat(), "invoice-amount_fen": "10,000.01"}
    response = _post(ops, "project_invoice", project.pk, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "10,000.01" in html and "A-0001" in html
    assert "10,000.00" in html  # the contract's amount named in the message
    assert not Invoice.objects.exists()
    future = (TODAY + dt.timedelta(days=2)).isoformat()
    response = _post(
        ops, "project_payment", project.pk, {"payment-amount_fen": "100", "payment-method": "cash", "payment-received_on": future}
    )
    assert response.status_code == 400
    assert "日期不能晚于今天。" in response.content.decode()


def test_a_button_out_of_turn_says_why(ops, sales, project):
    response = ops.post(reverse("ops:project_send_quote", args=[project.pk]), follow=True)
    assert response.status_code == 200
    assert _("Add at least one quote line before sending the quote.") in response.content.decode()
    response = ops.post(reverse("ops:project_start", args=[project.pk]), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    milestone = services.add_milestone(actor=sales, project=project, title="彩排", due_on=TODAY)
    services.complete_milestone(actor=sales, milestone=milestone)
    response = ops.post(reverse("ops:milestone_done", args=[milestone.pk]), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_unknown_objects_are_404_and_actions_are_post_only(ops, project):
    assert ops.get(reverse("ops:project", args=[999999])).status_code == 404
    assert ops.get(reverse("ops:client", args=[999999])).status_code == 404
    assert ops.post(reverse("ops:project_start", args=[999999])).status_code == 404
    assert ops.get(reverse("ops:project_start", args=[project.pk])).status_code == 405


# --- who sees what -----------------------------------------------------------------------------------------


def test_the_chief_editor_reads_every_page_without_a_form(client, chief, sales, customer, project):
    _contracted(sales, project)
    login_with_second_factor(client, chief)
    for url in (
        reverse("ops:home"),
        reverse("ops:clients"),
        reverse("ops:client", args=[customer.pk]),
        reverse("ops:projects"),
        reverse("ops:project", args=[project.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'action="/ops/' not in response.content.decode(), url
    assert "100,000.00" in client.get(reverse("ops:project", args=[project.pk])).content.decode()
    assert client.get(reverse("ops:client_new")).status_code == 403
    response = _post(client, "project_start", project.pk, {})
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.state == State.CONTRACTED


def test_an_administrator_manages_too(client, sales, project):
    login_with_second_factor(client, make_user("admin1", "管理员", Role.ADMIN))
    assert client.get(reverse("ops:project", args=[project.pk])).status_code == 200
    response = _post(
        client, "project_quote_line", project.pk, {"quote-description": "剪辑", "quote-quantity": "1", "quote-unit_price_fen": "100"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("persona", ["reporter", "editor", "operator"])
def test_the_newsroom_gets_403_in_chinese_on_every_page(client, request, persona, customer, project):
    login_with_second_factor(client, request.getfixturevalue(persona))
    for url in (reverse("ops:home"), reverse("ops:clients"), reverse("ops:projects"), reverse("ops:project", args=[project.pk])):
        response = client.get(url)
        assert response.status_code == 403, url
        assert _("Only operations staff and the chief editor may see this.") in response.content.decode()
    assert _post(client, "project_cancel", project.pk, {"cancel-reason": "不做了"}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, project):
    response = client.get(reverse("ops:project", args=[project.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_the_reporter_sees_the_deliverable_notice_without_money(client, sales, project, reporter, team):
    story = factories.draft_story(reporter, team)
    _contracted(sales, project, amount_fen=12_345_678)
    services.add_deliverable(actor=sales, project=project, story=story, due_on=dt.date(2026, 5, 20))
    services.issue_invoice(actor=sales, project=project, number="FP-1", amount_fen=1_000_000)
    client.force_login(reporter)
    html = client.get(reverse("newsroom:story", args=[story.pk])).content.decode()
    notice = re.search(r'<p class="msg info deliverable-notice">(.*?)</p>', html, re.S).group(1)
    assert project.title in notice and "2026-05-20" in notice
    assert "元" not in notice.replace(project.title, "")
    for amount in ("123,456.78", "123456.78", "80,000.00", "10,000.00", "¥"):
        assert amount not in html
    assert customer_name_absent(html, project)


def customer_name_absent(html: str, project: Project) -> bool:
    """The newsroom learns which project, not which client pays or how much."""
    return project.client.name not in html


def test_the_notice_is_on_the_plan_page_and_the_live_console(client, sales, project, reporter, column_lead, team, operator):
    plan = factories.approved_plan(reporter, column_lead, team)
    room = live.create_room(actor=operator, title="牛业大会开幕式", scheduled_at=timezone.now() + dt.timedelta(days=1))
    services.add_deliverable(actor=sales, project=project, plan=plan)
    services.add_deliverable(actor=sales, project=project, live_room=room, due_on=dt.date(2026, 6, 1))
    client.force_login(reporter)
    html = client.get(reverse("newsroom:plan", args=[plan.pk])).content.decode()
    assert "deliverable-notice" in html and project.title in html
    client.force_login(operator)
    html = client.get(reverse("live:manage", args=[room.pk])).content.decode()
    assert "deliverable-notice" in html and project.title in html and "2026-06-01" in html


def test_a_story_that_is_no_deliverable_has_no_notice(client, reporter, team):
    story = factories.draft_story(reporter, team)
    client.force_login(reporter)
    assert "deliverable-notice" not in client.get(reverse("newsroom:story", args=[story.pk])).content.decode()


def test_operations_staff_land_on_their_area_after_login(client, sales):
    response = client.post(reverse("accounts:login"), {"username": sales.username, "password": PASSWORD})
    assert response.status_code == 302
    # Straight there, or through the two-factor page once the role needs it.
    assert response.url in (reverse("ops:home"), f"{reverse('accounts:two_factor')}?{urlencode({'next': reverse('ops:home')})}")


def test_the_main_navigation_links_the_area_for_its_readers_only(client, chief, reporter):
    login_with_second_factor(client, chief)
    assert f'href="{reverse("ops:home")}"' in client.get(reverse("newsroom:home")).content.decode()
    client.force_login(reporter)
    assert f'href="{reverse("ops:home")}"' not in client.get(reverse("newsroom:home")).content.decode()


# --- the overview and the board ----------------------------------------------------------------------------


def test_the_overview_shows_open_projects_and_what_is_due(ops, sales, project, reporter, team):
    services.add_milestone(actor=sales, project=project, title="脚本确认", due_on=TODAY + dt.timedelta(days=3))
    services.add_milestone(actor=sales, project=project, title="年底回访", due_on=TODAY + dt.timedelta(days=90))
    story = factories.draft_story(reporter, team, headline="夏南牛文化节前瞻")
    services.add_deliverable(actor=sales, project=project, story=story, due_on=TODAY - dt.timedelta(days=1))
    html = ops.get(reverse("ops:home")).content.decode()
    assert project.title in html
    assert "脚本确认" in html and "年底回访" not in html
    assert "夏南牛文化节前瞻" in html


def test_the_board_takes_the_same_queries_however_many_projects(ops, sales, customer, django_assert_num_queries):
    def make(n):
        for i in range(n):
            p = services.create_project(actor=sales, client=customer, kind="event", title=f"活动策划{Project.objects.count()}-{i}")
            services.add_milestone(actor=sales, project=p, title="方案", due_on=TODAY)
            _contracted(sales, p, amount_fen=100_000 + i)
            services.issue_invoice(actor=sales, project=p, number=f"N{p.pk}", amount_fen=50_000)

    make(1)
    url = reverse("ops:projects")
    ops.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        ops.get(url)
    make(4)
    with django_assert_num_queries(len(few.captured_queries)):
        ops.get(url)


def test_board_money_matches_the_single_project_money(sales, project, customer):
    _contracted(sales, project)
    services.issue_invoice(actor=sales, project=project, number="FP-9", amount_fen=3_000_000, issued_on=TODAY - dt.timedelta(days=40))
    services.record_payment(actor=sales, project=project, amount_fen=1_000_000, received_on=TODAY - dt.timedelta(days=1))
    other = services.create_project(actor=sales, client=customer, kind="event", title="另一个项目")
    many = selectors.money_of(actor=sales, projects=[project, other])
    for p in (project, other):
        assert many[p.pk] == selectors.project_money(actor=sales, project=p)
    assert many[project.pk].status == selectors.PaymentStatus.OVERDUE


# --- demo data ---------------------------------------------------------------------------------------------


def test_the_demo_needs_its_operations_user(db):
    assert demo.seed() == {}
    assert not Client.objects.exists()


def test_the_demo_seeds_clients_and_projects_once(sales):
    created = demo.seed({})
    assert created == {"clients": 3, "projects": 3}
    states = dict(Project.objects.values_list("title", "state"))
    assert states == {demo.DOCUMENTARY: State.QUOTED, demo.LIVE: State.IN_PROGRESS, demo.VOLUNTEERS: State.LEAD}
    live_project = Project.objects.get(title=demo.LIVE)
    assert live_project.invoices.count() == 1 and live_project.payments.count() == 1
    assert all(p.quote_lines.exists() for p in Project.objects.all())
    assert demo.seed() == {}
    assert Client.objects.count() == 3 and Project.objects.count() == 3
