"""The ad-law word list (《中华人民共和国广告法》第九条第三项: no 国家级, 最高级, 最佳 and the like)
as the opt-in content-safety category ``广告法禁用语`` (rongmei.core.safety.AD_LAW, severity
``flag``: the reviewer judges, nothing is blocked). Opt-in: only the ad check asks for it, so
readers' comments and the newsroom's stories are not flagged for 最 or 第一.

A single character such as 最 matches inside many ordinary words; the allow-list takes out the
common innocent ones (time words like 最近 and 最后, 第一书记, 第一时间, official names such as
国家级贫困县 and 国家级非物质文化遗产: a designation the state gave, not the advertiser's claim).
Words stay flagged when they usually are a claim in an ad (最新, 最大, 最多): the reviewer sees the
context. Idempotent (get_or_create): safe to run on a database that has some of it."""

from django.db import migrations

CATEGORY = "广告法禁用语"  # rongmei.core.safety.AD_LAW
DESCRIPTION = "《广告法》第九条禁止的绝对化用语；只用于广告审核，命中须审核人写明理由"

WORDS = [
    # 最 and its usual compounds (the longer word is what the reviewer reads)
    "最", "最佳", "最好", "最优", "最高级", "最高档", "最先进", "最便宜", "最低价", "最具", "最受欢迎",
    # 第一 and its claims
    "第一", "全网第一", "销量第一", "全国第一", "排名第一", "第一品牌", "NO.1", "TOP1",
    # uniqueness and firsts
    "唯一", "首个", "首家", "首选", "独一无二", "史无前例", "遥遥领先",
    # levels
    "国家级", "世界级", "全球级", "顶级", "顶尖", "极品", "极致", "极佳", "王牌", "领导品牌",
    # absolutes
    "100%", "万能", "绝对",
]  # fmt: skip

ALLOWED = [
    ("最近", "时间用语，不属广告绝对化用语"),
    ("最后", "时间用语，不属广告绝对化用语"),
    ("最初", "时间用语，不属广告绝对化用语"),
    ("最终", "时间用语，不属广告绝对化用语"),
    ("最早", "时间用语，不属广告绝对化用语"),
    ("最晚", "时间用语，不属广告绝对化用语"),
    ("第一书记", "驻村第一书记，职务名称"),
    ("第一时间", "时间用语"),
    ("第一次", "序数用语"),
    ("第一届", "序数用语"),
    ("第一批", "序数用语"),
    ("第一期", "序数用语"),
    ("第一天", "序数用语"),
    ("第一季度", "序数用语"),
    ("第一线", "一线岗位"),
    ("第一产业", "产业分类"),
    ("第一人民医院", "机构名称"),
    ("第一高级中学", "机构名称"),
    ("第一小学", "机构名称"),
    ("国家级贫困县", "国家认定的名称，不属广告主自称"),
    ("国家级非物质文化遗产", "法定名称"),
    ("国家级非遗", "法定名称的简称"),
    ("国家级自然保护区", "法定名称"),
    ("国家级风景名胜区", "法定名称"),
]


def add_words(apps, schema_editor):
    WordCategory = apps.get_model("core", "WordCategory")
    SensitiveWord = apps.get_model("core", "SensitiveWord")
    AllowedPhrase = apps.get_model("core", "AllowedPhrase")
    category, changed = WordCategory.objects.get_or_create(name=CATEGORY, defaults={"severity": "flag", "description": DESCRIPTION})
    for word in WORDS:
        _obj, created = SensitiveWord.objects.get_or_create(category=category, word=word)
        changed |= created
    for phrase, note in ALLOWED:
        _obj, created = AllowedPhrase.objects.get_or_create(phrase=phrase, defaults={"note": note})
        changed |= created
    if changed:
        # Historical models send no signals the safety module listens to: tell it here.
        from rongmei.core import safety

        safety.lists_changed()


class Migration(migrations.Migration):
    dependencies = [("advertising", "0002_slots"), ("core", "0003_pending_file_deletion")]
    operations = [migrations.RunPython(add_words, migrations.RunPython.noop)]
