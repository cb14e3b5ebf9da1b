"""The demo 问政 platform of Biyang: units and their staff logins, categories, and questions in
every state, played through the services (so the audit log and timelines are real).

Idempotent: units, categories and questions that exist (by name or title) are left alone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.utils import timezone

from rongmei.accounts.models import User
from rongmei.inquiries import classify, services
from rongmei.inquiries.classify import CATEGORIES, DEFAULT_UNITS
from rongmei.inquiries.models import Category, Inquiry, Kind, Rating, Reply, Unit

PARENT_UNIT = ("泌阳县人民政府办公室", "县政府办", "xzfb@biyang.gov.example")
# Units beyond the classifier's seven defaults: name, short name.
MORE_UNITS = [
    ("泌阳县城市管理局", "城管局"),
    ("泌阳县自然资源局", "自然资源局"),
    ("泌阳县公安局交通管理大队", "交警大队"),
    ("泌阳县市场监督管理局", "市场监管局"),
    ("泌阳县水利局", "水利局"),
]
# The demo logins of the units portal (seeded as staff by newsroom.demo_data.STAFF): username → unit, leader?
UNIT_LOGINS = {
    "unit": ("泌阳县住房和城乡建设局", False),
    "unitlead": ("泌阳县住房和城乡建设局", True),
    "jiaotong": ("泌阳县交通运输局", False),
    "jiaoyu": ("泌阳县教育局", False),
    "weijian": ("泌阳县卫生健康委员会", False),
    "renshe": ("泌阳县人力资源和社会保障局", False),
}

# Questions: title, body, town, kind, the state to play it to, the unit (category), days ago submitted.
QUESTIONS = [
    (
        "泌水街道建设路积水严重出行困难",
        "建设路社区门口一下雨就积水，深的地方没过脚踝，老人孩子出门很不方便，希望有关部门尽快疏通下水道。",
        "泌水街道",
        Kind.COMPLAINT,
        "submitted",
        "城乡建设",
        0,
    ),
    (
        "春水镇中心小学门口缺少减速带",
        "春水镇中心小学门口是省道，车辆速度很快，上下学时段孩子过马路很危险，建议设置减速带和人行横道。",
        "春水镇",
        Kind.SUGGESTION,
        "submitted",
        "交通运输",
        0,
    ),
    (
        "羊册镇刘庄村养殖场气味扰民",
        "刘庄村东头的养猪场离住户不到两百米，夏天气味很大，污水直接排到沟里，村民多次反映没有解决。",
        "羊册镇",
        Kind.COMPLAINT,
        "submitted",
        "环境保护",
        1,
    ),
    (
        "灵活就业人员医保怎么缴费",
        "我是灵活就业人员，想咨询一下城镇职工医保在哪里办理、每年缴多少钱、能不能在手机上缴。",
        "古城街道",
        Kind.CONSULT,
        "needs_info",
        "劳动和社会保障",
        2,
    ),
    (
        "花园街道小区加装电梯政策咨询",
        "我们小区是九十年代的老楼，住的大多是老人，想问加装电梯有没有补贴，需要多少住户同意，去哪里申请。",
        "花园街道",
        Kind.CONSULT,
        "forwarded",
        "城乡建设",
        1,
    ),
    (
        "铜山乡湖滨村道路破损何时维修",
        "湖滨村通往乡里的水泥路坑坑洼洼，去年就坏了，雨天摩托车经常摔倒，请问什么时候能修？",
        "铜山乡",
        Kind.HELP,
        "overdue",
        "交通运输",
        14,
    ),
    (
        "县医院夜间挂号排队时间太长",
        "晚上带孩子去县医院看急诊，挂号窗口只开一个，排了一个多小时，希望夜间多开窗口或者开通手机挂号。",
        "泌水街道",
        Kind.SUGGESTION,
        "replied",
        "卫生计生",
        6,
    ),
    (
        "王店镇中学食堂收费标准咨询",
        "孩子在王店镇中学上学，食堂每月收费比去年涨了，想问收费标准是谁定的，有没有公示。",
        "王店镇",
        Kind.CONSULT,
        "published",
        "教育文体",
        9,
    ),
    (
        "贾楼乡农民工工资被拖欠求助",
        "我们十几个人在贾楼乡一个工地干了半年活，老板一直拖着不给工资，找了好几次都说没钱，请政府帮帮我们。",
        "贾楼乡",
        Kind.HELP,
        "closed",
        "劳动和社会保障",
        12,
    ),
    (
        "古城街道夜市占道经营噪音大",
        "古城街道十字路口的夜市摊位一直摆到晚上十二点以后，占了人行道，噪音很大，附近居民休息不好。",
        "古城街道",
        Kind.COMPLAINT,
        "rejected",
        "城乡建设",
        4,
    ),
]

REPLIES = {
    "县医院夜间挂号排队时间太长": "您反映的夜间挂号排队问题已收悉。经核实，县人民医院急诊夜间挂号确只开放一个窗口。医院已从本月起夜间增开一个挂号收费窗口，并在“健康泌阳”公众号开通急诊预约挂号，夜间就诊可先在手机上挂号缴费。",
    "王店镇中学食堂收费标准咨询": "经核查，王店镇中学食堂伙食费由学校按照“保本微利”原则制定，报县教育局和发改部门备案，今年因食材价格上涨每月调整了30元。学校已在校门口公示栏和家长群公示收费标准及明细，家长可随时到学校查阅伙食账目。",
    "贾楼乡农民工工资被拖欠求助": "县人社局劳动保障监察大队接到转办后，已于三个工作日内约谈该工地施工单位负责人，责令其限期支付拖欠的工资。目前十四名工人共计二十一万元工资已全部结清。今后如再遇欠薪，可拨打12333举报。",
}


def _ensure_units(made: Counter) -> dict[str, Unit]:
    parent, created = Unit.objects.get_or_create(name=PARENT_UNIT[0], defaults={"short_name": PARENT_UNIT[1], "email": PARENT_UNIT[2]})
    made["units"] += created
    by_category = {}
    for order, category_name in enumerate(CATEGORIES, start=1):
        name = DEFAULT_UNITS[category_name]
        unit, created = Unit.objects.get_or_create(
            name=name, defaults={"short_name": name.removeprefix("泌阳县")[:20], "parent": parent, "sort_order": order * 10}
        )
        made["units"] += created
        by_category[category_name] = unit
        category, created = Category.objects.get_or_create(name=category_name, defaults={"unit": unit, "sort_order": order * 10})
        made["categories"] += created
    for order, (name, short) in enumerate(MORE_UNITS, start=len(CATEGORIES) + 1):
        made["units"] += Unit.objects.get_or_create(name=name, defaults={"short_name": short, "parent": parent, "sort_order": order * 10})[
            1
        ]
    for username, (unit_name, leader) in UNIT_LOGINS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        unit = Unit.objects.get(name=unit_name)
        unit.members.add(user)
        if leader and unit.leader_id is None:
            unit.leader = user
            unit.save(update_fields=["leader"])
    return by_category


def _fan(n: int):
    from rongmei.fans.models import Fan

    return Fan.objects.get_or_create(phone=f"+861380000{n:04d}", defaults={"nickname": f"泌阳网友{n:02d}"})[0]


def _play(spec, units: dict[str, Unit], desk: User, chief: User, n: int) -> None:
    title, body, town, kind, target, category_name, days_ago = spec
    unit = units[category_name]
    category = Category.objects.get(name=category_name)
    when = timezone.now() - dt.timedelta(days=days_ago, hours=2)
    inquiry = services.submit(fan=_fan(n), kind=kind, title=title, body=body, location=town, now=when)
    if target == "submitted":
        return
    if target == "needs_info":
        services.ask_for_info(
            actor=desk, inquiry=inquiry, question="请补充您的参保身份（如个体户、自由职业）和户籍所在地，便于转交相关部门答复。"
        )
        return
    if target == "rejected":
        services.reject(actor=desk, inquiry=inquiry, reason="该问题已于本月由县城管局在“问政回音”栏目集中答复，请查阅相关报道。")
        return
    services.forward(actor=desk, inquiry=inquiry, unit=unit, category=category, now=when + dt.timedelta(hours=20))
    if target == "forwarded":
        return
    unit_user = _unit_user(unit)
    services.accept(actor=unit_user, inquiry=inquiry)
    if target == "overdue":
        services.sweep()
        return
    reply = services.submit_reply(actor=unit_user, inquiry=inquiry, body=REPLIES[title])
    if target == "replied":
        return
    services.approve_reply(actor=desk, reply=Reply.objects.get(pk=reply.pk))
    services.publish(actor=chief, inquiry=inquiry)
    if target == "closed":
        services.rate(fan=inquiry.fan, inquiry=inquiry, rating=Rating.SATISFIED)


def _unit_user(unit: Unit) -> User:
    user = unit.members.filter(is_active=True).order_by("pk").first()
    if user is None:
        raise LookupError(f"the demo unit {unit.name} has no staff login (newsroom.demo_data.STAFF)")
    return user


def seed_demo() -> Counter:
    made: Counter = Counter()
    with transaction.atomic():
        units = _ensure_units(made)
    desk = User.objects.filter(username="editor").first()
    chief = User.objects.filter(username="chief").first()
    if desk is None or chief is None:
        return made
    try:  # trained once per install (about 20 s), so the demo's suggestions come from it
        classify.default_model()
    except FileNotFoundError:
        pass
    for n, spec in enumerate(QUESTIONS, start=1):
        if Inquiry.objects.filter(title=spec[0]).exists():
            continue
        _play(spec, units, desk, chief, n)
        made["questions"] += 1
    return made
