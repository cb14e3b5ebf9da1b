"""Full-text search of published stories: one interface, a backend per database.

Both backends index the same words: the story's live website version (headline; subtitle and
intro; keywords as tags; body as plain text) cut by jieba in search mode into space-separated
tokens, and look up a query cut the same way, every token required.

- SQLite (embedded default): FTS5 table ``search_fts``, tokenizer unicode61 over the tokens,
  ranked by bm25 with the headline weighted highest.
- PostgreSQL (scaled): ``Document.document``, a tsvector of to_tsvector('simple', tokens) with
  weights A headline, B intro and tags, C body; GIN index; plainto_tsquery('simple', …), ts_rank.

The backend follows ``connection.vendor``. A query that yields no words finds nothing; no user
input can make the lookup fail (tokens are only letters and digits, then quoted for FTS5).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from dataclasses import dataclass
from typing import Protocol

import jieba
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import F, Value
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from rongmei.core import text as core_text
from rongmei.distribution import selectors
from rongmei.search.models import Document

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 100
MAX_QUERY_TOKENS = 32
MAX_LIMIT = 100
SNIPPET_CHARS = 120
SNIPPET_LEAD = 30

# Letters and digits only: punctuation, FTS5 operators' symbols, quotes and NUL never reach a query.
_WORD_RE = re.compile(r"[^\W_]+")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Hit:
    story_id: int
    headline: SafeString  # escaped, query terms in <mark>
    snippet: SafeString
    team_id: int
    team: str
    published_at: dt.datetime


# --- words ----------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """jieba search-mode tokens, lower case, letters and digits only.

    Without HMM: the HMM guesses words missing from the dictionary from their neighbours, so
    夏南牛 is one word in one sentence and 湖夏南/牛节 in another, and a search would miss it.
    Without it, unknown words fall apart into single characters, the same way everywhere."""
    core_text.ensure_jieba()
    out = []
    for token in jieba.lcut_for_search(text or "", HMM=False):
        out.extend(w.lower() for w in _WORD_RE.findall(token))
    return out


def segment(text: str) -> str:
    """The indexed form of a text: its tokens, each Chinese word followed by its characters.

    A word jieba finds in the dictionary can swallow the edge of an unknown one (铜山湖夏南牛节开幕
    → 铜山 湖 夏 南 牛节 开幕); a query for 夏南牛 (夏 南 牛) still finds it by the characters."""
    out = []
    for token in tokens(text):
        out.append(token)
        if len(token) > 1:
            out.extend(_CJK_RE.findall(token))
    return " ".join(out)


def clean_query(q: str | None) -> str:
    return (q or "").strip()[:MAX_QUERY_CHARS]


def query_tokens(q: str | None) -> list[str]:
    return list(dict.fromkeys(tokens(clean_query(q))))[:MAX_QUERY_TOKENS]


def _terms_re(q: str) -> re.Pattern | None:
    """What to mark: the words as typed, and their tokens (for words split differently)."""
    q = clean_query(q)
    terms = {w for w in q.split() if _WORD_RE.search(w)} | set(query_tokens(q))
    if not terms:
        return None
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(f"(?:{alternatives})+", re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern | None) -> SafeString:
    """``text`` escaped, with each run of query terms wrapped in <mark>. Matching happens on
    the raw text, so a term can never land inside an entity the escaping made."""
    if pattern is None:
        return mark_safe(html.escape(text))  # noqa: S308 - escaped
    parts, last = [], 0
    for m in pattern.finditer(text):
        parts.append(html.escape(text[last : m.start()]))
        parts.append(f"<mark>{html.escape(m.group())}</mark>")
        last = m.end()
    parts.append(html.escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped


def snippet(text: str, pattern: re.Pattern | None) -> SafeString:
    """About SNIPPET_CHARS characters of ``text`` around its first match (its start if none)."""
    text = " ".join(text.split())
    m = pattern.search(text) if pattern is not None else None
    start = max(0, m.start() - SNIPPET_LEAD) if m else 0
    piece = text[start : start + SNIPPET_CHARS]
    marked = highlight(piece, pattern)
    return mark_safe(("…" if start else "") + marked + ("…" if start + SNIPPET_CHARS < len(text) else ""))  # noqa: S308


# --- what is indexed ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fields:
    headline: str
    intro: str
    tags: str
    body: str
    published_at: dt.datetime


def _fields(story) -> _Fields:
    content = selectors.live_content(story)
    pub = selectors.live_publication(story)
    intro = "\n".join(p for p in (content.get("subtitle") or "", content.get("intro") or "") if p)
    return _Fields(
        headline=content["headline"] or "",
        intro=intro,
        tags=" ".join(pub.version.keywords or []),
        body=core_text.plain_text(content["body_html"] or ""),
        published_at=pub.published_at or story.signed_off_at or timezone.now(),
    )


def _save_document(story, f: _Fields) -> None:
    # An upsert: the website's and the app's publications may sync the same story at once.
    Document.objects.bulk_create(
        [
            Document(
                story_id=story.pk,
                team_id=story.team_id,
                published_at=f.published_at,
                headline=f.headline,
                text="\n".join(p for p in (f.intro, f.body) if p),
                indexed_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["story"],
        update_fields=["team", "published_at", "headline", "text", "indexed_at"],
    )


def _day_start(day: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(day, dt.datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _bounds(since, until) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[since, until) as aware datetimes; a date ``until`` includes that whole day."""
    lo = _day_start(since) if since is not None else None
    if until is None:
        hi = None
    elif isinstance(until, dt.datetime):
        hi = _day_start(until)
    else:
        hi = _day_start(until + dt.timedelta(days=1))
    return lo, hi


