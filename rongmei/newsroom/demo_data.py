"""The demo county center (泌阳县融媒体中心) that ``manage.py seed_demo`` builds.

Pure data: places, staff, teams, word lists and the newsroom scenarios. The command in
``newsroom/management/commands/seed_demo.py`` plays the scenarios through the services, so every
state and audit line is real. Days are offsets from today (negative: past), hours local time.

A scenario is a lead (optionally discarded, or turned into a plan with coverages, assignments and
the stories that come of them), or a story written without a plan. Each is recognized on a second
run by its title (lead title or story headline) and then skipped.

Story flow steps, played in order by the story's author unless ``by`` says otherwise:
  save     save the working copy as a version (a draft in progress)
  submit   send into review (``override``: the chief editor lets block-level words through)
  approve  approve the current review level
  return   send back with a reason and comments anchored to quoted passages of the body
  revise   apply (old, new) replacements to headline and body and submit again
  publish  publish the signed-off story on ``channels`` (our own website and app: sent at once)
"""

from __future__ import annotations

from rongmei.accounts.management.commands.demo_otp import DEMO_DEVICE_NAME as DEMO_DEVICE_NAME

# Every demo account has this password (only set when the account is created).
DEMO_PASSWORD = "Rongmei@2026"  # noqa: S105
# DEMO_DEVICE_NAME (演示验证器, imported above): the confirmed TOTP device given to people whose
# role requires two-factor login; demo_otp looks for it first.
STORY_SOURCE = "泌阳县融媒体中心"

# Towns (乡镇/街道) of Biyang county, and a few villages/communities under some of them.
TOWNS = [
    "泌水街道",
    "古城街道",
    "花园街道",
    "王店镇",
    "板桥镇",
    "春水镇",
    "马谷田镇",
    "官庄镇",
    "羊册镇",
    "郭集镇",
    "泰山庙镇",
    "杨家集镇",
    "高店镇",
    "象河乡",
    "付庄乡",
    "高邑乡",
    "贾楼乡",
    "黄山口乡",
    "下碑寺乡",
    "双庙街乡",
    "铜山乡",
    "陈庄乡",
]
VILLAGES = {
    "泌水街道": ["建设路社区", "梁庄社区"],
    "羊册镇": ["刘庄村", "黄庄村"],
    "铜山乡": ["铜山村", "湖滨村"],
    "陈庄乡": ["盘古村"],
    "春水镇": ["春水村", "石门村"],
    "贾楼乡": ["贾楼村"],
}

# username, name, role. The first ones are the fixed demo logins the README prints.
STAFF = [
    ("reporter", "王记者", "reporter"),
    ("editor", "李编辑", "editor"),
    ("lead", "张组长", "column_lead"),
    ("chief", "赵总编", "chief_editor"),
    ("deputy", "孙副总编", "chief_editor"),
    ("operator", "钱运营", "operator"),
    ("admin", "系统管理员", "admin"),
    ("jingying", "周经营", "operations"),
    ("unit", "张办事", "unit_staff"),
    ("unitlead", "郑局长", "unit_staff"),
    ("jiaotong", "吴科员", "unit_staff"),
    ("jiaoyu", "何老师", "unit_staff"),
    ("weijian", "林医生", "unit_staff"),
    ("renshe", "郭科长", "unit_staff"),
    ("chenjing", "陈静", "reporter"),
    ("liuyang", "刘洋", "reporter"),
    ("zhaolei", "赵磊", "reporter"),
    ("yangfan", "杨帆", "reporter"),
    ("maxiaoli", "马晓丽", "reporter"),
    ("sunpeng", "孙鹏", "photographer"),
    ("hewei", "何伟", "photographer"),
    ("zhoumin", "周敏", "editor"),
    ("xulin", "徐琳", "editor"),
    ("gaojun", "高军", "column_lead"),
    ("huangli", "黄丽", "column_lead"),
    ("lvhong", "吕红", "column_lead"),
    ("fengtao", "冯涛", "column_lead"),
    ("partner", "王微帮", "partner"),
]
# The logins table printed at the end of seed_demo (the README shows the same).
DEMO_LOGINS = ["reporter", "editor", "lead", "chief", "deputy", "operator", "admin", "jingying", "unit", "partner"]

