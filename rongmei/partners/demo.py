"""Demo self-media partner network of Biyang (泌阳): ten partners with their accounts and logins,
honours, a closed previous quarter with its ranking and awards, and the current quarter under
way (quotas, posts up to yesterday, contributions in every state, a repost task and a feature
film task, one partner silent for three weeks so an alert is up).

Everything is played through rongmei.partners.services, so audit lines and notifications are
the real ones. Idempotent: partners, accounts, logins, honours, quotas, posts, contributions and
tasks are found by their natural keys (name, platform and account name, username, title, link)
and left alone when they exist; a closed quarter is not touched again.

Post days and readership are generated from fixed seeds (partner and day), so the same day gives
the same demo. Dates are relative to today: the previous quarter is the one before today's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from rongmei.accounts.models import Role, Team, User
from rongmei.core.models import Place
from rongmei.newsroom.demo_data import DEMO_PASSWORD
from rongmei.partners import scoring, services
from rongmei.partners.models import (
    Account,
    Contribution,
    Honour,
    Partner,
    Platform,
    Post,
    Quarter,
    Quota,
    Task,
    TaskAssignment,
)

SILENT_DAYS = 21  # the silent partner's last activity lies this many days back at least

# name, operator, phone, town, description, login, agreement from (years, months before the
# previous quarter), accounts [(platform, account name, handle, followers)],
# previous-quarter posts, reads per post (order of magnitude), quota met in the previous quarter.
PARTNERS = [
    (
        "泌阳微帮",
        "王微帮",
        "13837650101",
        "泌水街道",
        "县城本地生活资讯，关注民生热点和便民信息。",
        "partner",
        (2, 3),
        [
            (Platform.WECHAT, "泌阳微帮", "biyangweibang", 86_400),
            (Platform.DOUYIN, "泌阳微帮", "byweibang", 152_300),
            (Platform.CHANNELS, "泌阳微帮视频", "byweibang_sph", 41_200),
        ],
        30,
        12_000,
        True,
    ),
    (
        "泌阳在线",
        "陈晓东",
        "13837650102",
        "古城街道",
        "泌阳新闻、政务信息和招聘房产服务。",
        "zmt02",
        (2, 0),
        [(Platform.WECHAT, "泌阳在线", "biyangzaixian", 52_100), (Platform.TOUTIAO, "泌阳在线", "byzx", 23_400)],
        26,
        7_000,
        True,
    ),
    (
        "泌阳大小事",
        "李娜",
        "13837650103",
        "王店镇",
        "短视频记录泌阳的大事小情。",
        "zmt03",
        (1, 9),
        [(Platform.DOUYIN, "泌阳大小事", "bydxs", 98_700), (Platform.KUAISHOU, "泌阳大小事", "bydxs_ks", 37_500)],
        23,
        8_000,
        True,
    ),
    (
        "花园街道发布",
        "张慧",
        "13837650104",
        "花园街道",
        "花园街道办事处政务新媒体。",
        "zmt04",
        (1, 6),
        [(Platform.WECHAT, "花园街道发布", "hyjdfb", 6_800)],
        16,
        800,
        False,
    ),
    (
        "铜山湖风光",
        "赵明",
        "13837650105",
        "铜山乡",
        "铜山湖景区风光、文旅活动和农家乐。",
        "zmt05",
        (1, 3),
        [(Platform.DOUYIN, "铜山湖风光", "tshfg", 31_000), (Platform.CHANNELS, "铜山湖风光", "tshfg_sph", 12_100)],
        13,
        4_000,
        True,
    ),
    (
        "夏南牛之家",
        "孙建国",
        "13837650106",
        "羊册镇",
        "夏南牛养殖技术、行情和养殖户故事。",
        "zmt06",
        (1, 0),
        [(Platform.KUAISHOU, "夏南牛之家", "xnnzj", 18_200), (Platform.DOUYIN, "夏南牛之家", "xnnzj_dy", 9_500)],
        18,
        1_500,
        False,
    ),
    (
        "泌阳乡土",
        "周小梅",
        "13837650107",
        "春水镇",
        "乡村振兴故事、乡土文化和民俗。",
        "zmt07",
        (0, 9),
        [(Platform.WECHAT, "泌阳乡土", "byxiangtu", 3_200)],
        9,
        300,
        False,
    ),
    (
        "泌阳美食汇",
        "吴磊",
        "13837650108",
        "泌水街道",
        "泌阳美食探店和特色小吃。",
        "zmt08",
        (0, 8),
        [
            (Platform.DOUYIN, "泌阳美食汇", "bymsh", 45_600),
            (Platform.WEIBO, "泌阳美食汇", "bymsh_wb", 7_600),
            (Platform.WECHAT, "泌阳美食汇", "bymeishihui", 11_000),
        ],
        20,
        3_000,
        True,
    ),
    (
        "盘古山下",
        "郑山",
        "13837650109",
        "陈庄乡",
        "盘古山和陈庄乡的山村日常。",
        "zmt09",
        (0, 6),
        [(Platform.CHANNELS, "盘古山下", "pgsx_sph", 1_800)],
        # more planned than it posts: its last three weeks stay empty whatever the day
        12,
        120,
        False,
    ),
    (
        "泌水人家",
        "马丽",
        "13837650110",
        "贾楼乡",
        "泌水河畔的人和事，老照片与家风故事。",
        "zmt10",
        (0, 5),
        [(Platform.WECHAT, "泌水人家", "bsrenjia", 9_100), (Platform.BILIBILI, "泌水人家", "bsrenjia_b", 2_300)],
        12,
        900,
        False,
    ),
]
SILENT = "盘古山下"
# The partner logins; "partner" is also a newsroom demo login (newsroom.demo_data.STAFF).
LOGINS = [row[5] for row in PARTNERS]

# The demo's scoring rule: quota completion weighs most, so a quarter without adopted
# contributions can still reach the first tier (80 points).
RULE = {"weight_quota": 50, "weight_reads": 30, "weight_adopted": 10, "weight_tasks": 10, "adopted_full": 2}

TITLES = {
    "泌阳微帮": [
        "泌阳城区这几条路段错峰施工，出行请绕行",
        "县城新增两处便民停车场",
        "泌阳人注意：医保缴费有新渠道",
        "周末去哪儿？县城亲子活动汇总",
    ],
    "泌阳在线": ["泌阳县发布最新招聘信息", "古城街道老街改造进展", "县政务服务中心延时服务时间公布", "泌阳这所学校获评省级示范校"],
    "泌阳大小事": ["王店镇集市现场直击", "暖心！路人合力救助摔倒老人", "泌阳夜市烟火气", "县城新开放一座口袋公园"],
    "花园街道发布": ["花园街道开展垃圾分类宣传", "社区志愿者走访独居老人", "花园街道召开安全生产会议", "居民议事会解决楼道照明难题"],
    "铜山湖风光": ["航拍铜山湖：山水相映", "铜山湖景区周末游攻略", "湖边农家乐的一天", "铜山湖日出延时摄影"],
    "夏南牛之家": ["夏南牛育肥期饲喂要点", "本周肉牛行情简报", "羊册镇养殖户的致富经", "牛舍冬季防寒小技巧"],
    "泌阳乡土": ["春水镇老手艺：竹编", "乡村大舞台唱起来", "一碗浆面条里的乡愁", "村史馆里的老物件"],
    "泌阳美食汇": ["探店：泌阳老字号羊肉汤", "泌阳特色小吃地图", "夜宵推荐：县城烧烤哪家强", "家常菜：红薯粉条炖肉"],
    "盘古山下": ["盘古山下的清晨", "山村小学的一堂美术课", "采山货的老人", "陈庄乡的石头房子"],
    "泌水人家": ["老照片里的泌阳县城", "一家三代的家风故事", "泌水河畔的渡口记忆", "退休教师的书法人生"],
}
REPOST_TITLES = ["转发：泌阳县融媒体中心重点报道", "转发：县委县政府重要信息", "转发：泌阳县文明城市创建倡议书"]

HONOURS = [
    ("泌阳微帮", "{year}年度优秀网络文明传播单位", "中共泌阳县委宣传部"),
    ("铜山湖风光", "{year}年度网络正能量优秀账号", "中共泌阳县委网络安全和信息化委员会办公室"),
]

# partner, kind, title, body, town; the outcome is by position (see _seed_contributions).
CONTRIBUTIONS = [
    (
        "泌阳在线",
        Contribution.Kind.LEAD,
        "古城街道老旧小区改造完工 居民盼加装电梯",
        "古城街道三个老旧小区改造工程近日完工，道路、管网和外立面焕然一新。不少老人反映住在高层上下楼不便，希望推动加装电梯。",
        "古城街道",
    ),
    (
        "夏南牛之家",
        Contribution.Kind.STORY,
        "羊册镇养殖户：三十头夏南牛撑起致富梦",
        "羊册镇刘庄村养殖户刘大哥五年前从两头母牛起步，如今存栏三十头夏南牛。\n他说，县里的养殖补贴和技术员上门指导帮了大忙。\n今年他还带动周边五户村民一起养牛。",
        "羊册镇",
    ),
    (
        "铜山湖风光",
        Contribution.Kind.LEAD,
        "铜山湖景区周末游客增多 停车位紧张",
        "近几个周末铜山湖景区游客明显增多，景区停车场上午十点前就已停满，部分车辆停在路边，建议交警和景区加强疏导。",
        "铜山乡",
    ),
    (
        "泌阳美食汇",
        Contribution.Kind.LEAD,
        "网传县城某饭店食材不新鲜",
        "有网友在群里说县城一家饭店的食材不新鲜，吃了以后肚子不舒服，具体是哪家饭店还不清楚。",
        "泌水街道",
    ),
    (
        "泌阳大小事",
        Contribution.Kind.LEAD,
        "王店镇一处乡村公路桥面出现裂缝",
        "王店镇通往几个村的一座乡村公路桥桥面出现多道裂缝，重车经过时有明显晃动，村民担心安全，希望有关部门尽快检查维修。",
        "王店镇",
    ),
    (
        "泌阳微帮",
        Contribution.Kind.STORY,
        "泌水街道志愿者为独居老人送上热饭",
        "每天中午十一点，泌水街道建设路社区的志愿者就提着保温箱出发了。\n他们为辖区二十多位独居老人送去热乎的午饭，顺便量血压、拉家常。\n志愿者说，老人的一句谢谢就是最大的动力。",
        "泌水街道",
    ),
]
DECLINE_REASON = "线索来源不明，暂无法核实。请补充饭店名称、时间和可联系的当事人。"

REPOST_TASK = "转发中心重点报道"
FEATURE_TASK = "专题片制作：夏南牛产业发展纪实"
FEATURE_PARTNERS = ["夏南牛之家", "泌阳大小事", "铜山湖风光"]
REPORTERS = {"泌阳微帮": True, "泌阳在线": False}  # partner -> accepted by the operator


def _token(*parts, length: int = 22) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:length]


def _digits(*parts, length: int = 19) -> str:
    return str(int(_token(*parts, length=24), 16))[:length].rjust(length, "7")


def post_url(account: Account, key: str) -> str:
    """A plausible link to a piece on the account's platform (demo links, not real pages)."""
    match account.platform:
        case Platform.WECHAT:
            return f"https://mp.weixin.qq.com/s/{_token(account.name, key)}"
        case Platform.DOUYIN:
            return f"https://www.douyin.com/video/{_digits(account.name, key)}"
        case Platform.CHANNELS:
            return f"https://weixin.qq.com/sph/{_token(account.name, key, length=12)}"
        case Platform.KUAISHOU:
            return f"https://www.kuaishou.com/short-video/3x{_token(account.name, key, length=13)}"
        case Platform.TOUTIAO:
            return f"https://www.toutiao.com/article/{_digits(account.name, key)}/"
        case Platform.WEIBO:
            return f"https://weibo.com/{_digits(account.handle, length=10)}/{_token(account.name, key, length=9)}"
        case Platform.BILIBILI:
            return f"https://www.bilibili.com/video/BV1{_token(account.name, key, length=9)}"
    return f"https://example.cn/{_token(account.name, key)}"


