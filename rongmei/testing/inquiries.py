"""The 问政 side of the test county: units with their staff, categories, and two citizens.

住建局 (``unit``, staff 张办事 ``unit_staff``, leader 郑局长 ``unit_leader``) is supervised by the county
government office (``parent_unit``); 教育局 (``other_unit``) has 何老师 (``other_unit_staff``). The
categories are the classifier's seven, each with its demo unit where one exists here. Citizens are app
users (logged in with an SMS code): ``citizen`` and ``other_citizen``.
"""

from __future__ import annotations

from rongmei.accounts.models import Role
from rongmei.testing.personas import make_user


def make_units() -> dict:
    from rongmei.fans.models import Fan
    from rongmei.inquiries.classify import CATEGORIES, DEFAULT_UNITS
    from rongmei.inquiries.models import Category, Unit

    parent = Unit.objects.create(name="泌阳县人民政府办公室", short_name="县政府办", sort_order=0, email="office@gov.example")
    units = {}
    for order, category in enumerate(CATEGORIES, start=1):
        name = DEFAULT_UNITS[category]
        unit = Unit.objects.create(name=name, short_name=name.removeprefix("泌阳县")[:20], parent=parent, sort_order=order)
        units[category] = unit
        Category.objects.create(name=category, unit=unit, sort_order=order)
    unit, other = units["城乡建设"], units["教育文体"]
    unit_staff = make_user("zhangbs", "张办事", Role.UNIT_STAFF, phone="13900000001")
    unit_leader = make_user("zhengjz", "郑局长", Role.UNIT_STAFF, phone="13900000002")
    other_staff = make_user("helaoshi", "何老师", Role.UNIT_STAFF)
    unit.members.add(unit_staff)
    unit.leader = unit_leader
    unit.email = "zjj@gov.example"
    unit.phone = "13900000009"
    unit.save()
    other.members.add(other_staff)
    return {
        "unit": unit,
        "other_unit": other,
        "parent_unit": parent,
        "units_by_category": units,
        "unit_staff": unit_staff,
        "unit_leader": unit_leader,
        "other_unit_staff": other_staff,
        "citizen": Fan.objects.create(phone="+8613800138001", nickname="老李"),
        "other_citizen": Fan.objects.create(phone="+8613800138002", nickname="小王"),
    }


# A complaint as a citizen writes it (with a phone number the public version masks).
SAMPLE_QUESTION = {
    "kind": "complaint",
    "title": "幸福路小区门口污水横流无人管",
    "body": "幸福路小区南门的下水道堵了一个多月，污水流到路上，住户出行很不方便，我的电话13912345678，请尽快处理。",
    "location": "泌水街道",
}
# Settings that lift the per-citizen submission limits, for tests that submit many questions.
NO_SUBMISSION_LIMITS = {"FAN_GAP": 0, "FAN_DAY": (86400, 1000), "ADDRESS_HOUR": (3600, 1000)}


def ask(fan, **extra):
    """Submit SAMPLE_QUESTION (fields overridden by ``extra``) as ``fan`` through the service."""
    from rongmei.inquiries import services

    return services.submit(fan=fan, **{**SAMPLE_QUESTION, **extra})
