from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_alter_rolesecuritypolicy_role_alter_user_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="automation",
            field=models.BooleanField(default=False, verbose_name="for automation"),
        ),
    ]