def _previous(quarter: Quarter) -> Quarter:
    return services.quarter_for(quarter.start - dt.timedelta(days=1))


def _spread(first: dt.date, last: dt.date, count: int, rng: random.Random) -> list[dt.date]:
    """``count`` days from first to last, evenly apart with a little jitter; the last one is ``last``."""
    span = (last - first).days
    if count <= 0 or span < 0:
        return []
    if count == 1 or span == 0:
        return [last]
    days = []
    for k in range(count):
        offset = round(k * span / (count - 1))
        if 0 < k < count - 1:
            offset = min(span, max(0, offset + rng.randint(-1, 1)))
        days.append(first + dt.timedelta(days=offset))
    return days


class _Seeder:
    def __init__(self, operator: User, editor: User) -> None:
        self.operator, self.editor = operator, editor
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.current = services.current_quarter()
        self.previous = _previous(self.current)
        self.made = 0
        self.partners: dict[str, Partner] = {}
        self.logins: dict[str, User] = {}
        self._password: str | None = None

    # --- registry -------------------------------------------------------------------------
    def registry(self) -> None:
        places = {p.name: p for p in Place.objects.filter(parent=None)}
        for name, operator_name, phone, town, description, login, (years, months), accounts, *_rest in PARTNERS:
            partner = Partner.objects.filter(name=name).first()
            if partner is None:
                start = self._months_before(self.previous.start, 12 * years + months)
                partner = services.save_partner(
                    actor=self.operator,
                    name=name,
                    operator_name=operator_name,
                    contact_phone=phone,
                    place=places.get(town),
                    description=description,
                    agreement_no=f"BYRM-ZMT-{start.year}-{len(self.partners) + 1:03d}",
                    agreement_start=start,
                    agreement_end=dt.date(start.year + 3, start.month, 1) - dt.timedelta(days=1),
                    joined_on=start,
                )
                self.made += 1
            self.partners[name] = partner
            for platform, account_name, handle, followers in accounts:
                if not Account.objects.filter(platform=platform, name=account_name).exists():
                    services.save_account(
                        actor=self.operator, partner=partner, platform=platform, name=account_name, handle=handle, followers=followers
                    )
                    self.made += 1
            self.logins[name] = self._login(partner, login, operator_name)

    @staticmethod
    def _months_before(day: dt.date, months: int) -> dt.date:
        index = day.year * 12 + day.month - 1 - months
        return dt.date(index // 12, index % 12 + 1, 1)

    def _login(self, partner: Partner, username: str, name: str) -> User:
        """Demo logins share the demo password, hashed once (like the newsroom's seed_staff)."""
        user = User.objects.filter(username=username).first()
        if user is None:
            self._password = self._password or make_password(DEMO_PASSWORD)
            user = User.objects.create(username=username, name=name, role=Role.PARTNER, password=self._password)
            self.made += 1
        if user.role == Role.PARTNER and not partner.members.filter(pk=user.pk).exists():
            partner.members.add(user)
        return user

    def honours(self) -> None:
        year = self.today.year - 1
        awarded_on = min(dt.date(year + 1, 1, 15), self.today)
        for name, title, issuer in HONOURS:
            partner = self.partners[name]
            title = title.format(year=year)
            if not partner.honours.filter(kind=Honour.Kind.HONOUR, title=title).exists():
                services.add_honour(actor=self.operator, partner=partner, title=title, issuer=issuer, awarded_on=awarded_on)
                self.made += 1

    def rule(self) -> None:
        """The demo rule, unless someone has edited the rule already."""
        rule = scoring.current_rule()
        if rule.updated_by_id is None:
            services.save_rule(actor=self.operator, tiers=scoring.DEFAULT_TIERS, **RULE)

    # --- quarters -------------------------------------------------------------------------
    def quota(self, partner: Partner, quarter: Quarter, **targets) -> None:
        if not Quota.objects.filter(partner=partner, quarter=quarter).exists():
            services.set_quota(actor=self.operator, partner=partner, quarter=quarter, **targets)
            self.made += 1

    def posts(self, partner: Partner, days: list[dt.date], reads: int) -> tuple[int, int]:
        """Record a post on each day (every fourth a repost) by the partner's own login.
        Returns (originals, reposts) planned."""
        login = self.logins[partner.name]
        accounts = list(partner.accounts.order_by("pk"))
        titles = TITLES[partner.name]
        originals = reposts = 0
        for k, day in enumerate(days):
            rng = random.Random(f"{partner.name}:{day.isoformat()}:{k}")  # noqa: S311 — demo figures
            account = accounts[k % len(accounts)]
            repost = k % 4 == 3
            reposts += repost
            originals += not repost
            url = post_url(account, f"{day.isoformat()}-{k}")
            if Post.objects.filter(partner=partner, url=url).exists():
                continue
            services.record_post(
                actor=login,
                partner=partner,
                title=(REPOST_TITLES[k % len(REPOST_TITLES)] if repost else titles[k % len(titles)]),
                url=url,
                published_on=day,
                reads=int(reads * rng.uniform(0.5, 1.8) * (0.5 if repost else 1)),
                kind=Post.Kind.REPOST if repost else Post.Kind.ORIGINAL,
                account=account,
            )
            self.made += 1
        return originals, reposts

    def _days(self, name: str, quarter: Quarter, count: int) -> list[dt.date]:
        """The partner's post days in the quarter up to yesterday (the silent partner's stop
        three weeks back): ``count`` planned over the whole quarter, so a run on a later day
        records the same posts and the ones due since."""
        rng = random.Random(f"{name}:{quarter.year}Q{quarter.number}")  # noqa: S311 — demo figures
        last = self.today - dt.timedelta(days=SILENT_DAYS + 3 if name == SILENT else 1)
        return [day for day in _spread(quarter.start, quarter.end, count, rng) if day <= last]

    def previous_quarter(self) -> None:
        quarter = Quarter.objects.get(pk=self.previous.pk)
        if quarter.is_closed:
            return
        for name, *_rest, count, reads, met in PARTNERS:
            partner = self.partners[name]
            days = self._days(name, quarter, count)
            originals, reposts = self.posts(partner, days, reads)
            # Partners whose quota was met got targets they reached; the others fell short.
            extra = 0 if met else max(2, count // 3)
            self.quota(
                partner,
                quarter,
                posts=len(days) + extra,
                originals=originals + extra,
                reposts=reposts if met else reposts + 2,
                tasks=0,
            )
        services.close_quarter(actor=self.operator, quarter=quarter, issuer="泌阳县融媒体中心")
        self.made += 1

    def current_quarter(self) -> None:
        quarter = Quarter.objects.get(pk=self.current.pk)
        if quarter.is_closed:
            return
        for name, *_rest, count, reads, met in PARTNERS:
            partner = self.partners[name]
            self.quota(
                partner,
                quarter,
                posts=count + (0 if met else 4),
                originals=count * 3 // 4,
                reposts=max(2, count // 4),
                tasks=1,
            )
            self.posts(partner, self._days(name, quarter, count), reads)

    # --- contributions and tasks ----------------------------------------------------------
    def contributions(self) -> None:
        places = {p.name: p for p in Place.objects.filter(parent=None)}
        news = Team.objects.filter(slug="news").first()
        for position, (name, kind, title, body, town) in enumerate(CONTRIBUTIONS):
            partner = self.partners[name]
            if partner.contributions.filter(title=title).exists():
                continue
            contribution = services.submit_contribution(actor=self.logins[name], kind=kind, title=title, body=body, place=places.get(town))
            self.made += 1
            if position == 3:
                services.decline_contribution(actor=self.editor, contribution=contribution, reason=DECLINE_REASON)
            elif position == 4:
                services.adopt_as_lead(actor=self.editor, contribution=contribution, team=news)
            elif position == 5 and news is not None:
                services.adopt_as_story(actor=self.editor, contribution=contribution, team=news)

    def tasks(self) -> None:
        from rongmei.newsroom.models import Story

        story = Story.objects.filter(state="published").order_by("pk").first()
        if story is not None and not Task.objects.filter(kind=Task.Kind.REPOST, title=REPOST_TASK).exists():
            due = min(self.now + dt.timedelta(days=7), self._end_of(self.current))
            if due <= self.now + dt.timedelta(hours=1):
                due = self.now + dt.timedelta(hours=6)
            task = services.create_task(
                actor=self.operator,
                kind=Task.Kind.REPOST,
                title=REPOST_TASK,
                description=f"请在本周内转发中心稿件《{story.headline}》，转发后填报链接。",
                starts_at=self.now - dt.timedelta(days=2),
                due_at=due,
                partners=list(self.partners.values()),
                stories=[story],
            )
            self.made += 1
            for name, accept in REPORTERS.items():
                partner = self.partners[name]
                assignment = TaskAssignment.objects.get(task=task, partner=partner)
                account = partner.accounts.order_by("pk").first()
                services.report_task(
                    actor=self.logins[name],
                    assignment=assignment,
                    url=post_url(account, f"repost-{task.pk}"),
                    note="已在公众号头条位置转发。",
                )
                self.made += 1
                if accept:
                    services.check_task(actor=self.operator, assignment=assignment, accept=True, note="链接核对无误。")
        if not Task.objects.filter(kind=Task.Kind.FEATURE, title=FEATURE_TASK).exists():
            services.create_task(
                actor=self.operator,
                kind=Task.Kind.FEATURE,
                title=FEATURE_TASK,
                description="围绕夏南牛育种、养殖、加工和品牌，拍摄一部 5 分钟左右的专题片，成片报中心审核后各平台同步发布。",
                starts_at=self.now - dt.timedelta(days=5),
                due_at=self.now + dt.timedelta(days=30),
                partners=[self.partners[n] for n in FEATURE_PARTNERS],
            )
            self.made += 1

    @staticmethod
    def _end_of(quarter: Quarter) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(quarter.end, dt.time(20)))

    def run(self) -> int:
        self.registry()
        self.honours()
        self.rule()
        self.previous_quarter()
        self.current_quarter()
        self.contributions()
        self.tasks()
        self.made += len(services.check_alerts())
        return self.made


@transaction.atomic
def seed_demo() -> int:
    """Seed the partner network; returns the number of things created (0 on a second run).
    Needs the newsroom's demo people (``operator``, ``editor``); does nothing without them."""
    operator = User.objects.filter(username="operator", role=Role.OPERATOR, is_active=True).first()
    editor = User.objects.filter(username="editor", role=Role.EDITOR, is_active=True).first()
    if operator is None or editor is None:
        return 0
    return _Seeder(operator, editor).run()
