"""Writing people's text into Excel files we hand out."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value):
    """Text that people typed (titles, names, places) stays text: openpyxl would write "=…" as a
    formula that runs when somebody opens the file (formula injection)."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
