"""Named people of the test newsroom (STYLE.md: personas), shared by every test module.

新闻组 (``team``) has reporter 王小记, reporter 陈二记, photographer 孙摄像, editors 李编辑 and
周编辑, and column lead 张组长. 美丽乡村 (``other_team``) has its own lead 刘组长 and reporter
吴外记 (``outsider`` to 新闻组). 赵总编 is the chief editor; 钱运营 an operator.
"""

from __future__ import annotations

from rongmei.accounts.models import Role, Team, User

PASSWORD = "Rongmei-test-2026"  # noqa: S105

# The people make_newsroom() creates, by the names tests use for them.
PERSONAS = (
    "reporter",
    "reporter2",
    "photographer",
    "editor",
    "editor2",
    "column_lead",
    "other_lead",
    "chief",
    "chief2",
    "operator",
    "outsider",
)


def make_user(username: str, name: str, role: str, **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, name=name, role=role, **extra)
    return user


def make_newsroom() -> dict:
    """Create the personas and their two teams; returns them by name."""
    people = {
        "reporter": make_user("wangxj", "王小记", Role.REPORTER),
        "reporter2": make_user("chenej", "陈二记", Role.REPORTER),
        "photographer": make_user("sunsx", "孙摄像", Role.PHOTOGRAPHER),
        "editor": make_user("libj", "李编辑", Role.EDITOR),
        "editor2": make_user("zhoubj", "周编辑", Role.EDITOR),
        "column_lead": make_user("zhangzz", "张组长", Role.COLUMN_LEAD),
        "other_lead": make_user("liuzz", "刘组长", Role.COLUMN_LEAD),
        "chief": make_user("zhaozb", "赵总编", Role.CHIEF_EDITOR),
        "chief2": make_user("sunzb", "孙副总编", Role.CHIEF_EDITOR),
        "operator": make_user("qianyy", "钱运营", Role.OPERATOR),
        "outsider": make_user("wuwj", "吴外记", Role.REPORTER),
    }
    team = Team.objects.create(name="新闻组", slug="news", lead=people["column_lead"], sort_order=1)
    team.members.add(
        people["reporter"], people["reporter2"], people["photographer"], people["editor"], people["editor2"], people["column_lead"]
    )
    other = Team.objects.create(name="美丽乡村", slug="village", lead=people["other_lead"], sort_order=2)
    other.members.add(people["other_lead"], people["outsider"])
    people["team"] = team
    people["other_team"] = other
    return people


def login_with_second_factor(client, user):
    """Log ``user`` in; people whose role needs two-factor login get a verified TOTP device."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from rongmei.accounts.middleware import roles_requiring_two_factor

    client.force_login(user)
    if user.role in roles_requiring_two_factor():
        device, _new = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
