"""A starting set of assessment rules, for the chief editor to change: reporters and
photographers earn for stories filed, published and their reads, publications and assignments;
editors and column leads for approvals and the 问政 desk; operators for live rooms and the desk."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    # measure, role, points, per
    ("stories_filed", "reporter", "1", 1),
    ("stories_published", "reporter", "3", 1),
    ("publications", "reporter", "1", 1),
    ("reads", "reporter", "1", 1000),
    ("assignments_done", "reporter", "2", 1),
    ("stories_filed", "photographer", "1", 1),
    ("stories_published", "photographer", "3", 1),
    ("publications", "photographer", "1", 1),
    ("reads", "photographer", "1", 1000),
    ("assignments_done", "photographer", "2", 1),
    ("approvals", "editor", "1", 1),
    ("inquiries_handled", "editor", "0.5", 1),
    ("approvals", "column_lead", "1", 1),
    ("inquiries_handled", "column_lead", "0.5", 1),
    ("approvals", "chief_editor", "1", 1),
    ("live_rooms", "operator", "5", 1),
    ("inquiries_handled", "operator", "0.5", 1),
]


def add(apps, schema_editor):
    Rule = apps.get_model("dashboard", "AssessmentRule")
    if Rule.objects.exists():
        return
    Rule.objects.bulk_create(Rule(measure=m, role=r, points=Decimal(p), per=per) for m, r, p, per in DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0001_assessment_rules")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
