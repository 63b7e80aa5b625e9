"""The request id of the work in hand, in a context variable.

A context variable rather than a thread-local: it is right under gunicorn's
sync workers, under threads, and in a Celery task alike, and a task that runs
eagerly inside a request sees the request's id.
"""

from __future__ import annotations

import contextvars
import re
import uuid

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("hiring_request_id", default=None)
# Set while a Celery task runs: the log lines of a task name it.
task_name: contextvars.ContextVar[str | None] = contextvars.ContextVar("hiring_task_name", default=None)
task_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("hiring_task_id", default=None)

# What a proxy or a client may hand us: UUIDs, hex, the forms load balancers use
# (e.g. "Root=1-5f84c3a3-..."), never spaces, quotes or control characters that
# would let a client forge log lines or headers.
_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{7,127}")


def valid_request_id(raw: str | None) -> str | None:
    """The id a caller sent, if it is safe to log and echo back; else None."""
    if raw and _VALID.fullmatch(raw):
        return raw
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id.get()
