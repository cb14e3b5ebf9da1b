"""Tables people upload (Excel .xlsx or CSV, as Excel, WPS or a web page's export save them): read
with their header row found by aliases, a bad file refused as a whole with a clear message
(damaged, old .xls, zip bomb, too large, no header, not UTF-8 nor GB18030), and the cell parsers
the importers share (whole numbers like "1.2万", dates like 2026/3/5 or an Excel serial).

Used by the partners' readership upload and the data center's channel figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath

from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError
from rongmei.core.input import strip_controls

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
HEADER_SEARCH_ROWS = 5  # a title line above the header row is tolerated
MAX_COUNT = 10**9
UNITS = {"万": 10_000, "w": 10_000, "亿": 100_000_000}
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_COUNT_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(万|w|亿)?$", re.IGNORECASE)
# Excel's serial day numbers for 2000-01-01 and 2099-12-31: a date cell saved without a date format.
_SERIAL_RANGE = (36526, 73415)


@dataclass
class Row:
    number: int
    values: dict[str, object]


# --- reading the file ------------------------------------------------------------------------


def normalise_header(value) -> str:
    text = strip_controls(str(value or "")).strip().lower()
    text = re.sub(r"[（(].*?[)）]", "", text)
    return re.sub(r"[\s_*:：]", "", text)


def is_blank(cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_bytes(uploaded) -> bytes:
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_BYTES:
        raise DomainError(_("The file is larger than %(mb)s MB; split it into smaller files.") % {"mb": MAX_BYTES // 2**20})
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainError(_("The file is larger than %(mb)s MB; split it into smaller files.") % {"mb": MAX_BYTES // 2**20})
    if not data:
        raise DomainError(_("The file is empty."))
    return data


def xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    unreadable = _("The file could not be read as an Excel workbook (.xlsx). Save it again from Excel or WPS.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DomainError(unreadable) from None
    if unpacked > MAX_UNPACKED_BYTES:
        # A few MB of workbook never unpacks to this much; a crafted one would fill the memory.
        raise DomainError(
            _("The workbook unpacks to more than %(mb)s MB; split it into smaller files.") % {"mb": MAX_UNPACKED_BYTES // 2**20}
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of error on a damaged file
        raise DomainError(unreadable) from None
    try:
        rows = iter(book.worksheets[0].iter_rows(values_only=True))
        number = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                break
            except Exception:  # noqa: BLE001 - a damaged sheet fails only as it is read
                raise DomainError(unreadable) from None
            number += 1
            yield number, list(cells)
    finally:
        book.close()


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise DomainError(_("The file is not a CSV text file. Upload an Excel workbook (.xlsx) or a CSV file."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DomainError(_("The CSV file is neither UTF-8 nor GB18030 (GBK) text. Save it again as CSV (UTF-8).")) from None


def csv_rows(data: bytes):
    text = _decode(data)
    # Excel saves CSV with commas, or semicolons in some locales; a copy from a web page has tabs.
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as e:
        raise DomainError(_("The CSV file could not be read: %(e)s") % {"e": e}) from None


def rows_of(uploaded, data: bytes):
    name = str(getattr(uploaded, "name", "") or "")
    ext = PurePath(name).suffix.lower()
    content_type = str(getattr(uploaded, "content_type", "") or "").lower()
    if data.startswith(b"PK\x03\x04"):
        return xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DomainError(_("Old Excel files (.xls) are not read. Save the sheet as .xlsx (Excel 2007 or later) or as CSV."))
    if ext in (".csv", ".txt") or content_type in ("text/csv", "text/plain", "application/csv"):
        return csv_rows(data)
    if ext == ".xlsx":
        raise DomainError(_("The file could not be read as an Excel workbook (.xlsx). Save it again from Excel or WPS."))
    raise DomainError(_("Upload an Excel workbook (.xlsx) or a CSV file; this file is neither."))


def read_table(
    uploaded, columns: dict[str, tuple[str, ...]], required: tuple[str, ...], *, max_rows: int = MAX_ROWS
) -> tuple[dict[str, int], list[Row]]:
    """The file's columns (key -> position) and its non-blank rows of data. ``columns`` maps each
    key to the headers accepted for it (compared after normalise_header). Refuses the whole file
    when it cannot be read, has no header row or holds too many rows."""
    header_keys = {normalise_header(alias): key for key, aliases in columns.items() for alias in aliases}
    data = read_bytes(uploaded)
    found_columns: dict[str, int] | None = None
    rows: list[Row] = []
    for number, cells in rows_of(uploaded, data):
        if found_columns is None:
            found: dict[str, int] = {}
            for position, cell in enumerate(cells):
                key = header_keys.get(normalise_header(cell))
                if key and key not in found:
                    found[key] = position
            if len(found) >= 2:
                found_columns = found
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        if is_blank(cells):
            continue
        if len(rows) >= max_rows:
            raise DomainError(_("The file has more than %(n)s rows of data; split it into smaller files.") % {"n": max_rows})
        rows.append(Row(number, {key: (cells[pos] if pos < len(cells) else None) for key, pos in found_columns.items()}))
    if found_columns is None:
        raise DomainError(
            _("The file has no header row: the first row names the columns (%(names)s …).")
            % {"names": "、".join(columns[key][0] for key in required)}
        )
    return found_columns, rows


# --- cells ---------------------------------------------------------------------------------------


def text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_controls(str(value)).strip()


def parse_count(value) -> int:
    """A non-negative whole number: 1200, "1,200", 1200.0, "1.2万" (12000)."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        text = text_of(value).replace(",", "").replace("，", "").replace(" ", "")
        match = _COUNT_RE.match(text)
        if not match:
            raise ValueError
        number = Decimal(match.group(1))
        if match.group(2):
            number = (number * UNITS[match.group(2).lower()]).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    if number < 0 or number != number.to_integral_value() or number > MAX_COUNT:
        raise ValueError
    return int(number)


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    match = _DATE_RE.match(text_of(value))
    if not match:
        raise ValueError
    return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