# slug, name, lead, other members, description
TEAMS = [
    ("news", "新闻组", "lead", ["reporter", "liuyang", "sunpeng", "editor", "zhoumin"], "县内时政、经济、社会新闻"),
    ("rongmeibang", "融媒帮", "gaojun", ["maxiaoli", "reporter", "xulin"], "群众求助、问政回音"),
    ("renda", "智慧人大", "huangli", ["yangfan", "xulin"], "人大工作、代表风采"),
    ("zhengxie", "智慧政协", "huangli", ["yangfan", "zhoumin"], "政协履职、委员建言"),
    ("law", "法治在线", "lvhong", ["zhaolei", "hewei"], "公检法司新闻、以案说法"),
    ("village", "美丽乡村", "fengtao", ["chenjing", "reporter", "sunpeng", "zhoumin"], "乡村振兴、特色产业"),
    ("traffic", "行在泌阳", "gaojun", ["zhaolei", "maxiaoli", "hewei"], "交通出行、道路安全"),
    ("features", "专题部", "lvhong", ["liuyang", "chenjing", "xulin"], "重大主题、深度报道"),
    ("short-video", "短视频组", "fengtao", ["sunpeng", "hewei", "maxiaoli"], "抖音、快手、视频号"),
    ("radio", "广播组", "fengtao", ["yangfan", "editor"], "调频广播、口播稿"),
    ("tv-news", "电视新闻组", "lead", ["liuyang", "sunpeng", "hewei", "editor"], "《泌阳新闻》电视节目"),
    ("practice", "新时代文明实践", "huangli", ["maxiaoli", "chenjing"], "志愿服务、文明实践活动"),
    ("gov-service", "政务服务组", "gaojun", ["yangfan", "zhaolei"], "政务公开、办事指南"),
]

# The public app's columns (栏目) of 云上泌阳: slug, name, kind, icon, newsroom teams, description.
COLUMNS = [
    ("toutiao", "头条", "articles", "📰", ["news", "features"], "县内要闻与重大主题报道"),
    ("meili", "魅力泌阳", "articles", "🏞", ["village", "traffic", "practice"], "乡村振兴、文旅与文明实践"),
    ("zhengwu", "政务服务", "services", "🏛", ["gov-service"], "办事指南与政务公开"),
    ("renda", "智慧人大", "articles", "🗳", ["renda"], "人大工作、代表风采"),
    ("zhengxie", "智慧政协", "articles", "🤝", ["zhengxie"], "政协履职、委员建言"),
    ("rongmeibang", "融媒帮", "articles", "🙋", ["rongmeibang", "law"], "群众求助与问政回音"),
    ("yajiewen", "亚杰问", "articles", "❓", ["rongmeibang"], "记者替您问"),
    ("video", "短视频", "video", "🎬", ["short-video", "tv-news"], "泌阳短视频与电视新闻"),
    ("wenzheng", "问政", "services", "💬", [], "有问必答，部门限时答复"),
    ("wenming", "新时代文明实践", "articles", "🌱", ["practice"], "志愿服务、文明实践活动与身边典型"),
]
# The page an articles column shows at its top as its related page.
COLUMN_LINKS = {"renda": "/councils/renda/", "zhengxie": "/councils/zhengxie/", "wenzheng": "/wenzheng/", "wenming": "/practice/"}

# Sensitive-word lists: name, severity, description, words. Plus the allow-list.
WORD_CATEGORIES = [
    ("广告违禁词", "flag", "《广告法》禁止的绝对化用语，新闻稿中慎用", ["最佳", "国家级", "第一品牌", "顶级", "绝对", "首选"]),
    ("常见错别字", "flag", "编校中常见的错误写法", ["农名工", "既使", "再接再励", "一股作气"]),
    ("严重违规", "block", "违法违规信息，命中即阻止提交", ["赌博网站", "代开发票", "办证刻章"]),
]
ALLOWED_PHRASES = [
    ("最佳观赏期", "景区报道常用语，不属广告用语"),
    ("国家级非物质文化遗产", "法定名称"),
]


def paragraphs(*texts: str) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