def _hits(docs: list[Document], q: str) -> list[Hit]:
    pattern = _terms_re(q)
    return [
        Hit(
            story_id=d.story_id,
            headline=highlight(d.headline, pattern),
            snippet=snippet(d.text, pattern),
            team_id=d.team_id,
            team=d.team.name,
            published_at=d.published_at,
        )
        for d in docs
    ]


def _page(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(int(limit), MAX_LIMIT)), max(0, int(offset))


# --- backends -------------------------------------------------------------------------------


class Backend(Protocol):
    def index(self, story) -> None: ...
    def remove(self, story_id: int) -> None: ...
    def clear(self) -> None: ...
    def search(self, q: str, *, team=None, since=None, until=None, limit: int, offset: int) -> tuple[int, list[Hit]]: ...


class SqliteBackend:
    table = "search_fts"
    # bm25 weights per column: headline, intro, tags, body.
    weights = (10.0, 4.0, 4.0, 1.0)

    def index(self, story) -> None:
        f = _fields(story)
        with transaction.atomic(), connection.cursor() as cursor:
            _save_document(story, f)
            cursor.execute(f"DELETE FROM {self.table} WHERE rowid = %s", [story.pk])  # noqa: S608 - constant name
            cursor.execute(
                f"INSERT INTO {self.table} (rowid, headline, intro, tags, body) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
                [story.pk, segment(f.headline), segment(f.intro), segment(f.tags), segment(f.body)],
            )

    def remove(self, story_id: int) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE rowid = %s", [story_id])  # noqa: S608
            Document.objects.filter(story_id=story_id).delete()

    def clear(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")  # noqa: S608
            Document.objects.all().delete()

    @staticmethod
    def match(words: list[str]) -> str:
        """An FTS5 query: each token a quoted string (never an operator), all of them required."""
        return " ".join('"' + w.replace('"', '""') + '"' for w in words)

    def search(self, q, *, team=None, since=None, until=None, limit=20, offset=0):
        words = query_tokens(q)
        if not words:
            return 0, []
        limit, offset = _page(limit, offset)
        where, params = [f"{self.table} MATCH %s"], [self.match(words)]
        team_id = getattr(team, "pk", team)
        if team_id is not None:
            where.append("d.team_id = %s")
            params.append(int(team_id))
        lo, hi = _bounds(since, until)
        if lo is not None:
            where.append("d.published_at >= %s")
            params.append(connection.ops.adapt_datetimefield_value(lo))
        if hi is not None:
            where.append("d.published_at < %s")
            params.append(connection.ops.adapt_datetimefield_value(hi))
        sql_from = f"FROM {self.table} JOIN {Document._meta.db_table} d ON d.story_id = {self.table}.rowid WHERE {' AND '.join(where)}"
        rank = f"bm25({self.table}, {', '.join(str(w) for w in self.weights)})"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) {sql_from}", params)  # noqa: S608 - placeholders only
            total = cursor.fetchone()[0]
            if not total or offset >= total:
                return total, []
            cursor.execute(
                f"SELECT d.story_id {sql_from} ORDER BY {rank}, d.published_at DESC, d.story_id DESC LIMIT %s OFFSET %s",  # noqa: S608
                [*params, limit, offset],
            )
            ids = [row[0] for row in cursor.fetchall()]
        docs = Document.objects.select_related("team").in_bulk(ids)
        return total, _hits([docs[i] for i in ids if i in docs], q)


