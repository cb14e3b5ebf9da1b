"""Word-list services: the only write paths for the content-safety lists.

The admin, the ``import_wordlist`` command and any later API call these functions, so every
door checks the same permission and writes the same audit line. Bulk writes do not fire the
model signals that tell ``core.safety`` to rebuild its automaton, so each function here calls
``safety.lists_changed()`` itself.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from rongmei.core import audit, safety
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.models import AllowedPhrase, SensitiveWord, WordCategory

MAX_WORD_LENGTH = SensitiveWord._meta.get_field("word").max_length
MAX_PHRASE_LENGTH = AllowedPhrase._meta.get_field("phrase").max_length
MAX_CATEGORY_LENGTH = WordCategory._meta.get_field("name").max_length
SEVERITIES = tuple(WordCategory.Severity.values)
BATCH_SIZE = 1000


def can_manage_lists(user) -> bool:
    """Admins (role ``admin``) and superusers manage the word lists; nobody else."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or getattr(user, "role", "") == "admin")


def _check_actor(actor) -> None:
    """``actor=None`` is the server itself (a management command run from its shell)."""
    if actor is not None and not can_manage_lists(actor):
        raise NotAllowed(_("Only administrators may change the sensitive-word lists."))


def _check_severity(severity: str, *, allow_blank: bool = False) -> str:
    severity = (severity or "").strip()
    if allow_blank and not severity:
        return ""
    if severity not in SEVERITIES:
        raise DomainError(_("Unknown severity %(s)s: use block or flag.") % {"s": severity}, field="severity")
    return severity


def has_control_characters(entry: str) -> bool:
    # Control characters (other than tab) are never part of a word; they come from binary files.
    return any(unicodedata.category(ch) == "Cc" and ch != "\t" for ch in entry)


@dataclass
class RefusedLine:
    line: int
    text: str
    reason: str


@dataclass
class ImportReport:
    category: WordCategory
    category_created: bool = False
    created: int = 0
    duplicates: int = 0  # already in the category, or earlier in the same file
    refused: list[RefusedLine] = field(default_factory=list)
    source: str = ""

    def summary(self) -> str:
        return _("%(source)s → %(category)s: %(created)s added, %(dup)s duplicates skipped, %(refused)s lines refused.") % {
            "source": self.source or "-",
            "category": self.category.name,
            "created": self.created,
            "dup": self.duplicates,
            "refused": len(self.refused),
        }

    def lines(self) -> list[str]:
        """The report as lines for a person: the summary, then each refused line."""
        out = [self.summary()]
        for refused in self.refused:
            out.append(_("  line %(n)s: %(reason)s") % {"n": refused.line, "reason": refused.reason})
        return out


