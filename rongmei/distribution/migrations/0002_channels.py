from django.db import migrations

CHANNELS = [
    ("newspaper", "报纸"),
    ("radio", "广播"),
    ("tv", "电视"),
    ("website", "网站"),
    ("gov_site", "政府网站"),
    ("wechat_oa", "微信公众号"),
    ("app", "客户端"),
    ("douyin", "抖音"),
    ("kuaishou", "快手"),
    ("wechat_channels", "视频号"),
    ("weibo", "微博"),
]


def create_channels(apps, schema_editor):
    Channel = apps.get_model("distribution", "Channel")
    for order, (code, name) in enumerate(CHANNELS):
        Channel.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("distribution", "0001_initial")]
    operations = [migrations.RunPython(create_channels, migrations.RunPython.noop)]
