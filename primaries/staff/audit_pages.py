"""The audit log, for supervisors, admins and observers: paged and filtered, verified from the
page (the chain, then the data against it, as ``primaries audit verify`` does), and downloaded as
CSV (cells that a spreadsheet would run as a formula are neutralised) or as an Excel workbook.

Page and CSV show the events through :func:`primaries.audit.log.shown_events`: the numbers of an
entry its sheet still waits on are hidden until the sheet is settled (blind for everyone)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Response, render_template, request, stream_with_context
from werkzeug.datastructures import MultiDict

from ..access import roles
from ..audit.data import verify_chain_and_data
from ..audit.log import (
    AuditFilters,
    ShownEvent,
    audit_actions,
    audit_page,
    audit_select,
    election_slugs,
    shown_events,
)
from ..core.limits import page_count, page_number
from ..core.text import spreadsheet_cell
from ..extensions import db
from ..formats.tables_out import XLSX_MIMETYPE, Cell, xlsx_bytes
from ..models import AuditEvent
from ..timestamps import utcnow
from .blueprint import COUNT, READ, bp
from .forms import AuditFilterForm, options

PER_PAGE = 50
CSV_COLUMNS = (
    "seq",
    "created_at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "election",
    "round",
    "branch",
    "before",
    "after",
    "prev_hash",
    "hash",
)


def _filters(args: MultiDict[str, str]) -> tuple[AuditFilterForm, AuditFilters]:
    form = AuditFilterForm(formdata=args)
    form.action.choices = options([("", "any"), *((a, a) for a in audit_actions())])
    form.election.choices = options([("", "any"), *((s, s) for s in election_slugs())])
    form.validate()

    def ok(name: str) -> Any:
        field = form[name]
        return None if field.errors or field.data in ("", None) else field.data

    filters = AuditFilters(
        action=ok("action"),
        actor=(ok("actor") or "").strip() or None,
        election=ok("election"),
        branch=(ok("branch") or "").strip() or None,
        since=ok("since"),
        until=ok("until"),
    )
    return form, filters


@bp.get("/audit")
@roles(*COUNT, read_only_for=READ)
def audit_log() -> str:
    form, filters = _filters(request.args)
    page = page_number(request.args.get("page"))
    events, total = audit_page(filters, page, PER_PAGE)
    return render_template(
        "staff/audit.html",
        form=form,
        filters=filters,
        events=shown_events(events),
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        verification=None,
    )


@bp.get("/audit/verify")
@roles(*COUNT, read_only_for=READ)
def audit_verify() -> tuple[str, int]:
    """Recompute the whole chain now, then compare the data with it, and say whether both hold
    (a read: observers may)."""
    verification = verify_chain_and_data()
    form, filters = _filters(request.args)
    events, total = audit_page(filters, 1, PER_PAGE)
    page = render_template(
        "staff/audit.html",
        form=form,
        filters=filters,
        events=shown_events(events),
        total=total,
        page=1,
        pages=page_count(total, PER_PAGE),
        verification=verification,
    )
    return page, 200


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return spreadsheet_cell(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return spreadsheet_cell(value)


@bp.get("/audit.csv")
@roles(*COUNT, read_only_for=READ)
def audit_csv() -> Response:
    """The events matching the filters, oldest first, as CSV (UTF-8 with a byte-order mark)."""
    _, filters = _filters(request.args)
    stmt = audit_select(filters).order_by(AuditEvent.seq).execution_options(yield_per=1000)

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow(CSV_COLUMNS)
        result = db.session.scalars(stmt)
        try:
            # Judged a chunk at a time, each after it is read (see shown_events).
            for chunk in result.partitions(500):
                for shown in shown_events(chunk):
                    writer.writerow([_csv_cell(cell) for cell in _event_cells(shown)])
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        finally:
            result.close()
        yield buffer.getvalue()

    name = "primaries-audit-" + utcnow().strftime("%Y%m%dT%H%MZ") + ".csv"
    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/audit.xlsx")
@roles(*COUNT, read_only_for=READ)
def audit_xlsx() -> Response:
    """The events matching the filters, oldest first, as an Excel workbook (the CSV's columns)."""
    _, filters = _filters(request.args)
    stmt = audit_select(filters).order_by(AuditEvent.seq).execution_options(yield_per=1000)

    def rows() -> Iterator[list[Cell]]:
        yield list(CSV_COLUMNS)
        result = db.session.scalars(stmt)
        try:
            for chunk in result.partitions(500):
                for shown in shown_events(chunk):
                    yield [_json_text(cell) for cell in _event_cells(shown)]
        finally:
            result.close()

    name = "primaries-audit-" + utcnow().strftime("%Y%m%dT%H%MZ") + ".xlsx"
    return Response(
        xlsx_bytes(rows(), title="audit"),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _event_cells(shown: ShownEvent) -> list[Any]:
    event = shown.event
    return [
        event.seq,
        event.created_at.isoformat(timespec="microseconds"),
        event.actor,
        event.action,
        event.object_type,
        event.object_id,
        event.election,
        "" if event.round_number is None else event.round_number,
        event.branch,
        shown.before,
        shown.after,
        event.prev_hash,
        event.hash,
    ]


def _json_text(value: Any) -> Cell:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value if value is None or isinstance(value, int | str) else str(value)