def decode_wordlist(data: bytes | str, *, source: str = "") -> str:
    """The text of an uploaded or read list: UTF-8 with or without BOM; anything else is refused."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DomainError(
            _("%(source)s is not UTF-8 text (first bad byte on line %(line)s); save it as UTF-8 and import it again.")
            % {"source": source or _("The file"), "line": line},
            field="file",
            code="encoding",
        ) from None


@transaction.atomic
def import_wordlist(
    *,
    actor,
    data: bytes | str,
    category: str,
    severity: str = WordCategory.Severity.FLAG,
    source: str = "",
) -> ImportReport:
    """Add the entries of a plain-text list (one a line) to a category, creating it if missing.

    Blank lines and lines starting with ``#`` are ignored, entries are stripped, duplicates
    (case-insensitive, as the matcher compares them) are skipped, and entries longer than a
    word may be are refused with their line number. The severity applies to a category created
    here; an existing category keeps its own.
    """
    _check_actor(actor)
    severity = _check_severity(severity)
    name = (category or "").strip()
    if not name:
        raise DomainError(_("The category needs a name."), field="category")
    if len(name) > MAX_CATEGORY_LENGTH:
        raise DomainError(_("A category name may have at most %(n)s characters.") % {"n": MAX_CATEGORY_LENGTH}, field="category")
    text = decode_wordlist(data, source=source)

    cat, cat_created = WordCategory.objects.get_or_create(name=name, defaults={"severity": severity})
    report = ImportReport(category=cat, category_created=cat_created, source=source)
    seen = {safety.normalize(w) for w in SensitiveWord.objects.filter(category=cat).values_list("word", flat=True)}
    new_words: list[SensitiveWord] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        if len(entry) > MAX_WORD_LENGTH:
            report.refused.append(
                RefusedLine(
                    number,
                    entry[:40],
                    _("longer than %(n)s characters (%(len)s)") % {"n": MAX_WORD_LENGTH, "len": len(entry)},
                )
            )
            continue
        if has_control_characters(entry):
            report.refused.append(RefusedLine(number, entry[:40], _("contains control characters")))
            continue
        key = safety.normalize(entry)
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        new_words.append(SensitiveWord(category=cat, word=entry))

    # ignore_conflicts: a concurrent import of the same list must not fail the whole file.
    SensitiveWord.objects.bulk_create(new_words, batch_size=BATCH_SIZE, ignore_conflicts=True)
    report.created = len(new_words)
    audit.record(
        "wordlist.import",
        actor=actor,
        subject=cat,
        summary=_("Imported %(n)s words into %(category)s") % {"n": report.created, "category": cat.name},
        data={
            "source": source,
            "created": report.created,
            "duplicates": report.duplicates,
            "refused": [{"line": r.line, "reason": r.reason} for r in report.refused[:100]],
            "category_created": cat_created,
        },
    )
    safety.lists_changed()
    return report


@transaction.atomic
def create_category(*, actor, name: str, severity: str = WordCategory.Severity.FLAG, description: str = "") -> WordCategory:
    _check_actor(actor)
    severity = _check_severity(severity)
    name = (name or "").strip()
    if not name or len(name) > MAX_CATEGORY_LENGTH:
        raise DomainError(_("A category name needs 1 to %(n)s characters.") % {"n": MAX_CATEGORY_LENGTH}, field="name")
    if WordCategory.objects.filter(name=name).exists():
        raise DomainError(_("The category %(name)s exists already.") % {"name": name}, field="name")
    cat = WordCategory.objects.create(name=name, severity=severity, description=description.strip()[:200])
    audit.record("wordlist.category_create", actor=actor, subject=cat, summary=_("Created word category %(name)s") % {"name": name})
    safety.lists_changed()
    return cat


@transaction.atomic
def add_word(*, actor, category: WordCategory, word: str, severity: str = "", note: str = "") -> SensitiveWord:
    """Add a word to a category, or make it active again (with the given severity) if it is there."""
    _check_actor(actor)
    severity = _check_severity(severity, allow_blank=True)
    word = (word or "").strip()
    if not word:
        raise DomainError(_("The word is empty."), field="word")
    if len(word) > MAX_WORD_LENGTH:
        raise DomainError(_("A word may have at most %(n)s characters.") % {"n": MAX_WORD_LENGTH}, field="word")
    if has_control_characters(word):
        raise DomainError(_("The word contains control characters."), field="word")
    key = safety.normalize(word)
    candidates = SensitiveWord.objects.select_for_update().filter(Q(word__iexact=word) | Q(word__iexact=key), category=category)
    existing = next((w for w in candidates if safety.normalize(w.word) == key), None)
    if existing is not None:
        existing.active = True
        existing.severity = severity
        if note:
            existing.note = note.strip()[:200]
        existing.save(update_fields=["active", "severity", "note"])
        obj = existing
    else:
        obj = SensitiveWord.objects.create(category=category, word=word, severity=severity, note=(note or "").strip()[:200])
    audit.record(
        "wordlist.word_add",
        actor=actor,
        subject=category,
        summary=_("Added the word %(word)s to %(category)s") % {"word": word, "category": category.name},
        data={"word": word, "severity": severity, "word_id": obj.pk},
    )
    safety.lists_changed()
    return obj


@transaction.atomic
def update_word(
    *, actor, word: SensitiveWord, severity: str | None = None, active: bool | None = None, note: str | None = None
) -> SensitiveWord:
    """Change a word's severity (blank: the category's), active flag or note; one audit line."""
    _check_actor(actor)
    before = SensitiveWord.objects.get(pk=word.pk)
    changes = {}
    if severity is not None:
        changes["severity"] = _check_severity(severity, allow_blank=True)
    if active is not None:
        changes["active"] = bool(active)
    if note is not None:
        changes["note"] = note.strip()[:200]
    changes = {k: v for k, v in changes.items() if getattr(before, k) != v}
    for key, value in changes.items():
        setattr(word, key, value)
    if changes:
        word.save(update_fields=list(changes))
        audit.record(
            "wordlist.word_change",
            actor=actor,
            subject=word.category,
            summary=_("Changed the word %(word)s in %(category)s") % {"word": word.word, "category": word.category.name},
            data={"word": word.word, "word_id": word.pk, "changes": {k: [getattr(before, k), v] for k, v in changes.items()}},
        )
        safety.lists_changed()
    return word


@transaction.atomic
def update_category(
    *, actor, category: WordCategory, severity: str | None = None, active: bool | None = None, description: str | None = None
) -> WordCategory:
    """Change a category's severity, active flag or description; one audit line."""
    _check_actor(actor)
    before = WordCategory.objects.get(pk=category.pk)
    changes = {}
    if severity is not None:
        changes["severity"] = _check_severity(severity)
    if active is not None:
        changes["active"] = bool(active)
    if description is not None:
        changes["description"] = description.strip()[:200]
    changes = {k: v for k, v in changes.items() if getattr(before, k) != v}
    for key, value in changes.items():
        setattr(category, key, value)
    if changes:
        category.save(update_fields=list(changes))
        audit.record(
            "wordlist.category_change",
            actor=actor,
            subject=category,
            summary=_("Changed word category %(name)s") % {"name": category.name},
            data={"changes": {k: [getattr(before, k), v] for k, v in changes.items()}},
            from_state="active" if before.active else "inactive",
            to_state="active" if category.active else "inactive",
        )
        safety.lists_changed()
    return category