LEADS = [
    # 1 · the cattle industry conference: a full multi-media plan
    {
        "title": "第十五届中国牛业发展大会下周在泌阳开幕",
        "description": "从县委宣传部获悉，第十五届中国牛业发展大会将在泌阳县举办。来自全国的畜牧专家、肉牛企业代表将围绕肉牛种业振兴、"
        "夏南牛品牌建设等议题交流，会期两天，其间举办夏南牛产品展销和牧场观摩活动。",
        "source": "wire",
        "contact": "县委宣传部新闻科",
        "place": "花园街道",
        "team": "news",
        "by": "reporter",
        "plan": {
            "title": "第十五届中国牛业发展大会全媒体报道",
            "summary": "开幕消息＋现场图片＋开幕式直播＋短视频快剪＋会后综述；重点讲好夏南牛从培育到产业化的故事。",
            "team": "news",
            "by": "reporter",
            "day": -1,
            "channels": ["newspaper", "tv", "website", "wechat_oa", "app", "douyin"],
            "coverages": [
                ("text", -1, 18, "开幕消息，当晚见报"),
                ("photo", -1, 12, "开幕式、展区、牧场观摩"),
                ("live", -1, 9, "开幕式全程直播"),
                ("short_video", 1, 12, "60秒现场快剪"),
                ("text", 2, 17, "会后综述"),
            ],
            "decision": ("approve", "lead", "同意，按全媒体方案执行"),
            "assignments": [
                {
                    "coverage": 0,
                    "to": "reporter",
                    "by": "lead",
                    "answer": "accept",
                    "story": {
                        "headline": "第十五届中国牛业发展大会在泌阳开幕",
                        "subtitle": "千余名嘉宾共话肉牛产业高质量发展",
                        "intro": "第十五届中国牛业发展大会今天上午在泌阳县开幕。来自全国各地的畜牧专家、肉牛企业代表和养殖大户齐聚一堂，"
                        "围绕肉牛种业振兴、品牌建设和产业链延伸等议题展开交流。",
                        "body": paragraphs(
                            "开幕式上，与会专家介绍了我国肉牛产业的发展形势。夏南牛是以泌阳为中心培育的肉牛品种，经过多年选育推广，"
                            "已成为县域经济的一张名片。目前，全县已形成从良种繁育、标准化养殖到屠宰加工、冷链销售的完整链条。",
                            "大会期间还将举办夏南牛产品展销、牧场观摩和项目签约等活动。在展区，牛肉干、酱牛肉等深加工产品"
                            "吸引了不少客商驻足洽谈。",
                            "县委负责同志表示，泌阳将以此次大会为契机，加快推进肉牛产业集群建设，让“牛产业”成为带动群众增收、"
                            "助力乡村振兴的富民产业。",
                        ),
                        "flow": [
                            {"do": "submit"},
                            {"do": "approve", "by": "editor", "comment": "导语简洁，数据已核。"},
                            {"do": "approve", "by": "lead", "comment": "同意，头条推送。"},
                            {"do": "approve", "by": "chief", "comment": "同意签发。"},
                            {"do": "publish", "by": "chief", "channels": ["website", "app"]},
                        ],
                    },
                },
                # Accepted but not filed yet, and past its deadline: shows as overdue.
                {"coverage": 1, "to": "sunpeng", "by": "lead", "answer": "accept"},
                {"coverage": 2, "to": "hewei", "by": "lead", "answer": "decline", "reason": "当天在法治在线跟拍庭审，建议改派孙鹏。"},
                {"coverage": 3, "to": "maxiaoli", "by": "lead", "note": "竖屏9:16，配字幕"},
                {"coverage": 4, "to": "reporter", "by": "lead", "note": "采访两到三位参会企业代表"},
            ],
        },
    },
    # 2 · a citizen's tip close to lead 1: the similarity flag shows
    {
        "title": "牛业发展大会期间县城酒店紧张 市民建议开放农家乐接待",
        "description": "市民李先生来电反映：第十五届中国牛业发展大会下周在泌阳开幕，届时外地嘉宾和客商较多，县城酒店可能住不下，"
        "建议有关部门引导农家乐、民宿参与接待，并做好大会期间的交通疏导。",
        "source": "citizen_tip",
        "contact": "李先生 139****2866",
        "place": "泌水街道",
        "team": "news",
        "by": "liuyang",
    },
    # 3 · 夏南牛 farmers in 羊册镇: signed off
    {
        "title": "羊册镇夏南牛养殖户扩栏增收",
        "description": "羊册镇刘庄村养殖户刘建军养殖夏南牛八年，存栏从十几头发展到一百二十头，带动二十多户村民养牛，"
        "村里成立了养殖合作社，统一采购饲料、对接收购企业。",
        "source": "reporter",
        "place": "羊册镇/刘庄村",
        "team": "village",
        "by": "chenjing",
        "plan": {
            "title": "夏南牛带富一方：羊册镇养殖户的增收账",
            "summary": "以养殖户刘建军为主线，算清养牛的成本账、收入账，带出合作社和技术服务的作用。",
            "team": "village",
            "by": "chenjing",
            "day": -2,
            "channels": ["newspaper", "website", "app", "wechat_oa"],
            "coverages": [("text", -1, 18, "通讯，1500字以内"), ("photo", -2, 16, "牛舍、合作社、人物肖像")],
            "decision": ("approve", "fengtao", ""),
            "assignments": [
                {
                    "coverage": 0,
                    "to": "chenjing",
                    "by": "fengtao",
                    "answer": "accept",
                    "story": {
                        "headline": "夏南牛带富一方：羊册镇养殖户算起增收账",
                        "intro": "清晨六点，羊册镇刘庄村养殖户刘建军已经在牛舍里忙开了。添料、清圈、查看牛只长势，这样的日子他已经过了八年。",
                        "body": paragraphs(
                            "“前几年只养了十几头，现在存栏一百二十头，一年纯收入三十多万元。”说起这几年的变化，刘建军笑得合不拢嘴。"
                            "他告诉记者，镇里推广青贮饲料和标准化圈舍，畜牧部门的技术员定期上门指导，牛长得快、病少，效益一年比一年好。",
                            "在刘建军的带动下，村里已有二十多户群众发展夏南牛养殖。村党支部牵头成立养殖合作社，统一采购饲料、"
                            "统一对接收购企业，帮助养殖户降低成本、稳定销路。",
                            "羊册镇相关负责人介绍，下一步将继续完善良种繁育和金融支持政策，引导更多群众通过养牛走上致富路。",
                        ),
                        "flow": [
                            {"do": "submit"},
                            {"do": "approve", "by": "zhoumin"},
                            {"do": "approve", "by": "fengtao", "comment": "人物鲜活，同意。"},
                            {"do": "approve", "by": "deputy", "comment": "同意签发。"},
                            {"do": "publish", "by": "deputy", "channels": ["website", "app"]},
                        ],
                    },
                },
                {"coverage": 1, "to": "sunpeng", "by": "fengtao", "answer": "decline", "reason": "相机送修，本周无法外拍。"},
                {"coverage": 1, "to": "hewei", "by": "fengtao", "deadline": (1, 16), "note": "补拍牛舍和合作社"},
            ],
        },
    },
    # 4 · 铜山湖 tourism: in second review
    {
        "title": "铜山湖景区周末客流同比增长三成",
        "description": "铜山湖景区管理处提供消息：今年以来景区周末客流同比增长三成左右，环湖绿道、观景平台成为游客打卡地，"
        "周边农家乐、民宿生意红火。可做一期铜山湖文旅融合的报道。",
        "source": "partner",
        "contact": "铜山湖景区管理处",
        "place": "铜山乡",
        "team": "news",
        "by": "liuyang",
        "plan": {
            "title": "铜山湖：山水资源变成“幸福资源”",
            "summary": "从客流增长切入，讲生态治理、配套提升和周边群众增收；电视、客户端、短视频同步。",
            "team": "news",
            "by": "liuyang",
            "day": 0,
            "channels": ["tv", "website", "app", "douyin", "wechat_channels"],
            "coverages": [
                ("text", 1, 17, "图文稿"),
                ("video", 1, 12, "航拍＋游客采访，电视新闻2分钟"),
                ("short_video", 2, 10, "竖屏短视频"),
            ],
            "decision": ("approve", "lead", ""),
            "assignments": [
                {
                    "coverage": 0,
                    "to": "liuyang",
                    "by": "lead",
                    "answer": "accept",
                    "story": {
                        "headline": "铜山湖：好山好水引来八方游客",
                        "subtitle": "景区周末客流同比增长三成",
                        "intro": "连日来，铜山湖景区游人如织。记者从景区管理处获悉，今年以来景区周末日均接待游客同比增长三成左右，"
                        "带动周边农家乐、民宿生意红火。",
                        "body": paragraphs(
                            "铜山湖位于泌阳县铜山乡，湖面开阔、群山环抱。近年来，当地持续推进环湖生态治理，修建环湖绿道和观景平台，"
                            "完善停车、公厕等配套设施，景区的“颜值”和服务水平不断提升。",
                            "“从驻马店市区开车过来一个多小时，带孩子看看湖、吃顿农家饭，很惬意。”来自驿城区的游客王女士说。"
                            "湖边的农家乐老板告诉记者，周末的包间需要提前两三天预订。",
                            "铜山乡负责人表示，将进一步丰富水上运动、研学旅行等业态，把绿水青山转化为群众增收的“金山银山”。",
                        ),
                        "flow": [{"do": "submit"}, {"do": "approve", "by": "editor"}],
                    },
                },
                {"coverage": 1, "to": "hewei", "by": "lead", "answer": "decline", "reason": "当天在法治在线跟拍庭审。"},
                {
                    "coverage": 2,
                    "to": "maxiaoli",
                    "by": "lead",
                    "answer": "accept",
                    "story": {
                        "headline": "短视频｜跟着镜头游铜山湖",
                        "intro": "（脚本初稿，时长约60秒）",
                        "body": paragraphs(
                            "镜头一：航拍铜山湖全景，晨雾散去，湖面波光粼粼。字幕：铜山湖，泌阳的一汪碧水。",
                            "镜头二：环湖绿道上骑行的游客。同期声：“空气太好了，周末就想来这儿。”",
                            "镜头三：农家乐后厨，大锅炖鱼热气腾腾。字幕：湖鲜、山货，都是家门口的味道。",
                            "镜头四：夕阳下的观景平台，一家人合影。结尾字幕：铜山湖欢迎您。（待补：景区开放时间、交通指引）",
                        ),
                        "flow": [{"do": "save"}],
                    },
                },
            ],
        },
    },
    # 5 · close to lead 4
    {
        "title": "铜山湖环湖路周末拥堵 游客建议增设临时停车场",
        "description": "游客来电反映：周末去铜山湖景区游玩，环湖路车辆排起长队，景区停车场停满，不少车辆停在路边。"
        "建议景区增设临时停车场，交警加强周末疏导。",
        "source": "citizen_tip",
        "contact": "游客 周女士",
        "place": "铜山乡/湖滨村",
        "team": "traffic",
        "by": "zhaolei",
    },
    # 6 · 盘古山: plan waiting for approval
    {
        "title": "盘古山文化旅游节筹备启动",
        "description": "陈庄乡盘古山景区拟于近期举办盘古文化旅游节，安排民俗展演、非遗展示、文创集市等活动，筹备工作已经启动。",
        "source": "reporter",
        "place": "陈庄乡/盘古村",
        "team": "features",
        "by": "liuyang",
        "plan": {
            "title": "寻根盘古山：盘古文化的泌阳记忆",
            "summary": "以文化旅游节为由头，讲述盘古山的传说、民俗与文旅发展；文字、视频、图片三路并进。",
            "team": "features",
            "by": "chenjing",
            "day": 3,
            "channels": ["newspaper", "tv", "website", "app"],
            "coverages": [("text", 3, 17, ""), ("video", 4, 12, "专题片5分钟"), ("photo", 3, 12, "")],
        },
    },
    # 7 · 泌阳花菇: waiting for final review, with a flagged advertising word
    {
        "title": "春水镇泌阳花菇进入采收旺季",
        "description": "春水镇食用菌种植基地的泌阳花菇进入采收旺季，菇农忙着采摘、烘干，基地带动周边二百多户群众就业，今年行情较好。",
        "source": "reporter",
        "place": "春水镇/石门村",
        "team": "village",
        "by": "reporter",
        "plan": {
            "title": "小花菇撑起大产业",
            "summary": "走进种植基地和菇农家中，讲清泌阳花菇的品质、模式和销路。",
            "team": "village",
            "by": "reporter",
            "day": -1,
            "channels": ["newspaper", "website", "app", "kuaishou"],
            "coverages": [("text", 0, 17, ""), ("photo", -1, 15, "采摘、分拣、烘干场景"), ("short_video", 1, 12, "")],
            "decision": ("approve", "fengtao", "注意核实收入数据"),
            "assignments": [
                {
                    "coverage": 0,
                    "to": "reporter",
                    "by": "fengtao",
                    "answer": "accept",
                    "story": {
                        "headline": "小花菇撑起富民大产业",
                        "subtitle": "泌阳花菇进入采收旺季",
                        "intro": "眼下正是泌阳花菇采收的旺季。在春水镇的食用菌种植基地，一排排菇棚里，菌棒上的花菇长势喜人，"
                        "菇农们正忙着采摘、分拣、烘干。",
                        "body": paragraphs(
                            "泌阳花菇肉厚柄短、菌盖花纹清晰，被不少客商称为“花菇中的顶级货”。近年来，当地推广林下种植和标准化菇棚，"
                            "引进烘干设备和冷库，花菇品质和附加值明显提高。",
                            "“一个菌棒能出三到四茬菇，今年行情好，一棚能挣两万多元。”菇农陈大姐一边分拣一边算账。基地负责人介绍，"
                            "基地采取“企业＋合作社＋农户”模式，带动周边二百多户群众在家门口就业。",
                            "目前，泌阳花菇已通过电商平台销往全国各地。县里还将建设食用菌交易市场，进一步打响泌阳花菇品牌。",
                        ),
                        "flow": [
                            {"do": "submit"},
                            {"do": "approve", "by": "zhoumin", "comment": "“顶级货”为引语，保留。"},
                            {"do": "approve", "by": "fengtao"},
                        ],
                    },
                },
                # Offered, never answered, past its deadline: overdue.
                {"coverage": 1, "to": "hewei", "by": "fengtao"},
                {"coverage": 2, "to": "maxiaoli", "by": "fengtao", "cancel": "改由短视频组统一制作。"},
            ],
        },
    },
    # 8 · close to lead 7
    {
        "title": "花菇采收旺季收购价走高 菇农盼拓宽销路",
        "description": "“泌阳生活圈”自媒体反映：春水镇一带的泌阳花菇正值采收旺季，收购价走高，菇农收入增加，"
        "但不少菇农的销路主要依赖上门客商，希望借助电商直播拓宽销路。",
        "source": "partner",
        "contact": "“泌阳生活圈”自媒体",
        "place": "春水镇",
        "team": "village",
        "by": "chenjing",
    },
    # 9 · 曲艺: plan rejected
    {
        "title": "泌阳选手在河南省曲艺大赛中获奖",
        "description": "据省曲艺家协会消息，在刚刚结束的河南省曲艺大赛中，泌阳县选送的节目获得奖项，演员多为本土曲艺爱好者。",
        "source": "wire",
        "contact": "县文化广电和旅游局",
        "team": "features",
        "by": "liuyang",
        "plan": {
            "title": "泌阳曲艺人唱响省级舞台",
            "summary": "采访获奖演员和指导老师，讲述基层曲艺的传承。",
            "team": "features",
            "by": "liuyang",
            "day": 1,
            "channels": ["radio", "tv", "app"],
            "coverages": [("text", 2, 17, ""), ("audio", 2, 12, "广播专题")],
            "decision": ("reject", "lvhong", "获奖名单尚未正式公示，待主办方发布后再立项。"),
        },
    },
    # 10, 11 · discarded leads
    {
        "title": "花园街道某小区门口流动摊贩占道经营",
        "description": "市民反映花园街道某小区门口早晚有流动摊贩占道经营，影响车辆进出。",
        "source": "citizen_tip",
        "place": "花园街道",
        "team": "rongmeibang",
        "by": "maxiaoli",
        "discard": ("gaojun", "已转城市管理部门处理，不具新闻价值。"),
    },
    {
        "title": "网传泌阳县城将实行单双号限行",
        "description": "网上流传“泌阳县城将实行机动车单双号限行”的消息，有市民来电询问是否属实。",
        "source": "hotline",
        "contact": "热线值班记录",
        "team": "traffic",
        "by": "zhaolei",
        "discard": ("editor", "经县交警大队核实系不实信息，网信部门已辟谣，不再跟进。"),
    },
    # 12 · 新时代文明实践: in first review
    {
        "title": "古城街道志愿者走进敬老院开展义诊",
        "description": "县新时代文明实践中心提供：古城街道新时代文明实践所将组织医疗志愿者到辖区敬老院开展义诊、理发、打扫卫生等志愿服务。",
        "source": "partner",
        "contact": "县新时代文明实践中心",
        "place": "古城街道",
        "team": "practice",
        "by": "maxiaoli",
        "plan": {
            "title": "文明实践在身边：志愿服务暖人心",
            "summary": "跟随志愿者一天，记录义诊和生活照料服务。",
            "team": "practice",
            "by": "maxiaoli",
            "day": -1,
            "channels": ["website", "app", "wechat_oa"],
            "coverages": [("text", -1, 17, ""), ("photo", -1, 10, "")],
            "decision": ("approve", "huangli", ""),
            "assignments": [
                {
                    "coverage": 0,
                    "to": "maxiaoli",
                    "by": "huangli",
                    "answer": "accept",
                    "story": {
                        "headline": "志愿者走进敬老院 义诊服务暖人心",
                        "intro": "“血压有点高，平时饮食要清淡，记得按时吃药。”近日，古城街道新时代文明实践所组织医疗志愿者走进辖区敬老院，"
                        "为五十多位老人开展义诊。",
                        "body": paragraphs(
                            "活动现场，志愿者们为老人测量血压、血糖，耐心询问身体状况，并逐一讲解慢性病预防和用药常识。"
                            "行动不便的老人，志愿者就到房间里上门服务。",
                            "除了义诊，志愿者还为老人们理发、打扫房间，陪老人拉家常。八十二岁的张大爷说：“孩子们常来看我们，比过年还热闹。”",
                            "据了解，古城街道新时代文明实践所定期开展关爱老人志愿服务活动，今年以来已组织各类志愿服务三十余场，"
                            "让文明实践成果惠及更多群众。",
                        ),
                        "flow": [{"do": "submit"}],
                    },
                },
            ],
        },
    },
    # 13 · 行在泌阳: plan waiting for approval
    {
        "title": "县交警大队启动农村道路交通安全劝导行动",
        "description": "县交警大队在官庄镇等乡镇设立农村道路交通安全劝导站，由村干部和志愿者担任劝导员，"
        "重点劝导电动车不戴头盔、农用车违法载人等行为。",
        "source": "wire",
        "contact": "县公安局交警大队宣传科",
        "place": "官庄镇",
        "team": "traffic",
        "by": "zhaolei",
        "plan": {
            "title": "行在泌阳｜农村交通安全劝导站见闻",
            "summary": "蹲点一个劝导站，看劝导员如何守护乡亲出行安全。",
            "team": "traffic",
            "by": "zhaolei",
            "day": 2,
            "channels": ["radio", "app", "douyin", "kuaishou"],
            "coverages": [("text", 2, 17, ""), ("short_video", 3, 12, "")],
        },
    },
    # 14 · a new 问政 lead
    {
        "title": "下碑寺乡集镇主街路灯损坏多日",
        "description": "群众通过问政热线反映：下碑寺乡集镇主街多盏路灯损坏，夜间出行不便，已持续半个多月。",
        "source": "hotline",
        "contact": "问政热线",
        "place": "下碑寺乡",
        "team": "rongmeibang",
        "by": "maxiaoli",
    },
]


