"""Demo content of 政务服务 and 智慧人大 / 智慧政协 for 泌阳县 (the 云上泌阳 app).

``seed_demo()`` is idempotent: categories, items and members are found by their natural keys
(name; category and name; council and name) and left alone when they exist; a proposal is found by
council, session and number and, when new, played through the services (actor None: the server),
so its timeline and audit lines are the real ones. People and numbers are fictional; telephone
numbers are placeholders in the county's 0396 area.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from rongmei.civic import services
from rongmei.civic.models import CouncilKind, CouncilMember, Proposal, ServiceCategory, ServiceItem

HALL = "泌阳县政务服务中心"
HALL_HOURS = "周一至周五 上午8:30—12:00，下午14:30—17:30（夏季15:00—18:00）；周六上午延时服务"
ONLINE = "https://www.hnzwfw.gov.cn/"

# (name, icon, description). No emoji icons: many office computers of the county have no emoji font.
CATEGORIES = [
    ("户籍办理", "", "身份证、户口登记与迁移"),
    ("社保医保", "", "社会保障卡、医保参保与报销、养老保险"),
    ("不动产", "", "不动产登记与证书"),
    ("婚姻登记", "", "结婚、离婚登记与证明"),
    ("教育", "", "入学报名、学生资助"),
    ("交通出行", "", "驾驶证、机动车检验"),
]

# (category, name, unit, keywords, materials, address, phone, hours, time_limit, fee, link, notes)
ITEMS = [
    (
        "户籍办理",
        "居民身份证补领（补办）",
        "泌阳县公安局户政管理大队",
        "补办 补领 丢失 遗失 挂失 身份证丢了",
        "居民户口簿\n本人到场现场采集人像（无需自带照片）\n未满16周岁的由监护人陪同",
        f"{HALL}一楼公安户政窗口（各乡镇派出所户籍室也可办理）",
        "0396-7921101",
        HALL_HOURS,
        "20个工作日；急用可申请加急",
        "工本费20元（临时身份证10元）",
        ONLINE,
        "身份证丢失后可先在“河南公安”或国家政务服务平台挂失。省内跨市县补领可就近办理，不需回户籍地。",
    ),
    (
        "户籍办理",
        "新生儿出生登记（落户）",
        "泌阳县公安局户政管理大队",
        "上户口 落户 报户口 出生 宝宝",
        "《出生医学证明》原件\n父母双方居民户口簿、居民身份证\n父母结婚证（非婚生育的提供相关说明）",
        f"{HALL}一楼公安户政窗口或父（母）户籍所在地派出所",
        "0396-7921101",
        HALL_HOURS,
        "即时办结",
        "不收费",
        ONLINE,
        "可在“出生一件事”联办窗口一次办理出生登记、医保参保和社保卡申领。",
    ),
    (
        "户籍办理",
        "户口迁移（省内迁入）",
        "泌阳县公安局户政管理大队",
        "迁户口 户口迁入 投靠 购房落户",
        "本人居民身份证、居民户口簿\n迁入地合法稳定住所证明（房产证或购房合同）\n投靠亲属的提供亲属关系证明",
        f"{HALL}一楼公安户政窗口",
        "0396-7921101",
        HALL_HOURS,
        "5个工作日",
        "不收费",
        ONLINE,
        "省内户口迁移实行“一站式”办理，迁入地派出所直接办理，无需回迁出地开具准迁证。",
    ),
    (
        "社保医保",
        "社会保障卡挂失与补办",
        "泌阳县人力资源和社会保障局社保卡服务中心",
        "社保卡丢了 补卡 换卡 挂失 解挂",
        "本人居民身份证\n代办的另需代办人身份证和委托书",
        f"{HALL}二楼人社窗口；县内各合作银行网点",
        "0396-7922345、12333",
        HALL_HOURS,
        "挂失即时办结；补卡即时制卡或10个工作日",
        "补换卡工本费按规定收取，特殊困难群体免收",
        ONLINE,
        "可先拨打12333或在“河南社保”APP临时挂失。",
    ),
    (
        "社保医保",
        "城乡居民基本医疗保险参保登记",
        "泌阳县医疗保障局",
        "医保 新农合 交医保 参保 缴费",
        "居民身份证或户口簿\n新生儿提供出生医学证明",
        f"{HALL}二楼医保窗口；户籍所在乡镇（街道）便民服务中心",
        "0396-7926789",
        HALL_HOURS,
        "即时办结",
        "按当年缴费标准缴纳个人部分",
        ONLINE,
        "每年集中缴费期一般为9月至12月，可通过“豫事办”或银行渠道缴费。",
    ),
    (
        "社保医保",
        "异地就医备案",
        "泌阳县医疗保障局",
        "外地看病 异地报销 转诊 备案",
        "居民身份证或社会保障卡\n异地长期居住的提供居住证明或个人承诺书",
        f"{HALL}二楼医保窗口",
        "0396-7926789",
        HALL_HOURS,
        "即时办结",
        "不收费",
        "https://fuwu.nhsa.gov.cn/",
        "可通过“国家医保服务平台”APP自助备案，备案后在外地定点医院直接结算。",
    ),
    (
        "社保医保",
        "城乡居民养老保险待遇领取",
        "泌阳县社会农村养老保险中心",
        "养老金 领养老金 退休 60岁",
        "居民身份证或户口簿\n社会保障卡（用于发放待遇）",
        f"{HALL}二楼人社窗口或户籍所在乡镇（街道）人社所",
        "0396-7922345",
        HALL_HOURS,
        "10个工作日",
        "不收费",
        ONLINE,
        "年满60周岁、累计缴费满15年的参保人可申请，次月起按月发放。",
    ),
    (
        "不动产",
        "不动产转移登记（二手房买卖）",
        "泌阳县不动产登记中心",
        "过户 买房 卖房 房产证 二手房",
        "买卖双方身份证件\n不动产权证书\n不动产买卖合同\n完税凭证\n婚姻状况证明（结婚证或承诺书）",
        f"{HALL}三楼不动产登记窗口",
        "0396-7928899",
        HALL_HOURS,
        "3个工作日",
        "住宅登记费80元/件",
        ONLINE,
        "交易、缴税、登记“一窗受理”，材料齐全当场受理。",
    ),
    (
        "不动产",
        "不动产权证书补发",
        "泌阳县不动产登记中心",
        "房产证丢了 补办房产证 遗失 补证",
        "权利人身份证件\n遗失声明（登记机构网站公告15个工作日）",
        f"{HALL}三楼不动产登记窗口",
        "0396-7928899",
        HALL_HOURS,
        "公告期满后1个工作日",
        "工本费10元",
        ONLINE,
        "",
    ),
    (
        "婚姻登记",
        "结婚登记",
        "泌阳县民政局婚姻登记处",
        "领证 结婚证 登记结婚 婚姻登记",
        "双方本人居民身份证\n双方近期半身免冠合影照片2张（2寸，红底）\n本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明（现场填写）",
        "泌阳县民政局婚姻登记处（县政务服务中心一楼东侧）",
        "0396-7925200",
        "周一至周五 上午8:30—12:00，下午14:30—17:30；“520”“七夕”等特殊日期另行公告",
        "即时办结",
        "不收费",
        ONLINE,
        "自2023年起婚姻登记实行“全省通办”，双方均非河南户籍的请先咨询。可在“豫事办”提前预约。",
    ),
    (
        "婚姻登记",
        "离婚登记",
        "泌阳县民政局婚姻登记处",
        "离婚 协议离婚 冷静期",
        "双方本人居民身份证、户口簿\n结婚证\n离婚协议书（一式三份）\n双方近期半身免冠单人照片各2张",
        "泌阳县民政局婚姻登记处（县政务服务中心一楼东侧）",
        "0396-7925200",
        HALL_HOURS,
        "受理后30日离婚冷静期，期满后30日内双方到场办理",
        "不收费",
        "",
        "",
    ),
    (
        "婚姻登记",
        "婚姻登记记录证明（补领结婚证）",
        "泌阳县民政局婚姻登记处",
        "补办结婚证 结婚证丢了 婚姻证明",
        "本人居民身份证、户口簿\n本人近期半身免冠照片（补领结婚证的需双方合影）",
        "泌阳县民政局婚姻登记处（县政务服务中心一楼东侧）",
        "0396-7925200",
        HALL_HOURS,
        "即时办结（需查档的3个工作日）",
        "不收费",
        "",
        "",
    ),
    (
        "教育",
        "义务教育阶段新生入学报名",
        "泌阳县教育局基础教育股",
        "上学 入学 小学报名 初中报名 一年级",
        "儿童户口簿\n监护人居民身份证\n房产证或购房合同、租房合同\n随迁子女提供父母居住证",
        "学区所在学校；网上报名通过“泌阳县义务教育招生平台”",
        "0396-7923366",
        "每年7月至8月报名，具体以县教育局当年公告为准",
        "按当年招生公告",
        "不收费",
        ONLINE,
        "城区学校按学区划片招生；农村学校就近入学。",
    ),
    (
        "教育",
        "家庭经济困难学生认定与资助申请",
        "泌阳县学生资助管理中心",
        "助学金 资助 贫困生 困难学生 补助",
        "《家庭经济困难学生认定申请表》\n户口簿\n低保证、特困供养证、残疾证等相关证明（如有）",
        "就读学校学生资助办公室；县学生资助管理中心（县教育局二楼）",
        "0396-7923368",
        "工作日 8:30—17:30",
        "每学期开学后1个月内集中受理",
        "不收费",
        "",
        "",
    ),
    (
        "交通出行",
        "机动车驾驶证有效期满换证",
        "泌阳县公安局交通警察大队车辆管理所",
        "驾照到期 换驾照 驾驶证换证 期满换证",
        "本人居民身份证\n机动车驾驶证\n县级以上医院或体检机构出具的身体条件证明（可网上提交）",
        "泌阳县车辆管理所业务大厅；县政务服务中心一楼交警窗口",
        "0396-7927110",
        "周一至周日 8:30—17:30（节假日以公告为准）",
        "即时办结",
        "工本费10元",
        "https://ha.122.gov.cn/",
        "驾驶证有效期满前90日内可通过“交管12123”APP办理，新证邮寄到家。",
    ),
    (
        "交通出行",
        "机动车检验合格标志核发（年检）",
        "泌阳县公安局交通警察大队车辆管理所",
        "年检 车检 检车 六年免检 电子标志",
        "机动车行驶证\n交强险保单\n车船税完税证明（保单已注明的免交）",
        "县内机动车安全技术检验机构；免检车辆可在“交管12123”申领",
        "0396-7927110",
        "周一至周日 8:30—17:30",
        "检验合格后即时核发",
        "按检验机构公示标准",
        "https://ha.122.gov.cn/",
        "",
    ),
]

RENDA_TERM = "第十六届"
ZHENGXIE_TERM = "第十一届"

# (name, title, constituency, delegation, bio)
DEPUTIES = [
    (
        "王秀兰",
        "泌水街道幸福社区党支部书记、居委会主任",
        "泌水街道第3选区",
        "泌水街道代表团",
        "长期扎根社区，牵头建成“一刻钟便民生活圈”，关注老旧小区改造和居家养老。",
    ),
    (
        "张志刚",
        "河南泌阳某农牧专业合作社理事长",
        "羊册镇第1选区",
        "羊册镇代表团",
        "带领群众发展夏南牛养殖和香菇种植，关注农业产业化和农民增收。",
    ),
    ("刘红梅", "泌阳县人民医院内科护士长", "花园街道第2选区", "花园街道代表团", "从事护理工作二十余年，关注基层医疗服务和家庭医生签约。"),
    ("陈永胜", "马谷田镇某村党支部书记", "马谷田镇第2选区", "马谷田镇代表团", "推动村里修通产业路、建起光伏电站，关注农村道路和饮水安全。"),
    ("赵丽娜", "泌阳县第一小学教师", "古城街道第1选区", "古城街道代表团", "关注城区学位供给、校园周边交通安全和课后服务。"),
    ("孙海峰", "泌阳县某食品有限公司总经理", "春水镇第1选区", "春水镇代表团", "关注营商环境、民营企业融资和返乡创业。"),
]

# (name, title, sector, delegation, bio)
CPPCC_MEMBERS = [
    ("周文静", "泌阳县第二高级中学副校长", "教育界", "", "关注农村教师队伍建设和县域高中发展。"),
    ("吴建华", "泌阳县中医院副院长", "医药卫生界", "", "关注中医药传承和基层卫生院服务能力。"),
    ("郑国强", "泌阳县某建材有限公司董事长", "经济界", "", "关注中小企业发展和工业园区配套。"),
    ("冯晓燕", "泌阳县农业技术推广中心高级农艺师", "农业界", "", "长期从事农技推广，关注高标准农田建设和特色农业。"),
    ("何立新", "律师", "中国民主同盟", "", "关注法律援助、基层矛盾纠纷化解和营商法治环境。"),
]

# (kind, session, year, number, title, lead name, co-signer names, proposer, unit, summary, submitted days ago, steps)
# steps: (status, days ago, note, reply)
PROPOSALS = [
    (
        CouncilKind.RENDA,
        "十六届三次会议",
        2026,
        "建议第12号",
        "关于加快城区老旧小区加装电梯的建议",
        "王秀兰",
        ["刘红梅", "赵丽娜"],
        "",
        "泌阳县住房和城乡建设局",
        "城区不少老旧小区没有电梯，老年人上下楼困难。建议出台加装电梯补贴办法，简化审批流程，由街道牵头协调居民意见。",
        270,
        [
            ("accepted", 262, "", ""),
            ("handling", 255, "", ""),
            (
                "answered",
                120,
                "",
                "感谢您对老旧小区改造工作的关心。我局已会同县财政局起草《泌阳县既有住宅加装电梯补贴实施办法（试行）》，"
                "对符合条件的加装项目按每台15万元给予补贴，并实行“一窗受理、并联审批”。2026年已在泌水街道、花园街道选取6个小区开展试点，"
                "下一步将总结经验逐步推开。",
            ),
        ],
    ),
    (
        CouncilKind.RENDA,
        "十六届三次会议",
        2026,
        "建议第27号",
        "关于改善羊册镇至县城道路通行条件的建议",
        "张志刚",
        ["陈永胜"],
        "",
        "泌阳县交通运输局",
        "羊册镇至县城道路部分路段狭窄、破损，农产品运输车辆通行不便，雨季安全隐患大。建议列入农村公路提升改造计划。",
        268,
        [("accepted", 260, "", ""), ("handling", 250, "", "")],
    ),
    (
        CouncilKind.RENDA,
        "十六届三次会议",
        2026,
        "建议第35号",
        "关于增加城区学校课后服务项目的建议",
        "赵丽娜",
        [],
        "",
        "泌阳县教育局",
        "建议在城区小学增加体育、艺术、科技类课后服务项目，引入社会资源，减轻家长接送负担。",
        266,
        [("accepted", 258, "", "")],
    ),
    (
        CouncilKind.RENDA,
        "十六届三次会议",
        2026,
        "建议第41号",
        "关于支持返乡创业人员办理贷款的建议",
        "孙海峰",
        ["张志刚"],
        "",
        "",
        "返乡创业人员普遍反映贷款担保难、手续多。建议扩大创业担保贷款覆盖面，推行线上申请。",
        20,
        [],
    ),
    (
        CouncilKind.ZHENGXIE,
        "十一届三次会议",
        2026,
        "提案第8号",
        "关于加强乡镇卫生院中医药服务能力的提案",
        "吴建华",
        ["周文静"],
        "",
        "泌阳县卫生健康委员会",
        "建议在乡镇卫生院普遍设立中医馆，开展中医适宜技术培训，推动县中医院专家定期下沉坐诊。",
        265,
        [("accepted", 255, "", ""), ("handling", 245, "", "")],
    ),
    (
        CouncilKind.ZHENGXIE,
        "十一届三次会议",
        2026,
        "提案第15号",
        "关于在县城修建大型停车场的提案",
        "郑国强",
        [],
        "",
        "",
        "建议在县城中心区域修建立体停车场，缓解停车难问题。",
        264,
        [("not_accepted", 250, "该事项已列入县城市建设年度计划，按规定不再作为提案立案，转有关部门参考。", "")],
    ),
]


def _days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def seed_demo() -> dict:
    """Create the demo directory and councils if missing. Returns how many of each were created."""
    created = {"service_categories": 0, "service_items": 0, "council_members": 0, "proposals": 0}
    with transaction.atomic():
        categories = {}
        for order, (name, icon, description) in enumerate(CATEGORIES, start=1):
            category, new = ServiceCategory.objects.get_or_create(
                name=name, defaults={"icon": icon, "description": description, "sort_order": order * 10}
            )
            categories[name] = category
            created["service_categories"] += new
        for order, row in enumerate(ITEMS, start=1):
            category_name, name, unit, keywords, materials, address, phone, hours, time_limit, fee, link, notes = row
            if ServiceItem.objects.filter(category=categories[category_name], name=name).exists():
                continue
            item = ServiceItem(
                category=categories[category_name],
                name=name,
                unit=unit,
                keywords=keywords,
                materials=materials,
                address=address,
                phone=phone,
                hours=hours,
                time_limit=time_limit,
                fee=fee,
                link=link,
                notes=notes,
                sort_order=order * 10,
            )
            services.save_service_item(actor=None, item=item)
            created["service_items"] += 1

        members = {}
        for kind, term, rows in ((CouncilKind.RENDA, RENDA_TERM, DEPUTIES), (CouncilKind.ZHENGXIE, ZHENGXIE_TERM, CPPCC_MEMBERS)):
            for order, (name, title, group, delegation, bio) in enumerate(rows, start=1):
                member = CouncilMember.objects.filter(kind=kind, name=name).first()
                if member is None:
                    member = CouncilMember(
                        kind=kind,
                        name=name,
                        title=title,
                        constituency=group if kind == CouncilKind.RENDA else "",
                        sector=group if kind == CouncilKind.ZHENGXIE else "",
                        delegation=delegation,
                        bio=bio,
                        term=term,
                        sort_order=order * 10,
                    )
                    services.save_member(actor=None, member=member)
                    created["council_members"] += 1
                members[(kind, name)] = member

    for kind, session, _year, number, title, lead, signers, proposer, unit, summary, ago, steps in PROPOSALS:
        if Proposal.objects.filter(kind=kind, session=session, number=number).exists():
            continue
        with transaction.atomic():
            proposal = Proposal(
                kind=kind,
                session=session,
                year=_days_ago(ago).year,  # the session's year follows the demo's dates
                number=number,
                title=title,
                summary=summary,
                lead=members.get((kind, lead)),
                proposer=proposer,
                handling_unit=unit,
                submitted_on=_days_ago(ago),
            )
            services.create_proposal(actor=None, proposal=proposal, co_signers=[members[(kind, n)] for n in signers])
            for status, days, note, reply in steps:
                services.change_proposal_status(actor=None, proposal=proposal, to=status, on=_days_ago(days), note=note, reply=reply)
            created["proposals"] += 1
    return created
