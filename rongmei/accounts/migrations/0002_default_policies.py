from django.db import migrations

ROLES = ["reporter", "photographer", "editor", "column_lead", "chief_editor", "operator", "admin"]
TWO_FACTOR_BY_DEFAULT = {"chief_editor", "admin"}


def create_policies(apps, schema_editor):
    Policy = apps.get_model("accounts", "RoleSecurityPolicy")
    for role in ROLES:
        Policy.objects.get_or_create(role=role, defaults={"require_two_factor": role in TWO_FACTOR_BY_DEFAULT})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_policies, migrations.RunPython.noop)]
