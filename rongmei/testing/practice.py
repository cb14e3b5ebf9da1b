"""The practice network for tests: the county center, one town institute and one village
station, a volunteer team with its leader and two members (app users registered as volunteers),
and a resident. Made through the real services where there is one."""

from __future__ import annotations

from rongmei.fans.models import Fan
from rongmei.practice import services
from rongmei.practice.models import Site, VolunteerTeam


def make_practice(operator) -> dict:
    center = Site.objects.create(kind=Site.Kind.CENTER, name="泌阳县新时代文明实践中心", latitude=32.7245, longitude=113.3265)
    institute = Site.objects.create(kind=Site.Kind.INSTITUTE, name="花园街道新时代文明实践所", parent=center)
    station = Site.objects.create(kind=Site.Kind.STATION, name="花园社区新时代文明实践站", parent=institute)
    people = {}
    for key, phone, name, skills in (
        ("leader", "+8613900000001", "李队长", ["理发", "维修"]),
        ("volunteer", "+8613900000002", "王志愿", ["家电维修"]),
        ("volunteer2", "+8613900000003", "赵志愿", ["陪伴"]),
        ("outsider_volunteer", "+8613900000004", "孙志愿", ["医疗"]),
    ):
        fan = Fan.objects.create(phone=phone, nickname=name)
        people[key] = services.register_volunteer(fan=fan, real_name=name, consent=True, skills=skills, site=station)
    team = VolunteerTeam.objects.create(site=institute, name="花园街道便民服务队", leader=people["leader"], services=["家电维修", "理发"])
    for key in ("leader", "volunteer", "volunteer2"):
        services.join_team(actor=operator, team=team, volunteer=people[key])
    other_team = VolunteerTeam.objects.create(site=center, name="县医疗志愿服务队", leader=people["outsider_volunteer"])
    services.join_team(actor=operator, team=other_team, volunteer=people["outsider_volunteer"])
    resident = Fan.objects.create(phone="+8613700000009", nickname="张大娘")
    return {
        "center": center,
        "institute": institute,
        "station": station,
        "team": team,
        "other_team": other_team,
        "resident": resident,
        **people,
    }
