"""Demo of 新时代文明实践 in Biyang: the county center, an institute per town and a station per
village, three volunteer teams with twelve volunteers, activities (one held last week with its
hours credited and its photos, two open for sign-up, one planned), service requests in every
state of the loop, the points store with an exchange to collect and one collected, and typical
cases (two shown, one not yet).

Idempotent: sites, teams, volunteers, activities and items are found by name; the requests by
their description. Played through rongmei.practice.services; where the demo needs the past (an
activity held last week, a service that lasted two hours) the times are set back after the
service call and the credit made by the same ledger function, so the ledger is the real one."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from rongmei.accounts.models import Role, User
from rongmei.core.models import Place
from rongmei.fans.models import Fan
from rongmei.practice import cases, photos, services, store
from rongmei.practice.models import Activity, Exchange, ServiceRequest, SignUp, Site, StoreItem, TypicalCase, Volunteer, VolunteerTeam

CENTER = "泌阳县新时代文明实践中心"
# (town, latitude, longitude) of the institutes; the demo's coordinates are approximate.
INSTITUTES = [
    ("泌水街道", 32.7246, 113.3268),
    ("花园街道", 32.7192, 113.3431),
    ("古城街道", 32.7312, 113.3192),
    ("羊册镇", 32.8921, 113.4503),
]
VOLUNTEERS = [
    ("+8613903960001", "李红梅", ["理发", "陪伴老人"]),
    ("+8613903960002", "王建国", ["家电维修"]),
    ("+8613903960003", "张秀英", ["义诊", "测血压"]),
    ("+8613903960004", "刘志强", ["水电维修"]),
    ("+8613903960005", "陈晓燕", ["政策宣讲"]),
    ("+8613903960006", "赵国庆", ["交通劝导"]),
    ("+8613903960007", "孙丽", ["课业辅导"]),
    ("+8613903960008", "周海涛", ["摄影"]),
    ("+8613903960009", "吴桂兰", ["打扫卫生", "陪伴老人"]),
    ("+8613903960010", "郑磊", ["家电维修", "水电维修"]),
    ("+8613903960011", "冯雪", ["文艺演出"]),
    ("+8613903960012", "杨帆", ["法律咨询"]),
]
TEAMS = [
    ("泌水街道便民服务队", "泌水街道", "上门维修家电、水电，帮老人理发", ["家电维修", "水电维修", "理发"], [0, 1, 3, 9]),
    ("花园街道健康关爱队", "花园街道", "义诊、测血压、陪伴空巢老人", ["义诊", "陪伴老人"], [2, 8, 0]),
    ("县青年志愿者宣讲队", None, "政策宣讲、文明交通劝导、课业辅导", ["政策宣讲", "课业辅导"], [4, 5, 6, 7, 10, 11]),
]
RESIDENTS = [("+8613703960101", "张大娘"), ("+8613703960102", "李大爷"), ("+8613703960103", "王阿姨")]
REQUESTS = [
    # resident, category, description, address, team, state to reach, rating
    (0, "家电维修", "家里的电视机没有声音了，想请志愿者帮忙看看。", "泌水街道建设路社区3号楼", 0, "rated", (5, 5, 5)),
    (1, "理发", "行动不便，想请志愿者上门理发。", "泌水街道梁庄社区12号", 0, "done", None),
    (2, "义诊", "老伴血压高，想请医生上门量血压、看看用药。", "花园街道花园社区5号楼", 1, "taken", None),
    (0, "水电维修", "厨房水管漏水。", "泌水街道建设路社区3号楼", 0, "dispatched", None),
    (1, "陪伴老人", "子女在外地，希望周末有人陪老人聊聊天。", "古城街道南关社区", None, "requested", None),
]
ITEMS = [("洗衣液", "2公斤装", 30, 20), ("大米", "5公斤装", 60, 10), ("保温杯", "文明实践定制", 80, 8), ("志愿服务纪念徽章", "", 20, 50)]


def _operator() -> User | None:
    return User.objects.filter(role=Role.OPERATOR, is_active=True).order_by("pk").first()


def _fan(phone: str, nickname: str) -> Fan:
    fan, _created = Fan.objects.get_or_create(phone=phone, defaults={"nickname": nickname})
    return fan


def _sites() -> dict[str, Site]:
    center, _ = Site.objects.get_or_create(
        name=CENTER, defaults={"kind": Site.Kind.CENTER, "latitude": 32.7245, "longitude": 113.3265, "address": "泌阳县城行政路"}
    )
    sites = {"center": center}
    for town, lat, lng in INSTITUTES:
        place = Place.objects.filter(name=town, parent=None).first()
        institute, _ = Site.objects.get_or_create(
            name=f"{town}新时代文明实践所",
            defaults={"kind": Site.Kind.INSTITUTE, "parent": center, "place": place, "latitude": lat, "longitude": lng},
        )
        sites[town] = institute
        for village in Place.objects.filter(parent=place)[:2] if place else []:
            Site.objects.get_or_create(
                name=f"{village.name}新时代文明实践站", defaults={"kind": Site.Kind.STATION, "parent": institute, "place": village}
            )
    return sites


def _backdate_service(service: ServiceRequest, hours: int) -> None:
    ServiceRequest.objects.filter(pk=service.pk).update(started_at=timezone.now() - dt.timedelta(hours=hours))
    service.refresh_from_db()


@transaction.atomic
def seed_demo() -> int:
    operator = _operator()
    if operator is None:
        return 0
    made = 0
    sites = _sites()
    volunteers = []
    for phone, name, skills in VOLUNTEERS:
        fan = _fan(phone, name)
        volunteer = Volunteer.objects.filter(fan=fan).first()
        if volunteer is None:
            volunteer = services.register_volunteer(
                fan=fan, real_name=name, consent=True, skills=skills, availability="周末、工作日晚上", site=sites["泌水街道"]
            )
            made += 1
        volunteers.append(volunteer)
    teams = []
    for name, town, about, offered, members in TEAMS:
        team = VolunteerTeam.objects.filter(name=name).first()
        if team is None:
            team = services.create_team(
                actor=operator,
                site=sites[town] if town else sites["center"],
                name=name,
                description=about,
                leader=volunteers[members[0]],
                offered=offered,
            )
            for index in members[1:]:
                services.join_team(actor=operator, team=team, volunteer=volunteers[index])
            made += 1
        teams.append(team)
    today = timezone.localdate()
    # Held last week: planned and published through the services, then set in the past; the
    # volunteers' check-in and check-out times set, and credited by the ledger function.
    held = "走进敬老院：义诊理发暖人心"
    if not Activity.objects.filter(title=held).exists():
        start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=6), dt.time(9)))
        activity = services.create_activity(
            actor=operator,
            title=held,
            description="为县敬老院老人义诊、理发、打扫卫生。",
            site=sites["花园街道"],
            team=teams[1],
            address="泌阳县敬老院",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            capacity=10,
            latitude=32.7190,
            longitude=113.3425,
            radius_m=300,
        )
        services.publish_activity(actor=operator, activity=activity)
        for i, index in enumerate([2, 8, 0, 4]):
            SignUp.objects.create(
                activity=activity,
                volunteer=volunteers[index],
                state=SignUp.State.REGISTERED,
                checked_in_at=start - dt.timedelta(minutes=10),
                checked_out_at=start + dt.timedelta(hours=3 - (i % 2)),
            )
        for signup in activity.signups.select_related("volunteer", "activity"):
            services.credit_activity(signup)
        Activity.objects.filter(pk=activity.pk).update(state=Activity.State.FINISHED)
        made += 1
    upcoming = [
        ("文明交通劝导志愿服务", "在县城主要路口劝导行人、非机动车文明出行。", "泌水街道", "泌阳县行政路与花园路交叉口", 2, 12, 3),
        ("周末课业辅导进社区", "为社区留守儿童辅导作业、开展阅读活动。", "古城街道", "古城街道南关社区活动室", 5, 6, 2),
    ]
    for title, about, town, address, days, capacity, team_index in upcoming:
        if Activity.objects.filter(title=title).exists():
            continue
        start = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(8, 30)))
        site = sites[town]
        activity = services.create_activity(
            actor=operator,
            title=title,
            description=about,
            site=site,
            team=teams[min(team_index, len(teams) - 1)],
            address=address,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            capacity=capacity,
            latitude=site.latitude,
            longitude=site.longitude,
        )
        services.publish_activity(actor=operator, activity=activity)
        for volunteer in volunteers[4:8]:
            services.sign_up(fan=volunteer.fan, activity=activity)
        made += 1
    planned = "重阳节文艺汇演进乡村"
    if not Activity.objects.filter(title=planned).exists():
        start = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=20), dt.time(14)))
        services.create_activity(
            actor=operator,
            title=planned,
            description="志愿者为羊册镇群众送上文艺演出。",
            site=sites["羊册镇"],
            address="羊册镇文化广场",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            capacity=30,
        )
        made += 1
    residents = [_fan(phone, name) for phone, name in RESIDENTS]
    for resident, category, description, address, team_index, target, rating in REQUESTS:
        if ServiceRequest.objects.filter(description=description).exists():
            continue
        service = services.request_service(fan=residents[resident], category=category, description=description, address=address)
        made += 1
        if target == "requested":
            continue
        team = teams[team_index]
        service = services.dispatch(actor=operator, service=service, team=team)
        if target == "dispatched":
            continue
        taker = team.members.exclude(pk=team.leader_id).first() or team.leader
        service = services.take(fan=taker.fan, service=service)
        if target == "taken":
            continue
        service = services.start_service(fan=taker.fan, service=service, token=service.token)
        _backdate_service(service, 2)
        service = services.finish_service(fan=taker.fan, service=service, token=service.token)
        if target == "rated" and rating:
            services.rate(
                fan=residents[resident],
                service=service,
                skill=rating[0],
                attitude=rating[1],
                effect=rating[2],
                comment="志愿者很耐心，谢谢！",
            )
    for name, about, points, stock in ITEMS:
        _item, created = StoreItem.objects.get_or_create(name=name, defaults={"description": about, "points": points, "stock": stock})
        made += created
    if not Exchange.objects.exists():
        badge = StoreItem.objects.get(name="志愿服务纪念徽章")
        richest = max(volunteers, key=lambda v: services.balance(v, "points"))
        if services.balance(richest, "points") >= badge.points:
            services.exchange(fan=richest.fan, item=badge)
            made += 1
        # An earlier one, collected at the center.
        second = sorted(volunteers, key=lambda v: services.balance(v, "points"))[-2]
        if services.balance(second, "points") >= badge.points:
            store.collect_exchange(actor=operator, exchange=services.exchange(fan=second.fan, item=badge))
            made += 1
    made += _seed_photos(operator, held)
    made += _seed_cases(operator, volunteers, teams)
    return made


def _picture(index: int):
    """A made-up photo (the demo has no real ones): a sky, a field and a sun of different hues."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    width, height = 960, 640
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    sky = [(120, 170, 230), (240, 180, 120), (150, 200, 210)][index % 3]
    for y in range(height):
        shade = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(c * (1 - 0.35 * shade)) for c in sky))
    draw.rectangle([0, int(height * 0.62), width, height], fill=(90, 150, 70))
    draw.ellipse([680 - 60 * index, 80, 780 - 60 * index, 180], fill=(250, 220, 90))
    draw.rectangle([120 + 150 * index, 300, 300 + 150 * index, 420], fill=(200, 60, 50))  # the red banner
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(f"demo-{index}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _seed_photos(operator, title: str) -> int:
    activity = Activity.objects.filter(title=title).first()
    if activity is None or activity.photos.exists():
        return 0
    return len(
        photos.add_photos(actor=operator, activity=activity, uploads=[_picture(i) for i in range(3)], caption="志愿者为老人义诊、理发")
    )


def _seed_cases(operator, volunteers, teams) -> int:
    from rongmei.distribution import selectors as distribution
    from rongmei.practice.coverage import practice_team

    if TypicalCase.objects.exists():
        return 0
    newsroom_team = practice_team()
    story = distribution.published_stories(team=newsroom_team).first() if newsroom_team else None
    by_hours = max(volunteers, key=lambda v: services.balance(v, "hours"))
    cases.save_case(
        actor=operator,
        title=f"{by_hours.real_name}：把志愿服务做成习惯",
        summary=f"{by_hours.real_name}加入{teams[1].name}后，每周都到敬老院义诊、理发、陪老人聊天。"
        "“老人们盼着我们去，我们也离不开他们。”今年以来，她参加志愿服务二十余次。",
        volunteer=by_hours,
        team=teams[1],
        photo=_picture(1),
        position=1,
        published=True,
    )
    cases.save_case(
        actor=operator,
        title=f"{teams[0].name}：群众点单，志愿者上门",
        summary="便民服务队接到群众点单后当天上门，修家电、修水电、上门理发，群众评价满意率百分之百。",
        team=teams[0],
        story=str(story.pk) if story else "",
        position=2,
        published=True,
    )
    cases.save_case(
        actor=operator,
        title="县青年志愿者宣讲队（待审核）",
        summary="宣讲队走进乡村、学校开展政策宣讲，材料尚在整理，暂不公开。",
        team=teams[2],
        position=3,
    )
    return 3
