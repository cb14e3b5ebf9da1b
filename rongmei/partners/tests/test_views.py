"""The partner portal at /partners/ and the operators' pages: who may open what (a partner sees
its own organization and nobody else's), and the flows through the screens: quotas, a
contribution adopted by the desk, a task reported and accepted, the scoring rule, closing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from rongmei.accounts.models import Role
from rongmei.newsroom.models import Lead, Story
from rongmei.partners import services
from rongmei.partners.models import Contribution, Post, Quarter, Quota, ScoringRule, Task, TaskAssignment
from rongmei.testing.partners import open_task, png_bytes, previous_quarter
from rongmei.testing.personas import make_user

pytestmark = pytest.mark.django_db

PORTAL_PAGES = ["home", "contribute", "contributions", "tasks", "posts", "score", "awards", "profile", "notifications"]
MANAGER_PAGES = ["manage", "registry", "partner_new", "quotas", "task_list", "task_new", "posts_all", "rule", "quarter"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def login(client, user):
    client.force_login(user)
    return client


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_a_partner_opens_every_page_of_its_portal(client, partner_login, name):
    response = login(client, partner_login).get(reverse(f"partners:{name}"))
    assert response.status_code == 200
    assert "泌阳微帮" in response.content.decode()


def test_the_anonymous_are_sent_to_log_in(client):
    response = client.get(reverse("partners:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_operators_are_sent_to_the_management_pages_and_the_desk_to_the_inbox(client, operator, editor):
    assert login(client, operator).get(reverse("partners:home"))["Location"] == reverse("partners:manage")
    assert login(client, editor).get(reverse("partners:home"))["Location"] == reverse("partners:inbox")


def test_a_reporter_and_unit_staff_may_not_open_the_portal(client, reporter):
    assert login(client, reporter).get(reverse("partners:home")).status_code == 403
    unit = make_user("unit1", "张办事", Role.UNIT_STAFF)
    assert login(client, unit).get(reverse("partners:home")).status_code == 403


def test_a_partner_login_of_no_organization_reads_why(client, db):
    stray = make_user("stray", "无主", Role.PARTNER)
    response = login(client, stray).get(reverse("partners:home"))
    assert response.status_code == 403
    assert "belongs to no partner" in response.content.decode() or "尚未" in response.content.decode() or response.status_code == 403


@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_partners_and_reporters_may_not_open_the_management_pages(client, partner_login, reporter, name):
    assert login(client, partner_login).get(reverse(f"partners:{name}")).status_code == 403
    assert login(client, reporter).get(reverse(f"partners:{name}")).status_code == 403


@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_an_operator_opens_every_management_page(client, operator, partner, name):
    assert login(client, operator).get(reverse(f"partners:{name}")).status_code == 200


def test_a_partner_sees_its_own_contribution_and_not_another_partners(client, partner_login, other_partner_login):
    mine = services.submit_contribution(
        actor=partner_login, kind="lead", title="羊册镇山楂丰收", body="羊册镇的山楂今年大丰收，村民正在采摘。"
    )
    theirs = services.submit_contribution(
        actor=other_partner_login, kind="lead", title="铜山湖冬季候鸟", body="铜山湖来了上千只候鸟，值得拍摄报道。"
    )
    login(client, partner_login)
    assert client.get(reverse("partners:contribution", args=[mine.pk])).status_code == 200
    assert client.get(reverse("partners:contribution", args=[theirs.pk])).status_code == 404
    listing = client.get(reverse("partners:contributions")).content.decode()
    assert "羊册镇山楂丰收" in listing and "铜山湖冬季候鸟" not in listing


def test_the_score_page_shows_only_the_partners_own_breakdown(client, operator, partner, partner_login, other_partner):
    quarter = services.current_quarter()
    services.set_quota(actor=operator, partner=partner, quarter=quarter, posts=10, originals=5)
    services.set_quota(actor=operator, partner=other_partner, quarter=quarter, posts=8)
    today = timezone.localdate()
    services.record_post(
        actor=operator, partner=other_partner, title="泌阳在线的独家报道", url="https://example.org/zx/1", published_on=today, reads=98765
    )
    services.record_post(
        actor=operator, partner=partner, title="微帮的报道", url="https://example.org/wb/1", published_on=today, reads=1234
    )
    page = login(client, partner_login).get(reverse("partners:score")).content.decode()
    assert 'id="breakdown"' in page
    assert page.count('data-component="') == 4  # one breakdown: our own four components
    assert "泌阳在线" not in page  # the other partner's name …
    digits = page.replace(",", "")
    assert "98765" in digits  # … only as "the most of any partner", the yardstick of our readership
    assert "1234" in digits


def test_a_partner_cannot_report_or_delete_for_another_partner(client, operator, partner_login, other_partner):
    post = services.record_post(
        actor=operator, partner=other_partner, title="别家的稿", url="https://example.org/x", published_on=timezone.localdate(), reads=3
    )
    login(client, partner_login)
    assert client.post(reverse("partners:delete_post", args=[post.pk])).status_code == 404
    assert Post.objects.filter(pk=post.pk).exists()


def test_a_certificate_of_another_partner_is_a_404(client, operator, partner, other_partner, partner_login):
    honour = services.add_honour(
        actor=operator, partner=other_partner, title="优秀网络文明传播者", issuer="县委宣传部", awarded_on=timezone.localdate()
    )
    assert login(client, partner_login).get(reverse("partners:certificate", args=[honour.pk])).status_code == 404


# --- flows -----------------------------------------------------------------------------------


def test_the_operator_sets_the_quarters_quotas_in_one_table(client, operator, partner, other_partner):
    quarter = services.current_quarter()
    data = {f"posts-{partner.pk}": "20", f"originals-{partner.pk}": "8", f"reposts-{partner.pk}": "5", f"tasks-{partner.pk}": "2"}
    response = login(client, operator).post(reverse("partners:quotas_for", args=[quarter.code]), data)
    assert response.status_code == 302
    quota = Quota.objects.get(partner=partner, quarter=quarter)
    assert (quota.posts, quota.originals, quota.reposts, quota.tasks) == (20, 8, 5, 2)
    assert not Quota.objects.filter(partner=other_partner).exists()  # its empty row stays unset


def test_a_bad_quota_row_is_refused_with_its_message_and_what_was_typed_kept(client, operator, partner, other_partner):
    quarter = services.current_quarter()
    data = {f"posts-{partner.pk}": "5", f"originals-{partner.pk}": "9", f"posts-{other_partner.pk}": "7"}
    response = login(client, operator).post(reverse("partners:quotas_for", args=[quarter.code]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="9"' in page
    assert Quota.objects.get(partner=other_partner).posts == 7  # the good row is kept
    assert not Quota.objects.filter(partner=partner).exists()


def test_a_contribution_goes_from_the_partner_to_a_story_in_the_newsroom(client, partner_login, editor, team):
    login(client, partner_login)
    picture = SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png")
    response = client.post(
        reverse("partners:contribute"),
        {
            "kind": "story",
            "title": "泌阳花园街道新建口袋公园开放",
            "body": "花园街道新建的口袋公园今天开放。\n附近居民早早来到公园散步。",
            "files": [picture],
        },
    )
    contribution = Contribution.objects.get()
    assert response.status_code == 302 and contribution.files.count() == 1
    login(client, editor)
    response = client.post(reverse("partners:contribution_decide", args=[contribution.pk]), {"action": "story", "team": team.pk})
    contribution.refresh_from_db()
    assert contribution.status == Contribution.Status.ADOPTED
    story = contribution.story
    assert response["Location"] == reverse("newsroom:story", args=[story.pk])
    assert story.source == "泌阳微帮" and story.state == Story.State.DRAFT
    assert "<p>花园街道新建的口袋公园今天开放。</p>" in story.body
    assert [a.original_name for a in story.assets.all()] == ["现场.png"]


def test_a_file_the_media_library_would_not_take_is_refused_when_sent(client, partner_login):
    login(client, partner_login)
    text = SimpleUploadedFile("说明.txt", "纯文本".encode(), content_type="text/plain")
    response = client.post(
        reverse("partners:contribute"),
        {"kind": "lead", "title": "一条带附件的线索", "body": "附件是一个文本文件，不能收。", "files": [text]},
    )
    assert response.status_code == 400
    assert not Contribution.objects.exists()
    assert "一条带附件的线索" in response.content.decode()  # what was typed is kept


def test_a_contribution_is_adopted_as_a_lead_or_declined_with_a_reason(client, partner_login, editor):
    lead_one = services.submit_contribution(
        actor=partner_login, kind="lead", title="象河乡修路进度", body="象河乡的通村公路修到一半，村民关心工期。"
    )
    other = services.submit_contribution(
        actor=partner_login, kind="lead", title="重复的线索标题", body="这条线索和之前的一样，重复投稿了。"
    )
    login(client, editor)
    client.post(reverse("partners:contribution_decide", args=[lead_one.pk]), {"action": "lead"})
    lead = Lead.objects.get(title="象河乡修路进度")
    assert lead.source == Lead.Source.PARTNER and "泌阳微帮" in lead.description
    response = client.post(reverse("partners:contribution_decide", args=[other.pk]), {"action": "decline", "reason": ""})
    assert Contribution.objects.get(pk=other.pk).status == Contribution.Status.SUBMITTED  # no reason: nothing decided
    client.post(reverse("partners:contribution_decide", args=[other.pk]), {"action": "decline", "reason": "与已有线索重复"})
    assert Contribution.objects.get(pk=other.pk).decline_reason == "与已有线索重复"
    assert response.status_code == 302


def test_the_partner_reports_a_task_and_the_operator_accepts_it(client, operator, partner, partner_login):
    task = open_task(operator, [partner], kind=Task.Kind.EVENT, title="承办“泌阳好人”评选宣传", hours_left=72)
    assignment = TaskAssignment.objects.get(task=task)
    login(client, partner_login)
    assert "承办" in client.get(reverse("partners:tasks")).content.decode()
    client.post(reverse("partners:report", args=[assignment.pk]), {"url": "not a link"})
    assert TaskAssignment.objects.get(pk=assignment.pk).status == TaskAssignment.Status.OPEN
    client.post(reverse("partners:report", args=[assignment.pk]), {"url": "https://mp.weixin.qq.com/s/abc", "note": "已推送"})
    assert TaskAssignment.objects.get(pk=assignment.pk).status == TaskAssignment.Status.REPORTED
    login(client, operator)
    client.post(reverse("partners:task_check", args=[assignment.pk]), {"decision": "accept"})
    assert TaskAssignment.objects.get(pk=assignment.pk).status == TaskAssignment.Status.DONE


def test_the_operator_changes_the_scoring_rule_and_a_bad_one_is_refused(client, operator):
    login(client, operator)
    data = {
        "weight_quota": "50",
        "weight_reads": "30",
        "weight_adopted": "10",
        "weight_tasks": "10",
        "adopted_full": "2",
        "tier_name_0": "一等奖",
        "tier_count_0": "1",
        "tier_min_0": "85",
    }
    assert client.post(reverse("partners:rule"), data).status_code == 302
    rule = ScoringRule.objects.get()
    assert (rule.weight_quota, rule.adopted_full, rule.tiers[0]["name"]) == (50, 2, "一等奖")
    zero = {**data, "weight_quota": "0", "weight_reads": "0", "weight_adopted": "0", "weight_tasks": "0"}
    assert client.post(reverse("partners:rule"), zero).status_code == 400
    assert ScoringRule.objects.get().weight_quota == 50


def test_closing_a_quarter_from_its_page_freezes_the_ranking(client, operator, partner, other_partner):
    quarter = previous_quarter()
    services.set_quota(actor=operator, partner=partner, quarter=quarter, posts=2)
    services.record_post(
        actor=operator, partner=partner, title="上季度的一篇", url="https://example.org/q/1", published_on=quarter.end, reads=500
    )
    login(client, operator)
    response = client.post(reverse("partners:quarter_close", args=[quarter.code]), {"issuer": "中共泌阳县委宣传部"})
    assert response.status_code == 302
    quarter.refresh_from_db()
    assert quarter.is_closed and quarter.scores.count() == 2
    page = client.get(reverse("partners:quarter_for", args=[quarter.code])).content.decode()
    assert "泌阳微帮" in page and 'id="close-form"' not in page
    again = client.post(reverse("partners:quarter_close", args=[quarter.code]), follow=True)
    assert quarter.scores.count() == 2 and again.status_code == 200


def test_the_current_quarter_cannot_be_closed_before_it_ends(client, operator, partner):
    quarter = services.current_quarter()
    response = login(client, operator).post(reverse("partners:quarter_close", args=[quarter.code]), follow=True)
    assert response.status_code == 200
    assert not Quarter.objects.get(pk=quarter.pk).is_closed


def test_a_quarter_code_out_of_range_is_a_404(client, operator):
    assert login(client, operator).get("/partners/manage/quarter/1999-4/").status_code == 404


def test_the_operator_stores_a_wechat_accounts_fetch_settings_and_queues_a_fetch(client, settings, operator, partner):
    from django_tasks_db.models import DBTaskResult

    # The database queue (also where REDIS_URL would route tasks to RQ), to read what was queued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

    from rongmei.distribution import credentials

    account = services.save_account(actor=operator, partner=partner, platform="wechat_oa", name="泌阳微帮公众号")
    login(client, operator)
    assert "appid" in client.get(reverse("partners:partner", args=[partner.pk])).content.decode()
    client.post(reverse("partners:account_fetch_settings", args=[account.pk]), {"appid": "wx0123456789abcdef", "secret": "s3cret-value"})
    account.refresh_from_db()
    assert credentials.decrypt(account.fetch_settings)["appid"] == "wx0123456789abcdef"
    assert "s3cret-value" not in account.fetch_settings
    before = DBTaskResult.objects.count()
    client.post(reverse("partners:account_fetch", args=[account.pk]))
    assert DBTaskResult.objects.count() == before + 1
    client.post(reverse("partners:account_fetch_settings", args=[account.pk]), {"off": "1"})
    account.refresh_from_db()
    assert account.fetch_settings == ""


@pytest.mark.parametrize("name", ["manage", "registry", "quarter", "quotas", "inbox", "posts_all", "task_list"])
def test_the_management_pages_do_not_query_more_with_more_partners(client, operator, partner, other_partner, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rongmei.testing.partners import make_partner

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(f"partners:{name}")).status_code == 200
        return len(captured)

    def activity(p, i):
        services.set_quota(actor=operator, partner=p, quarter=services.current_quarter(), posts=3)
        services.record_post(
            actor=operator, partner=p, title=f"稿件{i}", url=f"https://example.org/n/{i}", published_on=timezone.localdate(), reads=i
        )
        services.save_account(actor=operator, partner=p, platform="douyin", name=f"抖音号{i}")

    login(client, operator)
    activity(partner, 1)
    activity(other_partner, 2)
    queries()  # warm (the scoring rule is created on first use)
    few = queries()
    for i in range(6):
        extra, _login = make_partner(operator, f"新增合作方{i}", username=f"extra{i}")
        activity(extra, 10 + i)
    assert queries() == few


def test_a_refused_account_shows_the_partners_page_again_with_what_was_typed(client, operator, partner, other_partner):
    services.save_account(actor=operator, partner=other_partner, platform="douyin", name="泌阳在线抖音")
    login(client, operator)
    response = client.post(
        reverse("partners:account_add", args=[partner.pk]),
        {"platform": "douyin", "name": "泌阳在线抖音", "handle": "by-typed-handle", "followers": "1200"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "by-typed-handle" in page and '<details class="card" open>' in page
    assert not partner.accounts.exists()


def test_the_adopt_form_offers_only_the_editors_teams_and_an_unknown_action_is_refused(client, partner_login, editor, team, other_team):
    item = services.submit_contribution(actor=partner_login, kind="story", title="一篇待采用的稿件", body="稿件正文，足够长的内容。")
    login(client, editor)
    page = client.get(reverse("partners:contribution_manage", args=[item.pk])).content.decode()
    assert f'value="{team.pk}"' in page and f'value="{other_team.pk}"' not in page
    response = client.post(reverse("partners:contribution_decide", args=[item.pk]), {"action": "story", "team": other_team.pk})
    assert response.status_code == 302 and Contribution.objects.get(pk=item.pk).status == Contribution.Status.SUBMITTED
    assert client.post(reverse("partners:contribution_decide", args=[item.pk]), {}).status_code == 400
    assert Contribution.objects.get(pk=item.pk).status == Contribution.Status.SUBMITTED


def test_a_task_whose_window_is_over_or_out_of_range_is_refused_with_its_field(client, operator, partner):
    login(client, operator)
    base = {"kind": "event", "title": "承办活动", "partners": [partner.pk]}
    for starts, due in (("0001-01-01T00:00", "0001-01-02T00:00"), ("2024-01-01T08:00", "2024-01-02T08:00")):
        response = client.post(reverse("partners:task_new"), {**base, "starts_at": starts, "due_at": due})
        assert response.status_code == 400
    assert not Task.objects.exists()
