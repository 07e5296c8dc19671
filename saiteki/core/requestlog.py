"""Request ids and structured (JSON) logs.

Every request gets an id: the ``X-Request-ID`` a load balancer or reverse proxy sent (when it is a
UUID, the form the change log stores) or a new one. The id is answered in the ``X-Request-ID`` response
header, put on ``request.id`` (the change log's ``request_id``, so a log line, an error report and a
history row of the same request share one id) and on every log record written while the request runs
(:class:`RequestIdFilter`). Production formats records as one JSON object per line
(:class:`JsonFormatter`) for the prefecture's log collector, and writes one access line per request
(``SAITEKI_REQUEST_LOG``) with method, path, status, duration and user id — never query strings, which
can carry search words, or anything from the body.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
import uuid
from contextvars import ContextVar

from django.conf import settings

HEADER = "X-Request-ID"
_request_id: ContextVar[str] = ContextVar("saiteki_request_id", default="-")
access_logger = logging.getLogger("saiteki.request")

#: Extra attributes copied from a record into the JSON line when a caller passes them (``extra=``).
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "user_id", "remote_addr", "worker_id")


def current_request_id() -> str:
    return _request_id.get()


def _incoming_id(request) -> uuid.UUID | None:
    raw = request.headers.get(HEADER, "").strip()
    if not raw or len(raw) > 64:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


class RequestIdMiddleware:
    """First in the chain, so every later middleware's and view's log lines carry the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = _incoming_id(request) or uuid.uuid4()
        token = _request_id.set(str(request.id))
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = str(request.id)
            self._log(request, response.status_code, start)
            return response
        finally:
            _request_id.reset(token)

    @staticmethod
    def _log(request, status: int, start: float) -> None:
        if not getattr(settings, "SAITEKI_REQUEST_LOG", False):
            return
        if request.path.startswith("/healthz") and status == 200:
            return  # the balancer's probe every few seconds would drown the log
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
        access_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                "user_id": user_id,
                "remote_addr": request.META.get("REMOTE_ADDR", ""),
            },
        )


class RequestIdFilter(logging.Filter):
    """Puts the running request's id on every record (``-`` outside a request: worker, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601 with offset), level, logger, message, request id, and
    the exception with its traceback when there is one. Japanese text stays readable (no escapes)."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.datetime.fromtimestamp(record.created)
            .astimezone()
            .isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", _request_id.get()),
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                payload[name] = getattr(record, name)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=str)