@transaction.atomic
def deactivate_word(*, actor, word: SensitiveWord) -> SensitiveWord:
    """Stop matching a word; the row stays, so the history of the list is kept."""
    _check_actor(actor)
    if word.active:
        word.active = False
        word.save(update_fields=["active"])
    audit.record(
        "wordlist.word_deactivate",
        actor=actor,
        subject=word.category,
        summary=_("Deactivated the word %(word)s in %(category)s") % {"word": word.word, "category": word.category.name},
        data={"word": word.word, "word_id": word.pk},
    )
    safety.lists_changed()
    return word


@transaction.atomic
def set_words_active(*, actor, words, active: bool) -> int:
    """Switch many words on or off at once (an admin action); one audit line per category."""
    _check_actor(actor)
    words = list(words.select_related("category"))
    by_category: dict[int, list[SensitiveWord]] = {}
    for w in words:
        by_category.setdefault(w.category_id, []).append(w)
    SensitiveWord.objects.filter(pk__in=[w.pk for w in words]).update(active=active)
    for items in by_category.values():
        category = items[0].category
        audit.record(
            "wordlist.word_activate" if active else "wordlist.word_deactivate",
            actor=actor,
            subject=category,
            summary=(_("Activated %(n)s words in %(category)s") if active else _("Deactivated %(n)s words in %(category)s"))
            % {"n": len(items), "category": category.name},
            data={"words": [w.word for w in items[:200]]},
        )
    safety.lists_changed()
    return len(words)


@transaction.atomic
def add_allowed_phrase(*, actor, phrase: str, note: str = "") -> AllowedPhrase:
    """Allow a phrase: listed words inside it stop being hits (e.g. 拆迁安置 around 拆迁)."""
    _check_actor(actor)
    phrase = (phrase or "").strip()
    if not phrase:
        raise DomainError(_("The phrase is empty."), field="phrase")
    if len(phrase) > MAX_PHRASE_LENGTH:
        raise DomainError(_("A phrase may have at most %(n)s characters.") % {"n": MAX_PHRASE_LENGTH}, field="phrase")
    obj, created = AllowedPhrase.objects.get_or_create(phrase=phrase, defaults={"note": (note or "").strip()[:200]})
    if not created:
        raise DomainError(_("The phrase %(p)s is allowed already.") % {"p": phrase}, field="phrase")
    audit.record("wordlist.allow_add", actor=actor, subject=obj, summary=_("Allowed the phrase %(p)s") % {"p": phrase})
    safety.lists_changed()
    return obj


@transaction.atomic
def remove_allowed_phrase(*, actor, phrase: AllowedPhrase) -> None:
    _check_actor(actor)
    audit.record("wordlist.allow_remove", actor=actor, subject=phrase, summary=_("No longer allowed: %(p)s") % {"p": phrase.phrase})
    phrase.delete()
    safety.lists_changed()
