"""The points store's staff pages at /practice/manage/store/ and their services (store.py): who
may open them, adding and changing items (a unique name, points at least 1, stock not below 0),
handing over a volunteer's exchange once, and cancelling one with a reason, which returns the
points exactly once and puts the item back in stock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.fans.auth import SESSION_KEY
from rongmei.fans.models import FanNotification
from rongmei.practice import services, store
from rongmei.practice.models import Exchange, LedgerEntry, StoreItem
from rongmei.practice.tests.test_manage_views import login, messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

POINTS = LedgerEntry.Kind.POINTS
STORE = reverse("practice:manage_store")
NEW_ITEM = reverse("practice:manage_store_item_new")


@pytest.fixture
def cup(db):
    return StoreItem.objects.create(name="保温杯", description="不锈钢，500毫升", points=20, stock=3)


@pytest.fixture
def volunteer(practice):
    volunteer = practice["volunteer"]
    services.credit(volunteer, kind=POINTS, amount=Decimal("30"), key="test:points", note="test")
    return volunteer


@pytest.fixture
def ordered(volunteer, cup):
    return services.exchange(fan=volunteer.fan, item=cup)


def item_data(**changes) -> dict:
    return {"name": "雨伞", "description": "折叠伞", "points": "15", "stock": "4", "active": "on", **changes}


def audit_actions(obj) -> list[str]:
    subject_type, subject_id = audit.subject_of(obj)
    return list(AuditLog.objects.filter(subject_type=subject_type, subject_id=subject_id).values_list("action", flat=True))


# --- who may ----------------------------------------------------------------------------------------


def _pages(cup, ordered):
    return [STORE, NEW_ITEM, reverse("practice:manage_store_item", args=[cup.pk])]


def _posts(cup, ordered):
    return [
        (NEW_ITEM, item_data()),
        (reverse("practice:manage_store_item", args=[cup.pk]), item_data(name="保温杯")),
        (reverse("practice:manage_exchange_collect", args=[ordered.pk]), {}),
        (reverse("practice:manage_exchange_cancel", args=[ordered.pk]), {"reason": "缺货"}),
    ]


def test_the_anonymous_are_sent_to_log_in(client, cup, ordered):
    for url in _pages(cup, ordered):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url, data in _posts(cup, ordered):
        assert client.post(url, data).status_code == 302, url
    ordered.refresh_from_db()
    assert ordered.state == Exchange.State.ORDERED and StoreItem.objects.count() == 1


def test_a_reporter_is_refused_every_page_and_button(client, reporter, cup, ordered):
    login(client, reporter)
    for url in _pages(cup, ordered):
        assert client.get(url).status_code == 403, url
    for url, data in _posts(cup, ordered):
        assert client.post(url, data).status_code == 403, url
    ordered.refresh_from_db()
    cup.refresh_from_db()
    assert ordered.state == Exchange.State.ORDERED and cup.name == "保温杯" and StoreItem.objects.count() == 1


def test_the_services_refuse_anyone_but_the_staff(reporter, volunteer, cup, ordered):
    with pytest.raises(NotAllowed):
        store.save_item(actor=reporter, name="雨伞", points=5, stock=1, active=True)
    with pytest.raises(NotAllowed):
        store.collect_exchange(actor=reporter, exchange=ordered)
    with pytest.raises(NotAllowed):
        store.cancel_exchange(actor=None, exchange=ordered, reason="缺货")


def test_an_operator_sees_the_items_and_the_exchanges_waiting(client, operator, practice, cup, ordered):
    StoreItem.objects.create(name="下架的伞", points=5, stock=0, active=False)
    login(client, operator)
    for url in _pages(cup, ordered):
        assert client.get(url).status_code == 200, url
    html = client.get(STORE).content.decode()
    assert "保温杯" in html and "下架的伞" in html and NEW_ITEM in html
    assert reverse("practice:manage_store_item", args=[cup.pk]) in html
    waiting = html.split('id="waiting-exchanges"')[1].split("</section>")[0]
    assert "王志愿" in waiting and practice["volunteer"].fan.phone in waiting
    assert reverse("practice:manage_exchange_collect", args=[ordered.pk]) in waiting
    assert reverse("practice:manage_exchange_cancel", args=[ordered.pk]) in waiting


def test_the_store_page_costs_the_same_queries_for_many_exchanges(client, operator, practice, django_assert_max_num_queries):
    item = StoreItem.objects.create(name="毛巾", points=1, stock=20)
    for key in ("volunteer", "volunteer2", "leader"):
        services.credit(practice[key], kind=POINTS, amount=Decimal("5"), key=f"t:{key}", note="test")
        for _i in range(3):
            services.exchange(fan=practice[key].fan, item=item)
    for e in Exchange.objects.all()[:4]:
        store.collect_exchange(actor=operator, exchange=e)
    login(client, operator)
    with django_assert_max_num_queries(12):
        assert client.get(STORE).status_code == 200


# --- items ----------------------------------------------------------------------------------------------


def test_an_operator_adds_an_item(client, operator):
    login(client, operator)
    response = client.post(NEW_ITEM, item_data())
    assert response.status_code == 302 and response["Location"] == STORE
    item = StoreItem.objects.get()
    assert (item.name, item.description, item.points, item.stock, item.active) == ("雨伞", "折叠伞", 15, 4, True)
    assert audit_actions(item) == ["practice.store_item"]
    assert "雨伞 is saved." in messages_of(client.get(STORE))


def test_an_operator_changes_an_item_and_takes_it_off_the_store(client, operator, cup):
    login(client, operator)
    url = reverse("practice:manage_store_item", args=[cup.pk])
    assert 'value="保温杯"' in client.get(url).content.decode()
    data = item_data(name="保温杯（大）", points="25", stock="3", stock_was="3")
    del data["active"]
    assert client.post(url, data).status_code == 302
    cup.refresh_from_db()
    assert (cup.name, cup.points, cup.stock, cup.active) == ("保温杯（大）", 25, 3, False)
    assert StoreItem.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "保温杯"}, "name", "The store has an item named 保温杯 already."),
        ({"name": "  "}, "name", "This field is required."),
        ({"points": "0"}, "points", "greater than or equal to 1"),
        ({"points": "-3"}, "points", "greater than or equal to 1"),
        ({"points": "十"}, "points", "Enter a whole number."),
        ({"stock": "-1"}, "stock", "greater than or equal to 0"),
        ({"stock": ""}, "stock", "This field is required."),
    ],
)
def test_bad_input_for_a_new_item_is_refused_at_its_field_and_kept(client, operator, cup, changes, field, message):
    login(client, operator)
    data = item_data(**changes)
    response = client.post(NEW_ITEM, data)
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert StoreItem.objects.count() == 1
    html = response.content.decode()
    assert 'value="折叠伞"' in html or "折叠伞</textarea>" in html  # what was typed is still there


def test_a_duplicate_name_is_refused_when_editing_and_nothing_changes(client, operator, cup):
    umbrella = StoreItem.objects.create(name="雨伞", points=15, stock=4)
    login(client, operator)
    url = reverse("practice:manage_store_item", args=[umbrella.pk])
    response = client.post(url, item_data(name="保温杯", points="99", stock_was="4"))
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["The store has an item named 保温杯 already."]
    assert 'value="99"' in response.content.decode()
    umbrella.refresh_from_db()
    assert (umbrella.name, umbrella.points) == ("雨伞", 15)


def test_the_service_refuses_bad_numbers_itself(operator, cup):
    for points, stock, field in ((0, 1, "points"), ("x", 1, "points"), (5, -1, "stock"), (5, None, "stock")):
        with pytest.raises(DomainError) as e:
            store.save_item(actor=operator, name="雨伞", points=points, stock=stock, active=True)
        assert e.value.field == field
    with pytest.raises(DomainError) as e:
        store.save_item(actor=operator, item=None, name="保温杯", points=5, stock=1, active=True)
    assert e.value.field == "name"
    assert StoreItem.objects.count() == 1


def test_an_edit_does_not_undo_an_exchange_made_meanwhile(client, operator, volunteer, cup):
    login(client, operator)
    url = reverse("practice:manage_store_item", args=[cup.pk])
    services.exchange(fan=volunteer.fan, item=cup)  # stock 3 -> 2 while the page was open
    response = client.post(url, item_data(name="保温杯", stock="10", stock_was="3"))
    assert response.status_code == 400
    assert "changed to 2" in response.context["form"].errors["stock"][0]
    cup.refresh_from_db()
    assert cup.stock == 2
    assert 'name="stock_was" value="2"' in response.content.decode()  # saving again is deliberate
    assert client.post(url, item_data(name="保温杯", stock="10", stock_was="2")).status_code == 302
    cup.refresh_from_db()
    assert cup.stock == 10


# --- collecting -----------------------------------------------------------------------------------------


def test_an_operator_hands_over_an_exchange_once(client, operator, volunteer, cup, ordered):
    assert ordered.state == Exchange.State.ORDERED
    login(client, operator)
    url = reverse("practice:manage_exchange_collect", args=[ordered.pk])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == STORE
    ordered.refresh_from_db()
    assert (
        ordered.state == Exchange.State.COLLECTED
        and ordered.collected_at is not None
        and ordered.handled_by == operator
        and ordered.handled_at == ordered.collected_at
    )
    assert "practice.exchange_collect" in audit_actions(ordered)
    collected_at = ordered.collected_at

    response = client.post(url, follow=True)
    assert any("handled already" in m for m in messages_of(response))
    ordered.refresh_from_db()
    assert ordered.collected_at == collected_at
    with pytest.raises(StateConflict):
        store.collect_exchange(actor=operator, exchange=ordered)
    handled = response.content.decode().split('id="handled-exchanges"')[1]
    assert "保温杯" in handled and "Collected" in handled


# --- cancelling ---------------------------------------------------------------------------------------


def test_cancelling_returns_the_points_and_the_stock_exactly_once(client, operator, volunteer, cup, ordered):
    assert services.balance(volunteer, POINTS) == 10
    cup.refresh_from_db()
    assert cup.stock == 2
    login(client, operator)
    url = reverse("practice:manage_exchange_cancel", args=[ordered.pk])
    response = client.post(url, {"reason": "保温杯已停产"}, follow=True)
    assert response.status_code == 200
    assert any("20 points went back to 王志愿" in m for m in messages_of(response))
    ordered.refresh_from_db()
    cup.refresh_from_db()
    assert ordered.state == Exchange.State.CANCELLED and ordered.cancel_reason == "保温杯已停产" and ordered.handled_by == operator
    assert ordered.collected_at is None and ordered.handled_at is not None
    assert services.balance(volunteer, POINTS) == 30 and cup.stock == 3
    assert LedgerEntry.objects.filter(key=f"exchange-refund:{ordered.pk}", amount=Decimal("20")).count() == 1
    assert "practice.exchange_cancel" in audit_actions(ordered)
    told = FanNotification.objects.get(fan=volunteer.fan)
    assert "保温杯已停产" in told.text and told.url == "/practice/me/"

    response = client.post(url, {"reason": "再点一次"}, follow=True)
    assert any("handled already" in m for m in messages_of(response))
    with pytest.raises(StateConflict):
        store.cancel_exchange(actor=operator, exchange=ordered, reason="再点一次")
    with pytest.raises(StateConflict):
        store.collect_exchange(actor=operator, exchange=ordered)
    cup.refresh_from_db()
    assert services.balance(volunteer, POINTS) == 30 and cup.stock == 3
    assert FanNotification.objects.filter(fan=volunteer.fan).count() == 1


def test_a_collected_exchange_cannot_be_cancelled(operator, volunteer, ordered):
    store.collect_exchange(actor=operator, exchange=ordered)
    with pytest.raises(StateConflict):
        store.cancel_exchange(actor=operator, exchange=ordered, reason="弄错了")
    assert services.balance(volunteer, POINTS) == 10


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "   "}])
def test_cancelling_without_a_reason_is_refused(client, operator, volunteer, cup, ordered, data):
    login(client, operator)
    response = client.post(reverse("practice:manage_exchange_cancel", args=[ordered.pk]), data, follow=True)
    assert any("Reason is required." in m for m in messages_of(response))
    ordered.refresh_from_db()
    cup.refresh_from_db()
    assert ordered.state == Exchange.State.ORDERED and cup.stock == 2 and services.balance(volunteer, POINTS) == 10


def test_the_volunteer_page_shows_a_cancelled_exchange(client, operator, volunteer, ordered):
    store.cancel_exchange(actor=operator, exchange=ordered, reason="保温杯已停产")
    session = client.session
    session[SESSION_KEY] = volunteer.fan.pk
    session.save()
    response = client.get("/practice/me/")
    assert response.status_code == 200
    html = response.content.decode()
    exchanges = html.split('id="practice-exchanges"')[1].split("</ul>")[0]
    assert "保温杯" in exchanges and "Cancelled, points returned" in exchanges
    assert 'id="practice-points">30<' in html
