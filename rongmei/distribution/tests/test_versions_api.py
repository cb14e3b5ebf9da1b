# ruff: noqa: F811, S314  (fixtures imported from test_versions_support; XML we made ourselves)
import xml.etree.ElementTree as ET

import pytest

from rongmei.distribution import versions
from rongmei.distribution.models import Channel, ChannelVersion
from rongmei.distribution.tests.test_versions_support import api_call, rich_media, rich_story  # noqa: F401


def test_generating_listing_and_reading_channel_versions(api_call, rich_story, rich_media, editor):
    call = api_call(editor)
    r = call("POST", f"/stories/{rich_story.pk}/channel-versions", {"channels": ["radio", "newspaper"], "target_chars": 150})
    assert r.status_code == 200, r.content
    assert {v["channel"] for v in r.json()} == {"radio", "newspaper"}
    listed = call("GET", f"/stories/{rich_story.pk}/channel-versions").json()
    assert [v["channel"] for v in listed] == ["newspaper", "radio"]
    paper = call("GET", f"/stories/{rich_story.pk}/channel-versions/newspaper").json()
    assert paper["content"]["characters"] <= 150 and paper["state"] == "generated" and paper["ready"] is True
    assert paper["version"] == rich_story.current_version.number
    everything = call("POST", f"/stories/{rich_story.pk}/channel-versions", {})
    assert everything.status_code == 200 and len(everything.json()) == 11


def test_putting_content_adjusts_and_validates(api_call, rich_story, editor):
    call = api_call(editor)
    url = f"/stories/{rich_story.pk}/channel-versions/wechat_oa"
    r = call("PUT", url, {"content": {"digest": "短摘要。"}})  # generated on first use
    assert r.status_code == 200 and r.json()["state"] == "edited" and r.json()["content"]["digest"] == "短摘要。"
    assert r.json()["edited_by"]["username"] == editor.username
    r = call("PUT", url, {"content": {"digest": "长" * 121}})
    assert r.status_code == 400 and r.json()["field"] == "digest"
    assert call("PUT", url, {"content": "text"}).status_code == 422
    assert call("PUT", url, raw_body="{not json").status_code in (400, 422)
    assert call("PUT", url, {"content": {"need_open_comment": "yes"}}).json()["content"]["need_open_comment"] is True


def test_approve_by_api_needs_a_channel_with_its_own_review_and_a_non_author(api_call, rich_story, editor, column_lead, reporter, chief):
    versions.set_needs_review(actor=chief, channel=Channel.objects.get(code="tv"), needs_review=True)
    versions.generate(actor=editor, version=rich_story.current_version, channels=list(Channel.objects.filter(code__in=["tv", "radio"])))
    assert api_call(reporter)("POST", f"/stories/{rich_story.pk}/channel-versions/tv/approve").status_code == 403
    assert api_call(column_lead)("POST", f"/stories/{rich_story.pk}/channel-versions/radio/approve").status_code == 409
    before = api_call(column_lead)("GET", f"/stories/{rich_story.pk}/channel-versions/tv").json()
    assert before["needs_review"] is True and before["ready"] is False
    r = api_call(column_lead)("POST", f"/stories/{rich_story.pk}/channel-versions/tv/approve")
    assert r.status_code == 200 and r.json()["state"] == "approved" and r.json()["ready"] is True


def test_the_gov_site_xml_download(api_call, rich_story, editor):
    call = api_call(editor)
    call("POST", f"/stories/{rich_story.pk}/channel-versions", {"channels": ["gov_site"]})
    r = call("GET", f"/stories/{rich_story.pk}/channel-versions/gov_site/gov.xml")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/xml")
    assert ET.fromstring(r.content).findtext("title") == rich_story.headline


@pytest.mark.parametrize(
    "method,path,body,status",
    [
        ("GET", "/stories/999999/channel-versions", None, 404),
        ("GET", "/stories/0/channel-versions", None, 422),
        ("GET", "/stories/{pk}/channel-versions/nochannel", None, 400),
        ("GET", "/stories/{pk}/channel-versions/radio", None, 404),
        ("POST", "/stories/{pk}/channel-versions", {"channels": ["nochannel"]}, 400),
        ("POST", "/stories/{pk}/channel-versions", {"target_chars": 10**12}, 422),
        ("PUT", "/stories/{pk}/channel-versions/radio", {"content": {"text": ""}}, 400),
        ("PUT", "/stories/{pk}/channel-versions/radio", {}, 422),
        ("POST", "/stories/{pk}/channel-versions/radio/approve", None, 404),
    ],
)
def test_bad_input_gets_an_error_not_a_500(api_call, rich_story, editor, method, path, body, status):
    r = api_call(editor)(method, path.format(pk=rich_story.pk), body)
    assert r.status_code == status, r.content
    assert "detail" in r.json()


def test_a_reporter_may_read_but_not_generate_and_strangers_are_refused(api_call, rich_story, reporter):
    assert api_call(reporter)("GET", f"/stories/{rich_story.pk}/channel-versions").status_code == 200
    assert api_call(reporter)("POST", f"/stories/{rich_story.pk}/channel-versions", {}).status_code == 403
    assert api_call(None)("GET", f"/stories/{rich_story.pk}/channel-versions").status_code == 401
    assert ChannelVersion.objects.count() == 0


def test_a_story_in_review_has_no_channel_versions_to_make(api_call, reporter, team, editor):
    from rongmei.testing import factories

    story = factories.story_in_review(reporter, team)
    r = api_call(editor)("POST", f"/stories/{story.pk}/channel-versions", {})
    assert r.status_code == 409


def test_the_operations_are_in_an_openapi_document():
    from ninja import NinjaAPI

    from rongmei.api.endpoints import versions as endpoints

    api = NinjaAPI(urls_namespace="versions_schema_test")
    api.add_router("", endpoints.router)
    paths = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    assert set(paths["/api/v1/stories/{story_id}/channel-versions/{channel}"]) == {"get", "put"}
    assert "post" in paths["/api/v1/stories/{story_id}/channel-versions/{channel}/approve"]


def test_an_adapter_gets_the_channel_version_content_made_on_demand(rich_story, editor):
    from rongmei.distribution.models import Publication

    channel = Channel.objects.get(code="radio")
    pub = Publication(story=rich_story, version=rich_story.current_version, channel=channel)
    content = versions.content_for(pub)
    assert "二〇二六年" in content["text"] and ChannelVersion.objects.filter(channel=channel).count() == 1
