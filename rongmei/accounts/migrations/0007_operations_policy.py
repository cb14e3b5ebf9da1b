from django.db import migrations


def create_policy(apps, schema_editor):
    # Operations staff see clients' money and contacts: a policy row the administrator can tighten
    # (Admin → role security policies); no second factor by default, as for editors.
    Policy = apps.get_model("accounts", "RoleSecurityPolicy")
    Policy.objects.get_or_create(role="operations", defaults={"require_two_factor": False})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_alter_rolesecuritypolicy_role_alter_user_role")]
    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
