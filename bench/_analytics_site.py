"""The database side of bench/analytics.py (run by it in its own environment, not by hand).

    _analytics_site.py setup --stories N --authors N --columns N
        migrate a fresh database, publish N stories through the newsroom services (by N reporters,
        in columns of two teams), log an editor in (a session as the browser would hold it), print
        what the benchmark needs as JSON.
    _analytics_site.py count                 events in the Event table
    _analytics_site.py raw-insert --n N      the raw baseline: N beacon-like rows written with a
        plain INSERT loop (executemany, 500 rows a transaction, as the flusher writes them) on
        SQLite, COPY on PostgreSQL; straight to the database driver, no Django in the loop
    _analytics_site.py events --n N --day D  N events of day D generated inside the database
        (one INSERT ... SELECT over a generated series: recursive CTE on SQLite, generate_series
        on PostgreSQL)
    _analytics_site.py rollup --day D [--profile]   time services.rollup_day(D)
    _analytics_site.py rollups --days N      a year of DailyRollup rows (site, via, ~500 articles a
        day with their places, columns, authors) and complete RollupRun rows, written in bulk

Every command prints one JSON line last.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from contextlib import contextmanager

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

EVENT_COLUMNS = ("day", "at", "kind", "via", "device", "article_id", "column_id", "seconds")
# Large primes below 2**32: cheap, repeatable pseudo-random numbers from the row number, the same
# expressions on SQLite and PostgreSQL (64-bit integer arithmetic on both).
P1, P2, P3 = 4294967291, 4294967279, 4294967231
M1, M2, M3 = 2654435761, 2246822519, 3266489917
DEVICES_PER_DAY = 1_000_000


def out(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False), flush=True)


@contextmanager
def timed_queries():
    """The (seconds, sql) of every query run inside the block."""
    queries: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - t, sql))

    with connection.execute_wrapper(timed):
        yield queries


def setup(args) -> None:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from rongmei.accounts.models import Role
    from rongmei.portal.models import Column
    from rongmei.testing import factories
    from rongmei.testing.personas import make_newsroom, make_user

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    people = make_newsroom()
    team, other = people["team"], people["other_team"]
    reviewers = [people["editor"], people["column_lead"], people["chief"]]
    reporters = [make_user(f"bench{n:03d}", f"记者{n:03d}", Role.REPORTER) for n in range(args.authors)]
    team.members.add(*reporters)
    columns = []
    for n in range(args.columns):
        col = Column.objects.create(name=f"栏目{n}", slug=f"lanmu{n}", kind=Column.Kind.ARTICLES, sort_order=n + 1)
        col.teams.add(team if n % 2 == 0 else other)
        columns.append(col)
    stories = []
    for n in range(args.stories):
        story = factories.published_story(
            reporters[n % len(reporters)], team, reviewers, headline=f"泌阳县第{n + 1}条新闻：夏南牛产业发展纪实", body="<p>正文。</p>"
        )
        stories.append(story.pk)
    # The editor's browser session (editors see the whole site and the command screen).
    editor = people["editor"]
    session = SessionStore()
    session[SESSION_KEY] = str(editor.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = editor.get_session_auth_hash()
    session.create()
    out(
        {
            "stories": stories,
            "columns": {c.slug: c.pk for c in columns},
            "authors": [u.pk for u in reporters],
            "session": session.session_key,
            "today": timezone.localdate().isoformat(),
            "seconds": round(time.monotonic() - started, 1),
        }
    )


def count(_args) -> None:
    from rongmei.analytics.models import Event

    out({"events": Event.objects.count()})


def _sample_rows(n: int, day: dt.date, stories: list[int], columns: list[int]):
    now_ms = int(timezone.now().timestamp() * 1000)
    rng = random.Random(1)
    rows = []
    for i in range(n):
        article = stories[rng.randrange(len(stories))] if rng.random() < 0.9 else None
        kind = 2 if article and rng.random() < 0.2 else 1
        rows.append(
            (
                day,
                dt.datetime.fromtimestamp((now_ms - i) / 1000, tz=dt.UTC),
                kind,
                rng.randint(1, 3),
                rng.getrandbits(63),
                article,
                None if article else rng.choice(columns),
                rng.randint(15, 300) if kind == 2 else None,
            )
        )
    return rows


def raw_insert(args) -> None:
    """The raw baseline: the same kind of rows the buffer writes, straight to the driver."""
    from rongmei.analytics.models import Event
    from rongmei.newsroom.models import Story
    from rongmei.portal.models import Column

    stories = list(Story.objects.values_list("pk", flat=True))
    columns = list(Column.objects.values_list("pk", flat=True))
    rows = _sample_rows(args.n, timezone.localdate(), stories, columns)
    table = Event._meta.db_table
    names = ", ".join(EVENT_COLUMNS)
    last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    connection.ensure_connection()
    raw = connection.connection
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor:
            for i in range(0, len(rows), args.batch):
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # noqa: S608 - no input in it
                    for r in rows[i : i + args.batch]:
                        copy.write_row(r)
                raw.commit()
        how = f"COPY, {args.batch} rows a transaction"
    else:
        sql = f"INSERT INTO {table} ({names}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608 - no input in it
        adapted = [(r[0].isoformat(), r[1].strftime("%Y-%m-%d %H:%M:%S.%f"), *r[2:]) for r in rows]
        cursor = raw.cursor()
        for i in range(0, len(adapted), args.batch):
            cursor.execute("BEGIN")
            cursor.executemany(sql, adapted[i : i + args.batch])
            cursor.execute("COMMIT")
        how = f"INSERT executemany, {args.batch} rows a transaction"
    seconds = time.perf_counter() - started
    # Leave the table as it was: the ingestion counts that follow must not see these rows.
    Event.objects.filter(pk__gt=last).delete()
    out({"rows": len(rows), "seconds": round(seconds, 3), "rows_per_s": round(len(rows) / seconds), "how": how})


def events(args) -> None:
    """Generate N events of one day inside the database (fast: no Python per row)."""
    from rongmei.analytics.models import Event
    from rongmei.newsroom.models import Story
    from rongmei.portal.models import Column

    day = dt.date.fromisoformat(args.day)
    ids = sorted(Story.objects.values_list("pk", flat=True))
    assert ids == list(range(ids[0], ids[0] + len(ids))), "story ids must be contiguous"
    cols = sorted(Column.objects.values_list("pk", flat=True))
    assert cols == list(range(cols[0], cols[0] + len(cols)))
    n_articles, first_article, n_cols, first_col = len(ids), ids[0], len(cols), cols[0]
    start_epoch = int(timezone.make_aware(dt.datetime.combine(day, dt.time.min)).timestamp())
    pg = connection.vendor == "postgresql"
    least = "LEAST" if pg else "MIN"
    # h1 decides what the event is, h2 which article or column, h3 the device and the place.
    # 88% of events are on articles (70% views, 18% reads, 6% plays, 6% shares), 8% views of a
    # column page, 4% views of other pages; ~1M devices; articles skewed (min of two draws).
    select = f"""
        SELECT {{day}}, {{at}},
          CASE WHEN h1 % 100 < 12 THEN 1
               WHEN (h1 / 100) % 100 < 70 THEN 1 WHEN (h1 / 100) % 100 < 88 THEN 2
               WHEN (h1 / 100) % 100 < 94 THEN 3 ELSE 4 END,
          (h3 / {DEVICES_PER_DAY}) % 3 + 1,
          h3 % {DEVICES_PER_DAY},
          CASE WHEN h1 % 100 < 12 THEN NULL ELSE {first_article} + {least}(h2 % {n_articles}, (h2 / {n_articles}) % {n_articles}) END,
          CASE WHEN h1 % 100 < 8 THEN {first_col} + h2 % {n_cols} ELSE NULL END,
          CASE WHEN h1 % 100 >= 12 AND (h1 / 100) % 100 >= 70 AND (h1 / 100) % 100 < 88 THEN 15 + h3 % 300 ELSE NULL END
        FROM (SELECT i, (i * {M1}) % {P1} AS h1, (i * {M2}) % {P2} AS h2, (i * {M3}) % {P3} AS h3 FROM {{series}}) g
    """  # noqa: S608 - numbers computed here, no input
    table, names = Event._meta.db_table, ", ".join(EVENT_COLUMNS)
    before = Event.objects.count()
    started = time.perf_counter()
    chunk = 1_000_000
    with connection.cursor() as cursor:
        for lo in range(1, args.n + 1, chunk):
            hi = min(lo + chunk - 1, args.n)
            if pg:
                sql = f"INSERT INTO {table} ({names}) " + select.format(
                    day=f"DATE '{day.isoformat()}'",
                    at=f"to_timestamp({start_epoch} + i * 86400.0 / {args.n})",
                    series=f"generate_series({lo}::bigint, {hi}::bigint) AS s(i)",
                )
            else:
                sql = (
                    f"INSERT INTO {table} ({names}) WITH RECURSIVE s(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM s WHERE i < {hi}) "  # noqa: S608
                    + select.format(
                        day=f"'{day.isoformat()}'",
                        at=f"strftime('%Y-%m-%d %H:%M:%f', {start_epoch} + i * 86400.0 / {args.n}, 'unixepoch')",
                        series="s",
                    )
                )
            with transaction.atomic():
                cursor.execute(sql)
        generated = time.perf_counter() - started
        analyzed = 0.0
        if pg:
            # What autovacuum does within a minute of such a load; the rollup's plans depend on it.
            t = time.perf_counter()
            cursor.execute(f"ANALYZE {table}")
            analyzed = time.perf_counter() - t
    made = Event.objects.count() - before
    out({"events": made, "seconds": round(generated, 1), "analyze_seconds": round(analyzed, 1), "vendor": connection.vendor})


def rollup(args) -> None:
    from rongmei.analytics import services
    from rongmei.analytics.models import DailyRollup

    day = dt.date.fromisoformat(args.day)
    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    started = time.perf_counter()
    with timed_queries() as queries:
        run = services.rollup_day(day)
    seconds = time.perf_counter() - started
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(15)
    slowest = sorted(queries, reverse=True)[:8]
    out(
        {
            "day": args.day,
            "events": run.events,
            "seconds": round(seconds, 2),
            "rows": DailyRollup.objects.filter(day=day).count(),
            "queries": len(queries),
            "query_seconds": round(sum(q[0] for q in queries), 2),
            "slowest_queries": [{"seconds": round(s, 2), "sql": sql[:300]} for s, sql in slowest],
        }
    )


def rollups(args) -> None:
    """A year of rollups written in bulk: each day ~500 articles (a window sliding over the
    stories), each with its row for all places and one per place; site, places, columns, authors."""
    from rongmei.analytics.models import DailyRollup, Dimension, RollupRun
    from rongmei.newsroom.models import Story
    from rongmei.portal.models import Column

    stories = sorted(Story.objects.values_list("pk", flat=True))
    authors = dict(Story.authors.through.objects.values_list("story_id", "user_id"))
    # A year's articles are more than the stories made here: keys past the last story stand for
    # stories deleted since (the page labels them "#id"), with the same authors in turn.
    real_authors = sorted(set(authors.values()))
    for n in range(max(0, 4 * args.articles - len(stories))):
        pk = stories[-1] + 1 + n
        stories.append(pk)
        authors[pk] = real_authors[n % len(real_authors)]
    columns = list(Column.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    rng = random.Random(2)
    per_day = min(args.articles, len(stories))
    fields = ("day", "dimension", "key", "via", "views", "visitors", "devices", "reads", "plays", "shares")
    started = time.perf_counter()
    total = 0
    DailyRollup.objects.all().delete()
    RollupRun.objects.all().delete()
    for d in range(args.days):
        day = today - dt.timedelta(days=args.days - 1 - d)
        rows: list[tuple] = []
        site = [0, 0, 0, 0, 0, 0]
        by_author: dict[int, list[int]] = {}
        offset = (d * 7) % len(stories)
        for n in range(per_day):
            pk = stories[(offset + n) % len(stories)]
            views = int(rng.paretovariate(1.2) * 200)
            reads, plays, shares = views // 4, views // 20, views // 30
            visitors = int(views * 0.8)
            rows.append((day, Dimension.ARTICLE, pk, 0, views, visitors, visitors, reads, plays, shares))
            for via, part in ((1, 0.5), (2, 0.2), (3, 0.3)):
                rows.append(
                    (
                        day,
                        Dimension.ARTICLE,
                        pk,
                        via,
                        int(views * part),
                        int(visitors * part),
                        int(visitors * part),
                        int(reads * part),
                        int(plays * part),
                        int(shares * part),
                    )
                )
            for i, v in enumerate((views, visitors, visitors, reads, plays, shares)):
                site[i] += v
            acc = by_author.setdefault(authors.get(pk, 0), [0, 0, 0, 0, 0, 0])
            for i, v in enumerate((views, visitors, visitors, reads, plays, shares)):
                acc[i] += v
        rows.append((day, Dimension.SITE, 0, 0, *site))
        for via, part in ((1, 0.5), (2, 0.2), (3, 0.3)):
            rows.append((day, Dimension.VIA, via, 0, *(int(v * part) for v in site)))
        for i, c in enumerate(columns):
            rows.append((day, Dimension.COLUMN, c, 0, *(v // (i + 2) for v in site)))
        for user, acc in by_author.items():
            rows.append((day, Dimension.AUTHOR, user, 0, *acc))
        DailyRollup.objects.bulk_create([DailyRollup(**dict(zip(fields, r, strict=True))) for r in rows], batch_size=2000)
        total += len(rows)
        if day < today:
            RollupRun.objects.create(day=day, events=site[0], complete=True, finished_at=timezone.now())
    out({"rows": total, "days": args.days, "articles_per_day": per_day, "seconds": round(time.perf_counter() - started, 1)})


def pages(args) -> None:
    """Where a dashboard request's time goes: each page fetched once in this process (the test
    client, the editor's session), its SQL timed query by query."""
    from django.test import Client

    results = {}
    for name, url in (
        ("screen_uncached", "/dashboard/screen/data.json"),
        ("readership_366_days", args.readership),
        ("trends_366_days", args.trends),
    ):
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies["sessionid"] = args.session
        client.get(url)  # warm: the URLconf, templates, the session
        started = time.perf_counter()
        with timed_queries() as queries:
            response = client.get(url)
        total = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        results[name] = {
            "ms": round(total * 1000, 1),
            "sql_ms": round(sum(q[0] for q in queries) * 1000, 1),
            "queries": len(queries),
            "slowest": [{"ms": round(t * 1000, 1), "sql": sql[:240]} for t, sql in sorted(queries, reverse=True)[:5]],
        }
    out(results)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("setup")
    p.add_argument("--stories", type=int, default=600)
    p.add_argument("--authors", type=int, default=30)
    p.add_argument("--columns", type=int, default=8)
    p.set_defaults(func=setup)
    sub.add_parser("count").set_defaults(func=count)
    p = sub.add_parser("raw-insert")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--batch", type=int, default=500)
    p.set_defaults(func=raw_insert)
    p = sub.add_parser("events")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--day", required=True)
    p.set_defaults(func=events)
    p = sub.add_parser("rollup")
    p.add_argument("--day", required=True)
    p.add_argument("--profile", action="store_true")
    p.set_defaults(func=rollup)
    p = sub.add_parser("rollups")
    p.add_argument("--days", type=int, default=366)
    p.add_argument("--articles", type=int, default=500)
    p.set_defaults(func=rollups)
    p = sub.add_parser("pages")
    p.add_argument("--session", required=True)
    p.add_argument("--readership", required=True)
    p.add_argument("--trends", required=True)
    p.set_defaults(func=pages)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