class PostgresBackend:
    def index(self, story) -> None:
        f = _fields(story)
        with transaction.atomic():
            _save_document(story, f)
            Document.objects.filter(story_id=story.pk).update(
                document=SearchVector(Value(segment(f.headline)), config="simple", weight="A")
                + SearchVector(Value(segment(f"{f.intro} {f.tags}")), config="simple", weight="B")
                + SearchVector(Value(segment(f.body)), config="simple", weight="C")
            )

    def remove(self, story_id: int) -> None:
        Document.objects.filter(story_id=story_id).delete()

    def clear(self) -> None:
        Document.objects.all().delete()

    def search(self, q, *, team=None, since=None, until=None, limit=20, offset=0):
        words = query_tokens(q)
        if not words:
            return 0, []
        limit, offset = _page(limit, offset)
        query = SearchQuery(" ".join(words), config="simple", search_type="plain")
        qs = Document.objects.filter(document=query)
        team_id = getattr(team, "pk", team)
        if team_id is not None:
            qs = qs.filter(team_id=int(team_id))
        lo, hi = _bounds(since, until)
        if lo is not None:
            qs = qs.filter(published_at__gte=lo)
        if hi is not None:
            qs = qs.filter(published_at__lt=hi)
        total = qs.count()
        if not total or offset >= total:
            return total, []
        docs = list(
            qs.annotate(rank=SearchRank(F("document"), query))
            .select_related("team")
            .defer("document")
            .order_by("-rank", "-published_at", "-story_id")[offset : offset + limit]
        )
        return total, _hits(docs, q)


_BACKENDS: dict[str, Backend] = {"sqlite": SqliteBackend(), "postgresql": PostgresBackend()}


def backend() -> Backend:
    try:
        return _BACKENDS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"No search backend for {connection.vendor}") from None


# --- the interface --------------------------------------------------------------------------


def index(story) -> None:
    """Put a story into the index, or bring its entry up to date. ``story`` comes from
    distribution.selectors.published_stories() (it carries ``live``); services.sync decides."""
    backend().index(story)


def remove(story_id: int) -> None:
    backend().remove(story_id)


def clear() -> None:
    backend().clear()


def search(
    q: str | None,
    *,
    team=None,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[Hit]]:
    """(total, the hits from ``offset``), best first. ``team``: a Team or its id; ``since`` and
    ``until``: days (both included) or datetimes ([since, until)). The query is cut to
    MAX_QUERY_CHARS; one without letters or digits finds nothing."""
    return backend().search(q, team=team, since=since, until=until, limit=limit, offset=offset)
