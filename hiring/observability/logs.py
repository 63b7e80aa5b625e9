"""The LOGGING setting: one line per record, plain text or JSON, each with the
request id (and the task, in a worker) of the work that wrote it."""

from __future__ import annotations

import logging

from hiring.observability import context

PLAIN = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# python-json-logger reads the field names from this string; the rest of a
# record's `extra` is added as
# fields of its own; "time" is added as ISO 8601 in UTC.
JSON_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s %(task_name)s %(task_id)s"


class RequestIdFilter(logging.Filter):
    """Puts request_id, task_name and task_id on every record (a dash when none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get() or "-"
        record.task_name = context.task_name.get() or "-"
        record.task_id = context.task_id.get() or "-"
        return True


CELERY_ROUTINE_LOGGERS = ("celery.app.trace", "celery.worker.strategy", "celery.beat")


def routine_level(level: str) -> str:
    """WARNING for routine lines, unless the whole log asks for DEBUG (or for less than WARNING)."""
    return level if level in {"DEBUG", "ERROR", "CRITICAL"} else "WARNING"


def logging_config(*, fmt: str, level: str) -> dict:
    """The dictConfig for `fmt` ("plain" or "json"), everything to stderr through one handler."""
    formatters = {
        "plain": {"format": PLAIN},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "hiring.observability.logs.RequestIdFilter"}},
        "formatters": {fmt: formatters[fmt]},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        # Celery's own loggers propagate to the root handler (the worker does not
        # hijack the root logger, settings.CELERY_WORKER_HIJACK_ROOT_LOGGER).
        "loggers": {
            "celery": {"level": level},
            # Celery's own line for every task received, every task done and every beat tick
            # repeats what hiring.observability.celery_hooks logs once per task (with the
            # request id): at INFO the routine sweeps every few seconds buried the request log.
            # Their warnings and errors still show; LOG_LEVEL=DEBUG shows everything.
            **{name: {"level": routine_level(level)} for name in CELERY_ROUTINE_LOGGERS},
        },
    }
