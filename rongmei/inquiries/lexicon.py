"""Seed words of the seven default categories, from what the county departments handle.

Written from the departments' remits (住建、生态环境、交通运输、教育和文体、人社、商务和市场监管、
卫健), not from the labeled messages. The classifier adds one feature per category — how many of its
seed words a message contains (log-scaled) — to its TF-IDF features: with 298 labeled messages the
model cannot learn that 物价, 垄断 or 保健品 belong to 商贸旅游 from the few examples it has.
Measured with bench/inquiries_classify.py (5-fold CV macro-F1 0.80 → 0.83; with the neighbour
smoothing of classify.NeighborFeatures 0.87). A category without seed words simply gets no such feature.
"""

LEXICON: dict[str, tuple[str, ...]] = {
    name: tuple(words.split())
    for name, words in {
        "城乡建设": "住房 房产 物业 小区 业主 开发商 楼盘 规划 拆迁 征收 安置 棚改 公租房 廉租房 公积金 房产证 不动产 施工 工地 工程 "
        "建筑 违建 违章建筑 市政 道路 路灯 下水道 排水 积水 供水 自来水 停水 供暖 燃气 天然气 电梯 城管 占道 摊贩 绿化 垃圾 环卫 拆除 "
        "土地 宅基地 国土 村庄 城中村 农村建设 基础设施 管网 地下管道",
        "环境保护": "污染 环保 环境 排放 废水 污水 废气 粉尘 扬尘 噪音 噪声 异味 臭味 气味 恶臭 烟尘 焚烧 垃圾焚烧 化工厂 养殖场 排污 "
        "水质 河道 河流 水源 空气 雾霾 辐射 变电站 基站 生态 采矿 采砂 砂石 偷排 环评 固废 危废 油烟 夜间施工 渣土",
        "交通运输": "交通 公交 公交车 客运 出租车 的士 网约车 驾驶 驾校 驾照 车辆 汽车 摩托车 电动车 停车 停车场 道路 公路 高速 收费站 "
        "红绿灯 信号灯 斑马线 人行道 桥梁 线路 站点 班车 车站 火车 高铁 地铁 铁路 机场 航班 物流 快递 邮政 运输 超载 违章 交警 限行 "
        "绕行 运管 司机 乘客",
        "教育文体": "学校 学生 教师 老师 教育 小学 中学 初中 高中 大学 幼儿园 学费 收费 补课 培训 招生 入学 学籍 中考 高考 考试 学位 "
        "课程 教材 校车 食堂 班主任 校长 师范 代课 文化 体育 图书馆 博物馆 文物 运动 健身 场馆 广场舞 旅游文化 非遗 演出 电视 广播 "
        "网吧 新闻出版",
        "劳动和社会保障": "社保 养老 养老金 退休 工资 拖欠 欠薪 劳动 劳动合同 用人单位 职工 员工 工人 农民工 就业 失业 招聘 人才 职称 "
        "工龄 医保 医疗保险 生育保险 工伤 失业保险 社保卡 缴费 参保 低保 补贴 人社 劳动仲裁 辞退 加班 五险一金 编制 事业单位 公务员 "
        "考录 退役军人 残疾人 救助",
        "商贸旅游": "物价 价格 涨价 乱收费 收费标准 垄断 商标 侵权 假冒 伪劣 三无 保健品 传销 直销 诈骗 消费者 消费 商家 商店 超市 "
        "市场 农贸市场 菜市场 商场 店铺 门店 经营 营业执照 工商 市场监管 食品 质量 产品 售后 退货 电商 网购 淘宝 快递 旅游 景区 景点 "
        "游客 导游 旅行社 酒店 宾馆 饭店 餐馆 外贸 出口 进口 招商 企业 加油站 油价 成品油 特种设备",
        "卫生计生": "医院 医生 护士 患者 病人 看病 就医 挂号 门诊 住院 手术 治疗 药品 药店 药价 医药 医疗 卫生 卫生院 诊所 疫苗 "
        "接种 疾控 传染病 计生 计划生育 生育 二胎 二孩 准生证 独生子女 出生证 母婴 妇幼 体检 健康 急救 120 医保报销 新农合 医疗费用 "
        "食品安全 卫计委 卫健委",
    }.items()
}
