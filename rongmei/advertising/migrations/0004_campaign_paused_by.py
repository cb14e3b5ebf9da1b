"""Who paused a campaign (``Campaign.paused_by``): a pause by the chief editor or an administrator
is lifted only by one of them. Campaigns paused before this migration get the actor of their last
pause audit line."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def paused_by_from_audit(apps, schema_editor):
    Campaign = apps.get_model("advertising", "Campaign")
    AuditLog = apps.get_model("core", "AuditLog")
    for campaign in Campaign.objects.filter(state="paused", paused_by__isnull=True):
        line = (
            AuditLog.objects.filter(subject_type="advertising.campaign", subject_id=str(campaign.pk), action="advertising.pause")
            .order_by("-created_at", "-id")
            .first()
        )
        if line is not None and line.actor_id is not None:
            Campaign.objects.filter(pk=campaign.pk).update(paused_by_id=line.actor_id)


class Migration(migrations.Migration):
    dependencies = [
        ("advertising", "0003_ad_law_words"),
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="paused_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="paused by",
            ),
        ),
        migrations.RunPython(paused_by_from_audit, migrations.RunPython.noop),
    ]
