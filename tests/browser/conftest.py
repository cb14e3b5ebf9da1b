"""Playwright driving the system Chromium against pytest-django's live server.

One browser per module; each person gets their own browser context (cookies, storage), made
by ``new_context`` and closed after the test. Downloads are impossible here, so Playwright's own
browsers are never installed: the Debian ``chromium`` at /usr/bin/chromium is launched instead.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator

import pytest
from django.urls import reverse

CHROMIUM = os.environ.get("RONGMEI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling Google's services, which floods a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: scripts install Debian's chromium and fonts-noto-cjk"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    # Sync Playwright keeps an asyncio loop registered as running in this thread, and Django
    # then refuses ORM calls from the test ("you cannot call this from an async context").
    # The test's ORM calls are ordinary sync code, so lift the check, for this module only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable]:
    """Make a fresh browser context (one person's browser) on the live server, in Chinese."""
    contexts = []

    def make():
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
            # The public site's service worker would fetch and cache pages in the background,
            # requests the test cannot wait for (the same trouble as the beacons below).
            service_workers="block",
        )
        context.set_default_timeout(TIMEOUT_MS)
        # The live server speaks WSGI only, so the notifications socket of app.js would 404 and
        # retry in the background; with the in-memory SQLite test database (one connection
        # shared by the server's threads and the test) such stray requests can collide with
        # the test's own and fail with "database table is locked". A mocked socket stays quiet.
        context.route_web_socket(re.compile(r"/ws/"), lambda ws: None)
        # For the same reason no beacons: editor.js releases the edit lock by navigator.sendBeacon
        # when a page is left or closed, after the page is gone, where Playwright can neither see
        # nor wait for the request (nor route it), so it could collide with the next page load or
        # with the database flush after the test. The lock then simply stays with its holder.
        context.add_init_script("navigator.sendBeacon = function () { return true; };")
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def log_in(new_context):
    """log_in(user, totp_device=None) → a page of a new context, logged in through the real login
    page (and the two-factor page when a device is given), standing on the newsroom home."""
    from django_otp.oath import totp
    from playwright.sync_api import expect

    from rongmei.testing.personas import PASSWORD

    def log_in(user, totp_device=None):
        page = new_context().new_page()
        page.goto(reverse("accounts:login"))
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        if totp_device is not None:
            page.wait_for_url(re.compile(r"/accounts/2fa/"))
            expect(page.locator("#id_code")).to_be_visible()
            code = totp(totp_device.bin_key, totp_device.step, totp_device.t0, totp_device.digits)
            page.locator("#id_code").fill(f"{code:0{totp_device.digits}d}")
            page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(re.escape(reverse("newsroom:home")) + "$"))
        return page

    return log_in


def run_task_worker() -> None:
    """What the worker beside the server does: run every task that is due, in this process, on
    the test database, then stop — the database queue's db_worker, or with REDIS_URL an RQ worker
    in burst mode that does not fork (the test's data is in this process's connection)."""
    from django.conf import settings
    from django.core.management import call_command

    if "RQBackend" in settings.TASKS["default"]["BACKEND"]:
        call_command(
            "rqworker", "default", "--burst", "--worker-class", "rq.SimpleWorker", "--job-class", "django_tasks_rq.Job", verbosity=0
        )
    else:
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def fan_context(new_context, live_server):
    """fan_context(fan) → a new browser context logged in as that app user (a session made on
    the server, its cookie put in the browser), as after the SMS-code login."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from rongmei.fans.auth import SESSION_KEY

    def make(fan):
        session = SessionStore()
        session[SESSION_KEY] = fan.pk
        session.create()
        context = new_context()
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}])
        return context

    return make


def wait_for_js(page, expression: str, timeout: float = 30_000) -> None:
    """Wait until ``expression`` is true in the page. Playwright's wait_for_function evaluates its
    string with eval, which our Content-Security-Policy (script-src 'self') refuses on pages
    Django answers; page.evaluate goes through the DevTools protocol, which the policy does not
    govern."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout / 1000:.0f} s: {expression}")
        page.wait_for_timeout(100)
