"""Demo clients and projects of the operations area: three Biyang clients (a government bureau, a
cattle company, a volunteer association) and three projects in different states, one with an
invoice and a payment. Everything goes through rongmei.business.services, with the demo
operations user "jingying" (周经营) as salesperson; without that user nothing is seeded.

Idempotent: a client or project whose name exists is left alone. The credit codes are made up
(their check character is right, so they pass the form's check)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from rongmei.accounts.models import User
from rongmei.business import services
from rongmei.business.models import Client, Invoice, Project, credit_code_check_char

SALESPERSON = "jingying"


def _code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


CLIENTS = [
    ("泌阳县文化广电和旅游局", Client.Kind.GOVERNMENT, _code("11411726005001234"), "县文旅局，宣传科对接文化节与旅游推介。"),
    ("泌阳县夏南牛业有限公司", Client.Kind.ENTERPRISE, _code("91411726MA4001234"), "夏南牛养殖与深加工企业，年年办品牌推介会。"),
    ("泌阳县青年志愿者协会", Client.Kind.ORGANIZATION, _code("51411726500123456"), "团县委主管，志愿服务月需要宣传。"),
]
CONTACTS = {
    "泌阳县文化广电和旅游局": ("王科长", "0396-7921234", "宣传科科长"),
    "泌阳县夏南牛业有限公司": ("李经理", "13803961234", "品牌部经理"),
    "泌阳县青年志愿者协会": ("赵秘书长", "13939612345", "秘书长"),
}
DOCUMENTARY = "泌阳夏南牛文化节宣传片"
LIVE = "夏南牛品牌推介会全程直播"
VOLUNTEERS = "学雷锋志愿服务月系列宣传"
INVOICE_NUMBER = "41260000000123456"


def _bump(created: dict, key: str) -> None:
    created[key] = created.get(key, 0) + 1


def _client(actor, created: dict, name: str, kind: str, code: str, notes: str) -> Client:
    client = Client.objects.filter(name=name).first()
    if client is None:
        client = services.create_client(actor=actor, kind=kind, name=name, credit_code=code, notes=notes)
        contact = CONTACTS[name]
        services.add_contact(actor=actor, client=client, name=contact[0], phone=contact[1], position=contact[2])
        _bump(created, "clients")
    return client


def _project(actor, created: dict, client: Client, kind: str, title: str, lines) -> Project | None:
    """A new lead with its quote lines, or None when the project exists already."""
    if Project.objects.filter(client=client, title=title).exists():
        return None
    project = services.create_project(actor=actor, client=client, kind=kind, title=title)
    for description, quantity, unit_price_fen in lines:
        services.add_quote_line(actor=actor, project=project, description=description, quantity=quantity, unit_price_fen=unit_price_fen)
    _bump(created, "projects")
    return project


@transaction.atomic
def seed(created: dict | None = None) -> dict:
    """Seed the demo clients and projects (see the module); returns ``created`` with the counts."""
    created = created if created is not None else {}
    actor = User.objects.filter(username=SALESPERSON, is_active=True).first()
    if actor is None:
        return created
    clients = {name: _client(actor, created, name, kind, code, notes) for name, kind, code, notes in CLIENTS}
    today = timezone.localdate()

    # Quoted: the culture festival's film, waiting for the bureau's answer.
    project = _project(
        actor,
        created,
        clients["泌阳县文化广电和旅游局"],
        Project.Kind.DOCUMENTARY,
        DOCUMENTARY,
        [("外景拍摄（含摄像、灯光）", 3, 800_000), ("剪辑、调色与包装", 1, 1_200_000), ("航拍", 1, 500_000)],
    )
    if project is not None:
        services.mark_quoted(actor=actor, project=project)

    # In progress: the cattle company's live broadcast, half invoiced and paid.
    project = _project(
        actor,
        created,
        clients["泌阳县夏南牛业有限公司"],
        Project.Kind.LIVE_BROADCAST,
        LIVE,
        [("多机位直播技术服务", 1, 2_800_000), ("主持与现场导播", 1, 600_000), ("直播回放剪辑", 1, 400_000)],
    )
    if project is not None:
        services.mark_quoted(actor=actor, project=project)
        services.sign_contract(actor=actor, project=project, amount_fen=3_600_000, signed_on=today - dt.timedelta(days=20))
        services.start(actor=actor, project=project)
        services.add_milestone(actor=actor, project=project, title="直播彩排", due_on=today + dt.timedelta(days=5))
        services.add_milestone(actor=actor, project=project, title="正式直播", due_on=today + dt.timedelta(days=7))
        if not Invoice.objects.filter(number=INVOICE_NUMBER).exists():
            invoice = services.issue_invoice(
                actor=actor, project=project, number=INVOICE_NUMBER, amount_fen=1_800_000, issued_on=today - dt.timedelta(days=15)
            )
            services.record_payment(
                actor=actor,
                project=project,
                amount_fen=1_800_000,
                method="bank_transfer",
                received_on=today - dt.timedelta(days=8),
                invoice=invoice,
            )

    # A lead: the volunteers' month, one line quoted so far.
    _project(
        actor,
        created,
        clients["泌阳县青年志愿者协会"],
        Project.Kind.CAMPAIGN,
        VOLUNTEERS,
        [("新媒体宣传推送（图文+短视频）", 4, 150_000)],
    )
    return created
