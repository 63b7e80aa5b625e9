"""Streamed exports: CSV and Excel from headers and an iterator of rows.

Both formats take the same input, so a view builds its rows once (a generator
over ``queryset.iterator(chunk_size=...)``) and lets the person pick the format.
Neither holds the table in memory:

- CSV is written a row at a time into the response as the client reads it
  (Django's StreamingHttpResponse with the csv writer over a pseudo-buffer).
- Excel is built by openpyxl's write-only workbook, which appends each row to
  a temporary file on disk as it comes (a few kilobytes of memory whatever the
  length); the finished .xlsx (a zip) is then streamed from that file in chunks.
  openpyxl is the maintained library for .xlsx in Python (used by pandas and
  tablib), pure Python, and has this write-only mode made for large sheets.

Cells that a spreadsheet would run as a formula (starting with = + - @, a tab or
a carriage return) are written as text with a leading apostrophe, so a candidate
named "=HYPERLINK(...)" cannot run anything on the recruiter's computer (OWASP:
CSV injection).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.http import StreamingHttpResponse
from django.utils.text import get_valid_filename

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Rows a caller should read from the database at a time (queryset.iterator(chunk_size=...)).
CHUNK_SIZE = 2000
# Bytes read from the finished workbook per chunk of the response.
FILE_CHUNK = 64 * 1024

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns what it was given (the csv writer's target)."""

    def write(self, value: str) -> str:
        return value


def _safe_text(value: str) -> str:
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any, zone: ZoneInfo, *, for_excel: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value if for_excel else ("yes" if value else "no")
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone)
        # Excel has no time zones: the sheet's times are in the zone its header names.
        return value.replace(tzinfo=None) if for_excel else value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value if for_excel else value.isoformat()
    text = _safe_text(str(value))
    if for_excel:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text


def csv_rows(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, zone: str = "UTC") -> Iterator[str]:
    """The CSV text, a line at a time, with a byte-order mark so Excel reads it as UTF-8."""
    tz = ZoneInfo(zone)
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([_safe_text(str(h)) for h in headers])
    for row in rows:
        yield writer.writerow([_cell(v, tz, for_excel=False) for v in row])


def xlsx_chunks(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, zone: str = "UTC", title: str = "Export"
) -> Iterator[bytes]:
    """The .xlsx file in chunks. The rows are read when the first chunk is asked for."""
    from openpyxl import Workbook

    tz = ZoneInfo(zone)
    workbook = Workbook(write_only=True)
    # Sheet titles: at most 31 characters, none of []:*?/\ .
    sheet = workbook.create_sheet(title="".join(c for c in title if c not in "[]:*?/\\")[:31] or "Export")
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append([_cell(v, tz, for_excel=True) for v in row])
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        while chunk := spool.read(FILE_CHUNK):
            yield chunk


def export_response(
    *,
    fmt: str,
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    zone: str = "UTC",
    title: str = "Export",
) -> StreamingHttpResponse:
    """A streamed download of the rows as CSV or Excel. `filename` has no extension."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; expected one of {FORMATS}.")
    content = csv_rows(headers, rows, zone=zone) if fmt == CSV else xlsx_chunks(headers, rows, zone=zone, title=title)
    response = StreamingHttpResponse(content, content_type=CONTENT_TYPES[fmt])
    name = get_valid_filename(filename) or "export"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    # Personal data: not to be kept by any cache on the way.
    response["Cache-Control"] = "no-store"
    return response


def csv_response(**kwargs) -> StreamingHttpResponse:
    return export_response(fmt=CSV, **kwargs)


def xlsx_response(**kwargs) -> StreamingHttpResponse:
    return export_response(fmt=XLSX, **kwargs)
