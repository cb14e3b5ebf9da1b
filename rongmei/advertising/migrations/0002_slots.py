from django.db import migrations

# code, name, width, height, where it shows
SLOTS = [
    ("splash", "开屏", 1080, 1920, "打开“云上泌阳”时全屏显示 3 秒，可跳过"),
    ("banner", "横幅", 750, 200, "首页和栏目页的头条下方"),
    ("in_feed", "信息流", 750, 420, "首页和栏目页的稿件列表中，第 5 条之后"),
    ("article_bottom", "文章底部", 750, 300, "稿件正文之后、评论之前"),
    ("live_room", "直播间", 750, 200, "直播间播放器下方"),
]


def create_slots(apps, schema_editor):
    AdSlot = apps.get_model("advertising", "AdSlot")
    for code, name, width, height, placement in SLOTS:
        AdSlot.objects.get_or_create(code=code, defaults={"name": name, "width": width, "height": height, "placement": placement})


class Migration(migrations.Migration):
    dependencies = [("advertising", "0001_initial")]
    operations = [migrations.RunPython(create_slots, migrations.RunPython.noop)]
