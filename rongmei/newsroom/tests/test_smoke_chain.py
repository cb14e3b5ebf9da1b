from rongmei.newsroom import services
from rongmei.newsroom.models import Assignment, Story
from rongmei.testing import factories


def test_lead_to_signed_off_story_through_three_distinct_reviewers(people):
    p = people
    lead = services.create_lead(
        actor=p["reporter"], title="铜山湖夏南牛节将开幕", description="夏南牛节下周在铜山湖开幕，预计游客上万。", team=p["team"]
    )
    plan = services.plan_from_lead(
        actor=p["reporter"],
        lead=lead,
        team=p["team"],
        planned_date=lead.created_at.date(),
        coverages=[("text", lead.created_at.replace(year=2030), "")],
    )
    services.approve_plan(actor=p["column_lead"], plan=plan)
    assignment = services.assign(actor=p["column_lead"], coverage=plan.coverages.get(), assignee=p["reporter"])
    services.accept_assignment(actor=p["reporter"], assignment=assignment)
    story = Story.objects.get(assignment=assignment)
    services.autosave(actor=p["reporter"], story=story, body=factories.BODY)
    services.submit_story(actor=p["reporter"], story=story)
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.DONE
    for reviewer in (p["editor"], p["column_lead"], p["chief"]):
        services.approve(actor=reviewer, story=story)
    story.refresh_from_db()
    assert story.state == Story.State.APPROVED
    assert story.signed_off_by == p["chief"]
