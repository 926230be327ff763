"""Export a list as CSV: exactly the rows and columns on screen, every page of them.

The export runs the list's own query (:func:`~.lists.prepare`) page after page
through the repository, so the user's row scope and hidden fields apply as on screen.
Values are written as people read them (option labels, record names, dates in ISO
form, numbers with a dot), with a UTF-8 byte order mark so spreadsheet programs read
Cyrillic and Japanese text correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Final
from uuid import UUID

from xrm.metamodel.types import FieldKind
from xrm.platform.storage.repository import Repository

from .i18n import Translator
from .labels import fetch_labels
from .lists import Column, ListQuery, ListRequest, cell_references, cells, fetch_page, includes

#: Rows read per repository call, and the most an export writes.
EXPORT_PAGE: Final = 500
MAX_EXPORT_ROWS: Final = 100_000
BOM: Final = "\ufeff"


def _plain(col: Column, value: object, shown: str) -> str:
    """A value as a spreadsheet wants it: numbers and dates machine-readable, others shown."""
    definition = col.definition
    if value is None:
        return ""
    if isinstance(value, Mapping) and isinstance(value.get("amount"), Decimal):
        return str(value["amount"])
    if isinstance(value, bool):
        return shown
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if definition is None and isinstance(value, UUID):
        return str(value)
    if definition is not None and definition.type in (FieldKind.STRING, FieldKind.TEXT):
        return str(value)
    return shown


def export_rows(
    repo: Repository,
    request: ListRequest,
    query: ListQuery,
    fmt: Translator,
    params: Mapping[str, object],
) -> Iterator[str]:
    """The CSV text, a chunk per page (the caller streams it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    hidden = repo.hidden(request.entity, includes(request))
    columns = [c for c in request.columns if c.path not in hidden]
    request = replace(request, columns=columns)
    writer.writerow([c.label for c in columns])
    yield BOM + buffer.getvalue()
    written = 0
    cursor: str | None = None
    while written < MAX_EXPORT_ROWS:
        page = fetch_page(
            repo, request, replace(query, after=cursor, before=None), params, limit=EXPORT_PAGE
        )
        labels = fetch_labels(repo, cell_references(columns, page.records))
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for record in page.records:
            shown = cells(columns, record, fmt, labels)
            writer.writerow(
                [
                    _plain(col, record.get(col.path), cell.text)
                    for col, cell in zip(columns, shown, strict=True)
                ]
            )
        written += len(page.records)
        yield buffer.getvalue()
        if not page.next_cursor:
            break
        cursor = page.next_cursor


def export_filename(entity: str) -> str:
    return f"{entity}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M}.csv"
