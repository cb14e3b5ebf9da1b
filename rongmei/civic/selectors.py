"""Reads of the civic app: what the public may see of the directory and the councils, and a
Chinese search over the directory."""

from __future__ import annotations

import re
from dataclasses import dataclass

import jieba
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from rongmei.civic.models import CouncilLetter, CouncilMember, Proposal, ProposalEvent, ServiceCategory, ServiceItem
from rongmei.core import text as core_text

# --- the service directory ------------------------------------------------------------------------

MAX_QUERY_CHARS = 50
MAX_QUERY_WORDS = 8
# Question words that say nothing about which matter is meant: "身份证怎么补办" is 身份证 + 补办.
QUERY_STOP = {
    "怎么", "怎样", "如何", "哪里", "在哪", "在哪里", "哪儿", "去哪", "什么", "需要", "要求", "可以", "能否", "能不能",
    "请问", "我", "我想", "想", "要", "的", "了", "吗", "呢", "啊", "和", "与", "及", "或", "办", "去", "在", "到",
}  # fmt: skip
_WORD_RE = re.compile(r"[^\W_]+")
_SEARCH_FIELDS = ("name", "keywords", "unit", "category__name", "materials", "notes")
_NAME_FIELDS = ("name", "keywords")


def public_categories() -> QuerySet[ServiceCategory]:
    """Shown categories with at least one shown item, each with ``item_count``."""
    return (
        ServiceCategory.objects.filter(active=True)
        .annotate(item_count=Count("items", filter=Q(items__active=True)))
        .filter(item_count__gt=0)
        .order_by("sort_order", "id")
    )


def public_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(active=True, category__active=True).select_related("category")


def query_words(q: str) -> list[str]:
    """The words of a directory search: jieba's precise cut (without HMM, so an unknown word falls
    into characters the same way everywhere), lower case, question words and lone characters
    dropped unless nothing else is left."""
    q = (q or "")[:MAX_QUERY_CHARS].lower()
    core_text.ensure_jieba()
    words: list[str] = []
    for token in jieba.lcut(q, HMM=False):
        for word in _WORD_RE.findall(token):
            if word not in words:
                words.append(word)
    kept = [w for w in words if w not in QUERY_STOP and len(w) > 1]
    if not kept:
        kept = [w for w in words if w not in QUERY_STOP] or words
    return kept[:MAX_QUERY_WORDS]


def _word_q(word: str, fields: tuple[str, ...]) -> Q:
    """A word matches where it appears whole, or where all its dictionary parts appear
    (结婚登记 also finds 婚姻登记（结婚）… by 结婚 and 登记)."""

    def anywhere(w: str) -> Q:
        q = Q()
        for field in fields:
            q |= Q(**{f"{field}__icontains": w})
        return q

    match = anywhere(word)
    parts = [p for p in jieba.lcut_for_search(word, HMM=False) if p != word and len(p) > 1]
    if len(parts) >= 2:
        every = Q()
        for part in parts:
            every &= anywhere(part)
        match |= every
    return match


@dataclass
class ServiceSearch:
    words: list[str]
    items: list[ServiceItem]
    partial: bool  # no item matched every word: these match some of them


def search_services(q: str = "", *, category_id: int | None = None) -> ServiceSearch:
    """Shown items matching every word of ``q`` in name, search words, unit, category, materials or
    notes; best first: most words in the name (or search words), then in the category's name, then
    the operators' order. When no item has every word, the items with the most of them (``partial``)."""
    items = public_items()
    if category_id is not None:
        items = items.filter(category_id=category_id)
    words = query_words(q)
    if not words:
        return ServiceSearch(words=[], items=list(items.order_by("category__sort_order", "category_id", "sort_order", "id")), partial=False)

    def score(fields: tuple[str, ...]):
        return sum((Case(When(_word_q(w, fields), then=Value(1)), default=Value(0), output_field=IntegerField()) for w in words), Value(0))

    ranked = items.annotate(hits=score(_SEARCH_FIELDS), name_hits=score(_NAME_FIELDS), category_hits=score(("category__name",)))
    ranked = ranked.filter(hits__gt=0).order_by("-hits", "-name_hits", "-category_hits", "category__sort_order", "sort_order", "id")
    found = list(ranked[:200])
    if not found:
        return ServiceSearch(words=words, items=[], partial=False)
    full = [i for i in found if i.hits == len(words)]
    if full:
        return ServiceSearch(words=words, items=full, partial=False)
    best = found[0].hits
    return ServiceSearch(words=words, items=[i for i in found if i.hits == best], partial=True)


# --- councils -------------------------------------------------------------------------------------


def public_members(kind: str | None = None) -> QuerySet[CouncilMember]:
    members = CouncilMember.objects.filter(active=True)
    if kind:
        members = members.filter(kind=kind)
    return members.order_by("kind", "sort_order", "id")


def public_proposals(kind: str | None = None, *, status: str | None = None, session: str | None = None) -> QuerySet[Proposal]:
    proposals = Proposal.objects.filter(published=True).select_related("lead")
    if kind:
        proposals = proposals.filter(kind=kind)
    if status:
        proposals = proposals.filter(status=status)
    if session:
        # NUL cannot be sent to PostgreSQL; no session has it, so nothing matches.
        proposals = proposals.filter(session=session) if "\x00" not in session else proposals.none()
    return proposals.order_by("-submitted_on", "-id")


def sessions(kind: str) -> list[str]:
    """The sessions that have public proposals, newest first."""
    rows = Proposal.objects.filter(kind=kind, published=True).values_list("session", "year").distinct().order_by("-year", "-session")
    seen: list[str] = []
    for session, _year in rows:
        if session not in seen:
            seen.append(session)
    return seen


def member_proposals(member: CouncilMember) -> QuerySet[Proposal]:
    """Public proposals the member led or co-signed."""
    return public_proposals(member.kind).filter(Q(lead=member) | Q(co_signers=member)).distinct()


def public_proposal(pk: int) -> Proposal | None:
    return (
        Proposal.objects.filter(pk=pk, published=True)
        .select_related("lead")
        .prefetch_related(
            Prefetch("co_signers", queryset=CouncilMember.objects.order_by("sort_order", "id")),
            Prefetch("events", queryset=ProposalEvent.objects.order_by("on", "id")),
        )
        .first()
    )


def public_letters(member: CouncilMember, limit: int = 20) -> list[CouncilLetter]:
    """Letters the writer let us publish, with the reply, unflagged and not hidden by staff."""
    return list(
        CouncilLetter.objects.filter(
            member=member,
            is_public=True,
            hidden=False,
            flagged=False,
            status__in=[CouncilLetter.Status.REPLIED, CouncilLetter.Status.CLOSED],
        )
        .exclude(reply="")
        .order_by("-replied_at", "-id")[:limit]
    )


def fan_letters(fan) -> QuerySet[CouncilLetter]:
    return CouncilLetter.objects.filter(fan=fan).select_related("member").order_by("-created_at", "-id")
