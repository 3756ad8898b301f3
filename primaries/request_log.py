"""Structured logs: one JSON line per request, each with a request id.

Every request gets an id: a sane ``X-Request-ID`` sent by the client or the proxy in front
(nginx's ``$request_id``: 1-128 characters of letters, digits and ``._:-``) is kept, anything
else is replaced by a new random id. The id is returned in the ``X-Request-ID`` header and is on
every log line written while the request runs, so a person can quote it from an error page and
the sysadmin can find the request.

The request line (logger ``primaries.requests``) holds the method, the path *without* the query
string, the status, the duration in milliseconds, the request id, the client's address and the
id of the signed-in account, if one was loaded by the request. Bodies, headers, cookies and query
strings are never logged: that is where passwords, session cookies and CSRF tokens travel.

Lines go to standard error (gunicorn and systemd collect it); ``LOG_REQUESTS = False`` in the
configuration switches the request lines off.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from typing import Any, TextIO

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler
from sqlalchemy import inspect as sa_inspect

REQUEST_LOGGER = "primaries.requests"
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(header: str | None) -> str:
    """The client's request id if it is sane, else a new random one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    if has_request_context():
        request_id: str | None = g.get("request_id")
        return request_id
    return None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            line["message"] = record.getMessage()
            request_id = getattr(record, "request_id", None)
            if request_id:
                line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _install_handler() -> None:
    """Put the JSON handler on the ``primaries`` logger once per process (not once per app)."""
    logger = logging.getLogger("primaries")
    if any(isinstance(h, _StderrHandler) for h in logger.handlers):
        return
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_RequestIdFilter())
    logger.addHandler(handler)
    logger.removeHandler(default_handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


def _user_id() -> int | None:
    """The signed-in account's id, if this request loaded it (no extra query for it).

    Taken from the row's identity, which a commit does not expire: reading ``user.id`` after a
    save's commit would load the whole account again just to log it.
    """
    user = g.get("_login_user")
    state = sa_inspect(user, raiseerr=False) if user is not None else None
    if state is not None and state.identity:
        return int(state.identity[0])
    return None


def init_logging(app: Flask) -> None:
    """Give every request an id and write one JSON line per request."""
    _install_handler()
    # Flask adds its own plain-text handler to app.logger on first use unless one is there.
    app.logger.removeHandler(default_handler)
    request_log = logging.getLogger(REQUEST_LOGGER)

    def start_request() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    # First of all before-request functions: CSRF checks and the like may refuse the request,
    # and its log line still needs the id and the start time.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)

    @app.after_request
    def log_request(response: Response) -> Response:
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        if not app.config.get("LOG_REQUESTS", True):
            return response
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started is not None else None
        fields = {
            "event": "request",
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration, 1) if duration is not None else None,
            "remote_addr": request.remote_addr,
            "user_id": _user_id(),
        }
        request_log.info(
            "%s %s %s", request.method, request.path, response.status_code, extra={"fields": fields}
        )
        return response
