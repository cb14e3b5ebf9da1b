"""The words that differ between the two councils: a deputy (代表) makes suggestions (建议) in the
People's Congress, a CPPCC member (委员) makes proposals (提案)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rongmei.civic.models import CouncilKind

WORDS = {
    CouncilKind.RENDA: {
        "site": _("Smart People's Congress"),
        "council": _("County People's Congress"),
        "members": _("Deputies"),
        "all_members": _("All deputies"),
        "proposals": _("Suggestions"),
        "recent_proposals": _("Recent suggestions"),
        "write": _("Write to this deputy"),
        "group": _("Constituency"),
    },
    CouncilKind.ZHENGXIE: {
        "site": _("Smart CPPCC"),
        "council": _("County CPPCC"),
        "members": _("CPPCC members"),
        "all_members": _("All CPPCC members"),
        "proposals": _("Proposals"),
        "recent_proposals": _("Recent proposals"),
        "write": _("Write to this member"),
        "group": _("Sector"),
    },
}


def words(kind: str) -> dict:
    return WORDS[CouncilKind(kind)]
