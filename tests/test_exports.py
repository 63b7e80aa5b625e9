"""hiring/exports.py: streamed CSV and Excel from headers and an iterator of rows."""

import csv
import datetime as dt
import io

import openpyxl
from django.http import StreamingHttpResponse

from hiring.exports import csv_response, export_response, xlsx_response


def _rows(n):
    for i in range(n):
        yield [i, f"Name {i}", dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC), None]


def test_csv_is_streamed_a_row_at_a_time_and_reads_back():
    consumed = []

    def rows():
        for row in _rows(3):
            consumed.append(row[0])
            yield row

    response = csv_response(
        filename="people", headers=["id", "name", "when", "empty"], rows=rows(), zone="Europe/Berlin"
    )
    assert isinstance(response, StreamingHttpResponse)
    assert consumed == []  # nothing read before the client reads
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert response["Cache-Control"] == "no-store"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["id", "name", "when", "empty"]
    # 01:30 UTC on the night Berlin moves to summer time is 03:30 CEST.
    assert lines[1] == ["0", "Name 0", "2026-03-29 03:30:00", ""]
    assert len(lines) == 4


def test_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text():
    response = csv_response(filename="x", headers=["name"], rows=[['=HYPERLINK("http://evil")'], ["-1+2"], ["Ada"]])
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1:] == [['\'=HYPERLINK("http://evil")'], ["'-1+2"], ["Ada"]]


def test_xlsx_is_a_workbook_with_the_rows():
    response = xlsx_response(filename="people", headers=["id", "name", "when", "empty"], rows=_rows(5), zone="UTC")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = list(book.active.iter_rows(values_only=True))
    assert values[0] == ("id", "name", "when", "empty")
    assert values[1][:3] == (0, "Name 0", dt.datetime(2026, 3, 29, 1, 30))
    assert len(values) == 6


def test_an_unknown_format_is_refused():
    import pytest

    with pytest.raises(ValueError):
        export_response(fmt="pdf", filename="x", headers=[], rows=[])
