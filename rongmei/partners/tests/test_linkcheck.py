"""The automatic check of reported reposts (linkcheck.py) against pages served by a local server."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings

from rongmei.partners import linkcheck, services
from rongmei.partners.models import Post, TaskAssignment
from rongmei.portal.selectors import story_url
from rongmei.testing import factories
from rongmei.testing.partners import open_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


class Pages:
    """A small web server on 127.0.0.1: ``pages`` maps a path to (status, headers, body)."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, dict, bytes]] = {}
        self.hits: list[str] = []
        box = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                box.hits.append(self.path)
                status, headers, body = box.pages.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def html(self, path: str, body: str, *, charset: str = "utf-8") -> str:
        self.pages[path] = (200, {"Content-Type": f"text/html; charset={charset}"}, body.encode(charset))
        return self.base_url + path

    def redirect(self, path: str, to: str) -> str:
        self.pages[path] = (302, {"Location": to}, b"")
        return self.base_url + path


@pytest.fixture
def web():
    pages = Pages()
    pages.thread.start()
    yield pages
    pages.server.shutdown()
    pages.server.server_close()


@pytest.fixture
def allow_local(settings):
    settings.RONGMEI_PARTNERS = {"LINK_CHECK_ALLOW_PRIVATE": True, "LINK_CHECK_TIMEOUT": 3}


@pytest.fixture
def story(reporter, team, reviewers):
    return factories.published_story(reporter, team, reviewers)


@pytest.fixture
def assignment(operator, partner, story):
    task = open_task(operator, [partner], title="转发夏南牛报道", stories=[story])
    return task.assignments.get(partner=partner)


def report(partner_login, assignment, url):
    return services.report_task(actor=partner_login, assignment=assignment, url=url)


def refusal(url: str) -> str:
    with pytest.raises(linkcheck.LinkError) as refused:
        linkcheck.fetch_page(url)
    return str(refused.value)


def page_with(text: str) -> str:
    return f"<html><head><title>泌阳微帮</title></head><body><h1>{text}</h1><p>转自泌阳县融媒体中心</p></body></html>"


@pytest.mark.usefixtures("allow_local")
def test_a_page_naming_the_article_completes_the_task_and_counts_a_repost(web, partner, partner_login, assignment, story):
    url = web.html("/s/repost-1", page_with(story.headline))
    report(partner_login, assignment, url)

    outcome = linkcheck.check_repost(assignment.pk)

    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.DONE
    assert assignment.checked_by is None and "names the article" in assignment.check_note
    assert outcome == assignment.check_note
    post = Post.objects.get(partner=partner, url=url)
    assert (post.kind, post.source, post.title) == (Post.Kind.REPOST, Post.Source.TASK, story.headline)


@pytest.mark.usefixtures("allow_local")
def test_a_headline_split_by_markup_and_spaces_is_still_found(web, partner_login, assignment, story):
    middle = len(story.headline) // 2
    headline = f"{story.headline[:middle]}</span>\n  <span>{story.headline[middle:]}"
    url = web.html("/s/gbk", page_with(headline), charset="gb18030")
    report(partner_login, assignment, url)

    linkcheck.check_repost(assignment.pk)

    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.DONE


@pytest.mark.usefixtures("allow_local")
def test_a_page_linking_to_the_article_on_our_site_completes_the_task(web, partner_login, assignment, story):
    link = django_settings.RONGMEI["PUBLIC_URL"] + story_url(story)
    url = web.html("/s/link", f'<html><body><p>今日推荐</p><a href="{link}">阅读原文</a></body></html>')
    report(partner_login, assignment, url)

    outcome = linkcheck.check_repost(assignment.pk)

    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.DONE and "links to the article" in outcome


@pytest.mark.usefixtures("allow_local")
def test_the_article_path_on_another_site_does_not_count(web, partner_login, assignment, story):
    url = web.html("/s/elsewhere", f'<html><body><a href="https://elsewhere.example{story_url(story)}">新闻</a></body></html>')
    report(partner_login, assignment, url)

    linkcheck.check_repost(assignment.pk)

    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.REPORTED


@pytest.mark.usefixtures("allow_local")
def test_a_page_without_the_article_stays_reported_for_an_operator(web, partner, partner_login, assignment):
    url = web.html("/s/other", page_with("泌阳花菇今日上市"))
    report(partner_login, assignment, url)

    outcome = linkcheck.check_repost(assignment.pk)

    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.REPORTED and assignment.check_note == ""
    assert "none of the task's articles" in outcome
    assert not Post.objects.filter(partner=partner).exists()


@pytest.mark.usefixtures("allow_local")
def test_redirects_are_followed_at_most_three_times(web, partner_login, assignment, story):
    target = web.html("/s/final", page_with(story.headline))
    web.redirect("/r3", target)
    web.redirect("/r2", "/r3")
    first = web.redirect("/r1", "/r2")
    report(partner_login, assignment, first)
    linkcheck.check_repost(assignment.pk)
    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.DONE

    web.redirect("/loop", "/loop")
    assert "more than 3" in refusal(web.base_url + "/loop")


@pytest.mark.usefixtures("allow_local")
def test_an_error_page_or_a_dead_server_leaves_the_report_and_raises_nothing(web, partner_login, assignment):
    report(partner_login, assignment, web.base_url + "/missing")
    assert "HTTP 404" in linkcheck.check_repost(assignment.pk)

    web.server.shutdown()
    web.server.server_close()
    outcome = linkcheck.check_repost(assignment.pk)
    assert "could not be reached" in outcome
    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.REPORTED


def test_a_private_address_is_refused_unless_the_setting_allows_it(settings, web, partner_login, assignment, story):
    settings.RONGMEI_PARTNERS = {}
    url = web.html("/s/repost", page_with(story.headline))
    report(partner_login, assignment, url)

    outcome = linkcheck.check_repost(assignment.pk)

    assert "private or local address" in outcome and web.hits == []
    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.REPORTED
    # Every hop is resolved and checked the same way, names and literal addresses alike.
    for host in ("localhost", "10.0.0.8", "169.254.169.254", "[::1]"):
        assert "private or local" in refusal(f"http://{host}/x")


def test_only_a_reported_repost_is_checked(operator, partner, assignment):
    assert "not waiting for a check" in linkcheck.check_repost(assignment.pk)
    assert "no longer exists" in linkcheck.check_repost(10**9)


@pytest.mark.usefixtures("allow_local")
def test_reporting_a_repost_enqueues_the_check_and_the_task_runs_it(
    django_capture_on_commit_callbacks, settings, web, partner_login, assignment, story
):
    from django_tasks_db.models import DBTaskResult

    # The database queue (also where REDIS_URL would route tasks to RQ), to read what was queued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

    from rongmei.partners import tasks as partner_tasks

    url = web.html("/s/queued", page_with(story.headline))
    with django_capture_on_commit_callbacks(execute=True):
        report(partner_login, assignment, url)

    queued = DBTaskResult.objects.get(task_path="rongmei.partners.tasks.check_repost")
    assert queued.args_kwargs["args"] == [assignment.pk]
    partner_tasks.check_repost.call(*queued.args_kwargs["args"])
    assignment.refresh_from_db()
    assert assignment.status == TaskAssignment.Status.DONE
