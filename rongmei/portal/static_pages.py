"""Published pages: the public article pages, the home page and the first page of each column,
rendered to HTML files when what they show changes, so that readers get a file (nginx in the
scaled setup, rongmei.portal.edge in the embedded one) instead of a Django view.

Layout under settings.RONGMEI["PAGES_ROOT"], mirroring the URLs:

    index.html                  /
    column/<slug>/index.html    /column/<slug>/
    news/<id>/index.html        /news/<id>/

each with a gzip twin (index.html.gz) for readers that accept it, and ``.fingerprint``: a hash of
what every page depends on besides the database (templates, static file names, translations).
When it differs from the running code's, every page is written again (``publish_pages``).

What triggers a write:
- a story goes live on the site, is corrected, or is retracted (the Publication listener in
  portal.apps): its page, the home page and the columns carrying it;
- a column, feature or topic changes (their listeners): every page, since the navigation is on all;
- a deploy (templates or static files changed): ``manage.py publish_pages --if-stale``.

Pages are written atomically (a temporary file, then rename): a reader gets the old page or the
new one, never half of one. A page is written only for a story live on the site, and looked at
again after it is written: a retraction that commits while a page is being rendered still takes
the page down.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

FINGERPRINT = ".fingerprint"


def root() -> Path:
    return Path(settings.RONGMEI["PAGES_ROOT"])


def public_url(path: str) -> str:
    """An address as readers see it: share cards and QR posters must work outside our network."""
    return settings.RONGMEI["PUBLIC_URL"] + path


def story_file(pk: int) -> Path:
    return root() / "news" / str(int(pk)) / "index.html"


def column_file(slug: str) -> Path:
    if not slug or "/" in slug or slug.startswith("."):
        raise ValueError(f"not a column slug: {slug!r}")
    return root() / "column" / slug / "index.html"


def index_file() -> Path:
    return root() / "index.html"


# --- rendering ---------------------------------------------------------------------------------


def _request(path: str) -> HttpRequest:
    """A reader nobody knows: what every published page is rendered for."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.user = AnonymousUser()
    request.LANGUAGE_CODE = settings.LANGUAGE_CODE
    return request


def _render(template: str, context: dict, path: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, context, request=_request(path))


def render_story(story) -> str:
    from rongmei.portal import pages

    path = f"/news/{story.pk}/"
    context = pages.story_context(story, public_url)
    context["canonical_url"] = public_url(path)
    return _render("portal/story.html", context, path)


def render_index() -> str:
    from rongmei.portal import pages

    return _render("portal/index.html", pages.index_context(), "/")


def render_column(col) -> str:
    from rongmei.portal import pages

    path = f"/column/{col.slug}/"
    return _render("portal/column.html", pages.column_context(col), path)


# --- files -------------------------------------------------------------------------------------


def _write(target: Path, html: str) -> None:
    """Write ``html`` and its gzip twin, each atomically (rename over the old file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    data = html.encode("utf-8")
    # mtime=0: the same page gives the same bytes (nginx's gzip_static serves them as they are).
    for name, payload in ((target.name, data), (target.name + ".gz", gzip.compress(data, 9, mtime=0))):
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target.parent / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _remove(target: Path) -> bool:
    existed = target.exists()
    for path in (target, target.with_name(target.name + ".gz")):
        path.unlink(missing_ok=True)
    return existed


def _live_story(pk: int):
    from rongmei.distribution import selectors

    return selectors.published_stories().prefetch_related("authors").filter(pk=pk).first()


def publish_story(pk: int) -> bool:
    """Write the article's page if it is live on the site, remove it otherwise. True if written."""
    story = _live_story(pk)
    target = story_file(pk)
    if story is None:
        if _remove(target):
            logger.info("published page removed: story %s", pk)
        return False
    _write(target, render_story(story))
    if _live_story(pk) is None:  # retracted while we rendered: the retraction wins
        _remove(target)
        return False
    return True


def publish_index() -> None:
    _write(index_file(), render_index())
    schedule_home_change()


HOME_CHANGE_KEY = "portal:home-change-scheduled"


def schedule_home_change() -> None:
    """When a feature's time window will open or close, have the task worker publish the home page
    then (once per moment: the cache remembers what is already asked for)."""
    import datetime as dt

    from django.core.cache import cache

    from rongmei.portal import selectors
    from rongmei.portal.tasks import publish_home_page

    when = selectors.next_home_change()
    if when is None or cache.get(HOME_CHANGE_KEY) == when.isoformat():
        return
    try:
        publish_home_page.using(run_after=when).enqueue()
    except Exception:
        logger.exception("could not schedule the home page for %s", when)
        return
    seconds = max(60, int((when - dt.datetime.now(tz=dt.UTC)).total_seconds()) + 3600)
    cache.set(HOME_CHANGE_KEY, when.isoformat(), timeout=seconds)


def publish_column(col) -> None:
    from rongmei.portal.models import Column

    if not col.active or col.kind in (Column.Kind.LINKS, Column.Kind.SERVICES):
        _remove(column_file(col.slug))
        return
    _write(column_file(col.slug), render_column(col))


def story_changed(pk: int) -> None:
    """A story went live, was corrected or was retracted: its page, the home page, its columns."""
    from rongmei.newsroom.models import Story

    publish_story(pk)
    publish_index()
    team_id = Story.objects.filter(pk=pk).values_list("team_id", flat=True).first()
    from rongmei.portal import pages

    for col in pages.columns_of_team(team_id):
        publish_column(col)


def publish_all() -> dict:
    """Every page again (templates, columns or features changed), and pages of stories no longer
    live removed. Returns counts."""
    from rongmei.distribution import selectors
    from rongmei.portal.models import Column

    counts = {"stories": 0, "columns": 0, "removed": 0}
    live = set(selectors.published_stories().values_list("pk", flat=True))
    for pk in sorted(live):
        counts["stories"] += publish_story(pk)
    news = root() / "news"
    if news.is_dir():
        for folder in news.iterdir():
            if folder.name.isdigit() and int(folder.name) not in live:
                shutil.rmtree(folder, ignore_errors=True)
                counts["removed"] += 1
    shown = set()
    for col in Column.objects.all():
        publish_column(col)
        if col.active and col.kind not in (Column.Kind.LINKS, Column.Kind.SERVICES):
            shown.add(col.slug)
            counts["columns"] += 1
    column_root = root() / "column"
    if column_root.is_dir():
        for folder in column_root.iterdir():
            if folder.name not in shown:
                shutil.rmtree(folder, ignore_errors=True)
                counts["removed"] += 1
    publish_index()
    write_fingerprint()
    return counts


# --- fingerprint: what pages depend on besides the database -----------------------------------


def fingerprint() -> str:
    """A hash of the templates, the static files' manifest and the compiled translations: when a
    deploy changes any of them, published pages are stale."""
    from django.template import engines

    digest = hashlib.sha256()
    folders: list[Path] = []
    for engine in engines.all():
        folders += [Path(d) for d in getattr(engine, "template_dirs", ())]
    folders += [Path(p) for p in settings.LOCALE_PATHS]
    for folder in sorted(set(folders)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in {".html", ".txt", ".mo"}:
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    digest.update(settings.RONGMEI["PUBLIC_URL"].encode())
    return digest.hexdigest()


def write_fingerprint() -> None:
    root().mkdir(parents=True, exist_ok=True)
    (root() / FINGERPRINT).write_text(fingerprint())


def is_stale() -> bool:
    path = root() / FINGERPRINT
    return not path.is_file() or path.read_text().strip() != fingerprint()
