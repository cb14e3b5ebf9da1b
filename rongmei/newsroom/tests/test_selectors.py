import datetime as dt

from django.utils import timezone

from rongmei.newsroom import selectors, services
from rongmei.testing import factories


def test_overdue_assignments_are_watched_by_the_chief_and_the_lead_of_their_team_only(
    reporter, column_lead, other_lead, chief, editor, team
):
    plan = factories.approved_plan(reporter, column_lead, team)
    late = services.assign(
        actor=column_lead, coverage=factories.coverage_of(plan), assignee=reporter, deadline=timezone.now() - dt.timedelta(hours=1)
    )
    assert list(selectors.overdue_for(chief)) == [late]
    assert list(selectors.overdue_for(column_lead)) == [late]
    assert list(selectors.overdue_for(other_lead)) == []
    assert selectors.overdue_for(editor) is None
