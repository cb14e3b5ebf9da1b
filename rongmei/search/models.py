"""The search index: one row per story live on the website/app, as the public sees it.

The row holds what a hit shows and what the filters use. The words themselves are indexed per
database: in the FTS5 table ``search_fts`` (rowid = story id) on SQLite, in ``document`` (a
tsvector with a GIN index) on PostgreSQL; both are created by migration 0001 for their vendor only.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Document(models.Model):
    story = models.OneToOneField(
        "newsroom.Story", verbose_name=_("story"), primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField(_("published at"), db_index=True)
    headline = models.CharField(_("headline"), max_length=200)
    text = models.TextField(_("text"), blank=True)  # intro and body as plain text, for snippets
    # PostgreSQL only (null on SQLite): headline A, intro and tags B, body C.
    document = SearchVectorField(null=True)
    indexed_at = models.DateTimeField(_("indexed at"), default=timezone.now)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return self.headline