# Stories written without a plan (create_story).
STORIES = [
    # Block-level words, let into review by the chief editor with a written reason.
    {
        "team": "law",
        "by": "zhaolei",
        "headline": "县公安局破获一起网络赌博案",
        "subtitle": "警方提醒：远离赌博网站 谨防违法犯罪",
        "intro": "近日，泌阳县公安局成功破获一起利用境外赌博网站组织网络赌博的案件，抓获犯罪嫌疑人五名，冻结涉案资金一批。",
        "body": paragraphs(
            "经查，犯罪嫌疑人通过社交软件拉人入群，诱导群众在赌博网站注册充值，从中抽取佣金。此外，团伙成员还在群内兜售“代开发票”等违法服务。"
            "目前，案件正在进一步侦办中。",
            "警方提醒，网络赌博“十赌九骗”，参与赌博不仅会造成财产损失，还可能触犯法律。群众如发现相关违法犯罪线索，请及时拨打110举报。",
        ),
        "flow": [
            {"do": "save"},
            {"do": "submit", "by": "chief", "override": "本稿为公安机关通报的打击类报道，敏感词系案件事实表述，同意提交审核。"},
        ],
    },
    # Returned by first review with anchored comments: back in draft.
    {
        "team": "news",
        "by": "reporter",
        "place": "泌水街道/建设路社区",
        "headline": "泌水街道老旧小区改造惠及两千余户居民",
        "intro": "走进泌水街道建设路社区，新铺的沥青路面平整干净，楼道里换上了声控灯，墙面刷得焕然一新。这是今年全县老旧小区改造工程带来的新变化。",
        "body": paragraphs(
            "据了解，今年泌水街道共有十二个老旧小区纳入改造计划，惠及两千余户居民。改造内容包括雨污分流、管网更新、道路硬化、"
            "加装路灯和增设停车位等，计划今年年底前全部完工。",
            "改造过程中，街道和社区广泛征求居民意见，“改什么、怎么改”由居民说了算。居民李阿姨说：“以前一下雨楼下就积水，现在出门方便多了。”",
            "街道负责人表示，将同步建立长效管理机制，引导居民参与小区治理，做到“改造一个、管好一个”。",
        ),
        "flow": [
            {"do": "submit"},
            {
                "do": "return",
                "by": "editor",
                "reason": "数据和时间节点需核实后再提交。",
                "comments": [
                    ("惠及两千余户居民", "请核实具体户数，以县住建局通报数据为准。"),
                    ("计划今年年底前全部完工", "完工时间请与街道办再次确认，避免表述过满。"),
                ],
            },
        ],
    },
    # Returned at second review, revised, and in first review again as version 2.
    {
        "team": "rongmeibang",
        "by": "maxiaoli",
        "place": "贾楼乡/贾楼村",
        "headline": "问政回音｜贾楼乡通村公路破损 交通运输局：月底前完成修复",
        "intro": "近日，有网友在“云上泌阳”问政平台反映，贾楼乡一条通村公路路面破损严重，雨天坑洼积水，群众出行不便。",
        "body": paragraphs(
            "接到网友反映后，融媒帮记者随即联系县交通运输局。该局工作人员到现场查看后回复：该路段因重载车辆碾压造成路面损坏，"
            "已列入农村公路养护计划，月底前完成修复。",
            "记者在现场看到，施工人员已进场清理破损路面，并设置了警示标志。附近村民表示：“反映的问题这么快就有回音，心里踏实。”",
            "融媒帮将持续关注该路段修复进展。群众如有身边的急事难事，可通过“云上泌阳”客户端问政栏目反映。",
        ),
        "flow": [
            {"do": "submit"},
            {"do": "approve", "by": "xulin"},
            {
                "do": "return",
                "by": "gaojun",
                "reason": "答复时限不够具体，请补充后重新提交。",
                "comments": [("月底前完成修复", "请写明交通运输局答复的具体时限。")],
            },
            {"do": "revise", "replace": [("月底前完成修复", "15个工作日内完成修复")]},
        ],
    },
    # The chief editor's own commentary: final review by the deputy chief editor.
    {
        "team": "news",
        "by": "chief",
        "headline": "评论｜让“牛产业”跑出乡村振兴加速度",
        "intro": "第十五届中国牛业发展大会在泌阳举办，是对泌阳肉牛产业发展成果的检阅，更是推动产业提档升级的新起点。",
        "body": paragraphs(
            "从培育出夏南牛这个肉牛品种，到形成从良种繁育到精深加工的全产业链，泌阳走出了一条依托特色资源发展富民产业的路子。"
            "实践证明，产业兴旺是乡村振兴的重要基础，也是群众增收最可靠的支撑。",
            "也要清醒看到，肉牛产业仍面临养殖成本上升、品牌溢价不足等挑战。抓住大会契机，就要在良种繁育上下更大功夫，"
            "在精深加工上延伸链条，在品牌营销上打开市场，让“泌阳牛肉”走上更多百姓餐桌。",
            "乡村振兴，产业先行。期待泌阳以牛为媒、以会促产，让“牛产业”真正成为群众的“致富牛”。",
        ),
        "flow": [
            {"do": "submit"},
            {"do": "approve", "by": "xulin"},
            {"do": "approve", "by": "lead"},
            {"do": "approve", "by": "deputy", "comment": "同意签发。"},
        ],
    },
    # 智慧人大: in second review.
    {
        "team": "renda",
        "by": "yangfan",
        "headline": "县人大常委会开展乡村振兴促进法执法检查",
        "intro": "近日，县人大常委会执法检查组深入部分乡镇，对《中华人民共和国乡村振兴促进法》贯彻实施情况开展执法检查。",
        "body": paragraphs(
            "检查组先后来到王店镇、板桥镇，实地查看特色种植基地、农村人居环境整治和村级集体经济发展情况，并召开座谈会，"
            "听取有关部门和乡镇的工作汇报。",
            "检查组指出，各地各部门要进一步提高思想认识，强化法治保障，在产业发展、人才引进、生态保护等方面持续用力，"
            "推动乡村振兴促进法各项规定落地见效。",
            "检查组还就发现的问题提出了具体意见建议，要求有关部门认真研究、限期整改。",
        ),
        "flow": [{"do": "submit"}, {"do": "approve", "by": "xulin"}],
    },
]
