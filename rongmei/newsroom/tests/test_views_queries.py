"""List pages run a fixed number of queries however many rows they show (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rongmei.newsroom import services
from rongmei.newsroom.tests.test_views_common import as_user
from rongmei.testing import factories


def add_rows(people, n: int) -> None:
    """n more of everything: leads (similar to each other), approved plans with two coverages
    dispatched and accepted, and stories in several states."""
    p = people
    for i in range(n):
        services.create_lead(actor=p["reporter"], title=f"铜山湖夏南牛节第{i}场活动", description="夏南牛节在铜山湖开幕。", team=p["team"])
        plan = factories.approved_plan(p["reporter"], p["column_lead"], p["team"], kinds=("text", "photo"))
        for coverage, person in zip(plan.coverages.all(), (p["reporter"], p["photographer"]), strict=True):
            assignment = services.assign(actor=p["column_lead"], coverage=coverage, assignee=person)
            services.accept_assignment(actor=person, assignment=assignment)
        factories.draft_story(p["reporter"], p["team"], headline=f"草稿稿件第{i}篇")
        factories.story_in_review(p["reporter2"], p["team"], headline=f"审核稿件第{i}篇")


LIST_PAGES = [
    "newsroom:leads",
    "newsroom:plans",
    "newsroom:stories",
    "newsroom:assignments",
    "newsroom:board",
    "newsroom:home",
    "newsroom:calendar",
    "newsroom:dispatch",
]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_page_query_count_does_not_grow_with_rows(people, name, django_assert_num_queries):
    url = reverse(name) + ("?all=1" if name == "newsroom:assignments" else "")
    client = as_user(people["column_lead"])
    add_rows(people, 2)
    client.get(url)  # warm up: session, sensitive-word automaton, content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_rows(people, 4)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_mine_lists_of_a_reporter_are_constant_too(people, django_assert_num_queries):
    client = as_user(people["reporter"])
    add_rows(people, 1)
    for url in (reverse("newsroom:assignments"), reverse("newsroom:stories") + "?mine=on"):
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        add_rows(people, 3)
        with django_assert_num_queries(len(few.captured_queries)):
            client.get(url)


@pytest.mark.parametrize("persona", ["editor", "chief"])
def test_home_of_a_reviewer_is_constant_with_stories_at_every_level(people, persona, django_assert_num_queries):
    def more(n):
        for i in range(n):
            factories.story_in_review(people["reporter"], people["team"], headline=f"一审稿件第{i}篇")
            story = factories.story_in_review(people["reporter2"], people["team"], headline=f"终审稿件第{i}篇")
            services.approve(actor=people["editor2"], story=story)
            services.approve(actor=people["column_lead"], story=story)

    client = as_user(people[persona])
    url = reverse("newsroom:home")
    more(1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more(3)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    page = page.split('id="waiting-review"')[1].split("</section>")[0]
    assert ("终审稿件第2篇" in page) == (persona == "chief")
    assert ("一审稿件第2篇" in page) == (persona == "editor")


def test_plan_detail_query_count_does_not_grow_with_coverages(people, django_assert_num_queries):
    """Each coverage has its dispatch form; the assignable people are loaded once, not per form."""
    plan = factories.approved_plan(people["reporter"], people["column_lead"], people["team"], kinds=("text", "photo"))
    url = reverse("newsroom:plan", args=[plan.pk])
    client = as_user(people["column_lead"])

    def more_coverages(n):
        for coverage in [
            services.add_coverage(actor=people["column_lead"], plan=plan, kind="video", deadline=plan.coverages.first().deadline)
            for _ in range(n)
        ]:
            services.assign(actor=people["column_lead"], coverage=coverage, assignee=people["photographer"])

    services.assign(actor=people["column_lead"], coverage=plan.coverages.first(), assignee=people["reporter"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count('class="dispatch"') == 2
    more_coverages(4)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count('class="dispatch"') == 6
